package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

/**
 * The HTTP exchanges of the sync client, through the JDK's {@link HttpClient}: HTTP/1.1 over connections it pools
 * and keeps alive, TLS with the trust store's context, a deadline per exchange, and an answer read into memory only
 * up to a cap. Each failure becomes a {@link SyncTransport.Unavailable} naming the server and what went wrong.
 * <p>
 * A request is never sent twice by this class. The JDK resends a request on a pooled connection found closed only
 * when its method is idempotent (GET here: the listing), unless {@code jdk.httpclient.enableAllMethodRetry} is set;
 * leave it unset: a POST (a commit, a move, a batch of chunks) may have reached the server before the connection
 * died, and the caller's retry with backoff, which re-reads the server's state first, is the safe way to repeat it.
 */
final class SyncHttp {

    /** The waits of an exchange and the largest answer read; the defaults are in {@link SyncTransport.Builder}. */
    record Limits(Duration connect, Duration answer, Duration exchange, int maxAnswerBytes) {
    }

    /** The server's answer: status and body, whatever the status. */
    record Answer(int status, byte[] body) {
    }

    private final URI base;
    private final Limits limits;
    private final HttpClient http;

    /** @param tls for https: the context whose trust decides, or null for the JDK's default */
    SyncHttp(URI base, SSLContext tls, Limits limits) {
        this.base = base;
        this.limits = limits;
        HttpClient.Builder builder = HttpClient.newBuilder()
                // HTTP/1.1 only: the sync server speaks nothing else, and an h2c upgrade offer would cost a header.
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(limits.connect());
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
    }

    /**
     * One exchange: a GET without a body, else a POST of the body from its position to its limit (left as it is).
     * The answer's head must come within the answer timeout (sending included), the whole exchange end within its
     * deadline; past either the exchange is cancelled, which closes its connection.
     */
    Answer exchange(String operation, List<String> headers, ByteBuffer body) throws SyncTransport.Unavailable {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(operation))
                .timeout(limits.answer())
                .headers(headers.toArray(String[]::new));
        if (body == null) {
            request.GET();
        } else if (!body.hasRemaining()) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.POST(HttpRequest.BodyPublishers.fromPublisher(new OneBuffer(body), body.remaining()));
        }
        CompletableFuture<HttpResponse<byte[]>> answer = http.sendAsync(request.build(), this::cappedBody);
        try {
            HttpResponse<byte[]> response = answer.get(limits.exchange().toMillis(), TimeUnit.MILLISECONDS);
            return new Answer(response.statusCode(), response.body());
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new SyncTransport.Unavailable("sync server " + base + " did not complete " + operation + " within "
                    + limits.exchange().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new SyncTransport.Unavailable("interrupted while waiting for sync server " + base, e);
        } catch (ExecutionException e) {
            throw failure(operation, e.getCause());
        }
    }

    private SyncTransport.Unavailable failure(String operation, Throwable cause) {
        if (cause instanceof AnswerTooLarge) {
            return new SyncTransport.Unavailable("sync server " + base + " answered " + operation + " with more than "
                    + limits.maxAnswerBytes() + " bytes", cause);
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return new SyncTransport.Unavailable("sync server " + base + " unreachable: no connection within "
                    + limits.connect().toMillis() + " ms", cause);
        }
        if (cause instanceof HttpTimeoutException) {
            return new SyncTransport.Unavailable("sync server " + base + " did not answer " + operation + " within "
                    + limits.answer().toMillis() + " ms", cause);
        }
        if (untrusted(cause)) {
            return new SyncTransport.Unavailable("sync server " + base + " is not trusted: its certificate is not valid"
                    + " for this host or not signed by a trusted authority; name a trust store holding it in"
                    + " sync.client.truststore (" + cause.getMessage() + ")", cause);
        }
        if (cause instanceof ConnectException) {
            return new SyncTransport.Unavailable("sync server " + base + " unreachable: connection refused", cause);
        }
        return new SyncTransport.Unavailable("sync server " + base + " unreachable: " + cause, cause);
    }

    private static boolean untrusted(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertificateException) {
                return true;
            }
            if (cause instanceof SSLHandshakeException handshake && handshake.getMessage() != null
                    && handshake.getMessage().contains("PKIX")) {
                return true;
            }
        }
        return false;
    }

    private HttpResponse.BodySubscriber<byte[]> cappedBody(HttpResponse.ResponseInfo head) {
        return new CappedBody(limits.maxAnswerBytes(), head.headers().firstValueAsLong("content-length").orElse(-1));
    }

    /** An answer longer than the cap: refused as soon as it is known, its connection closed. */
    static final class AnswerTooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        AnswerTooLarge(int cap) {
            super("answer of more than " + cap + " bytes");
        }
    }

    /**
     * Collects an answer's body into an array of at most {@code cap} bytes; past it (or at once, when the announced
     * length is past it) it cancels the subscription, which makes the JDK close the connection rather than read on.
     */
    static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int cap;
        private final long announced;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private ByteArrayOutputStream kept;
        private Flow.Subscription subscription;

        CappedBody(int cap, long announced) {
            this.cap = cap;
            this.announced = announced;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (announced > cap) {
                subscription.cancel();
                result.completeExceptionally(new AnswerTooLarge(cap));
                return;
            }
            kept = new ByteArrayOutputStream((int) Math.max(32, Math.min(announced, 1 << 20)));
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                if (buffer.remaining() > cap - kept.size()) {
                    subscription.cancel();
                    result.completeExceptionally(new AnswerTooLarge(cap));
                    return;
                }
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                kept.write(bytes, 0, bytes.length);
            }
        }

        @Override
        public void onError(Throwable failure) {
            result.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            result.complete(kept.toByteArray());
        }
    }

    /**
     * Publishes one buffer, from its position to its limit, as it is: a batch of chunks built in a direct buffer goes
     * to the socket without a copy on the heap. Each subscriber gets a view of its own, so the caller's buffer is left
     * as it was.
     */
    static final class OneBuffer implements Flow.Publisher<ByteBuffer> {
        private final ByteBuffer buffer;

        OneBuffer(ByteBuffer buffer) {
            this.buffer = buffer.duplicate();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            ByteBuffer view = buffer.duplicate();
            AtomicBoolean done = new AtomicBoolean();
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    if (n <= 0) {
                        if (done.compareAndSet(false, true)) {
                            subscriber.onError(new IllegalArgumentException("non-positive request " + n));
                        }
                    } else if (done.compareAndSet(false, true)) {
                        subscriber.onNext(view);
                        subscriber.onComplete();
                    }
                }

                @Override
                public void cancel() {
                    done.set(true);
                }
            });
        }
    }
}
