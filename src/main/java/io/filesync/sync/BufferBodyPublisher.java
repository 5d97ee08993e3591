package io.filesync.sync;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

/**
 * A request body sent from the caller's buffer as it is, in read-only slices of it. {@code BodyPublishers.ofByteArray}
 * copies the array into freshly allocated 16 KiB buffers: for chunk batches, a second copy of every byte of an upload
 * on the client, and among the client's hottest frames in a profile of the initial sync. A direct buffer also spares
 * the copy the JDK makes of a heap buffer before it writes to a socket. The buffer must not change until the request
 * completes; {@link ChunkUploader} takes it back for another batch only then.
 */
final class BufferBodyPublisher implements HttpRequest.BodyPublisher {

    /** Bytes per buffer handed to the client: as large as those it would allocate itself. */
    private static final int SLICE = 64 * 1024;

    private final ByteBuffer body;
    private final int length;

    /** The bytes from the buffer's position to its limit; the buffer's own position and limit are not used after. */
    BufferBodyPublisher(ByteBuffer body) {
        this.body = body.slice();
        this.length = this.body.remaining();
    }

    BufferBodyPublisher(byte[] body, int length) {
        this(ByteBuffer.wrap(body, 0, length));
    }

    @Override
    public long contentLength() {
        return length;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        subscriber.onSubscribe(new Slices(subscriber));
    }

    /** Emits read-only slices on demand; a request made from within onNext is served by the loop already running. */
    private final class Slices implements Flow.Subscription {
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private int position;
        private long demand;
        private boolean emitting;
        private boolean finished;

        Slices(Flow.Subscriber<? super ByteBuffer> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            synchronized (this) {
                if (finished) {
                    return;
                }
                if (n <= 0) {
                    finished = true;
                } else {
                    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                    if (emitting) {
                        return;
                    }
                    emitting = true;
                }
            }
            if (n <= 0) {
                subscriber.onError(new IllegalArgumentException("non-positive request: " + n));
                return;
            }
            emit();
        }

        private void emit() {
            while (true) {
                ByteBuffer next;
                synchronized (this) {
                    if (finished || demand == 0 && position < length) {
                        emitting = false;
                        return;
                    }
                    if (position >= length) {
                        finished = true;
                        next = null;
                    } else {
                        int size = Math.min(SLICE, length - position);
                        next = body.slice(position, size).asReadOnlyBuffer();
                        position += size;
                        demand--;
                    }
                }
                if (next == null) {
                    subscriber.onComplete();
                    return;
                }
                subscriber.onNext(next);
            }
        }

        @Override
        public synchronized void cancel() {
            finished = true;
        }
    }
}
