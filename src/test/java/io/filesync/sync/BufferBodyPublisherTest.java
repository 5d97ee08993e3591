package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The zero-copy request body: every byte once, in order, only the declared length, completed once. */
class BufferBodyPublisherTest {

    @Test
    void aSubscriberRequestingOneBufferAtATimeFromOnNextGetsTheDeclaredBytesInOrderThenOneCompletion() {
        byte[] array = SyncChunkerTest.random(300_000, 40);
        int length = 250_001;
        BufferBodyPublisher publisher = new BufferBodyPublisher(array, length);

        assertThat(publisher.contentLength()).isEqualTo(length);
        assertThat(drain(publisher)).isEqualTo(java.util.Arrays.copyOf(array, length));
    }

    @Test
    void aDirectBufferIsSentFromItsPositionToItsLimitAndItsOwnPositionIsLeftAlone() {
        byte[] array = SyncChunkerTest.random(200_000, 41);
        ByteBuffer direct = ByteBuffer.allocateDirect(array.length).put(array).flip().position(1_000).limit(150_000);
        BufferBodyPublisher publisher = new BufferBodyPublisher(direct);

        assertThat(publisher.contentLength()).isEqualTo(149_000);
        assertThat(drain(publisher)).isEqualTo(java.util.Arrays.copyOfRange(array, 1_000, 150_000));
        assertThat(direct.position()).isEqualTo(1_000);
    }

    /** Subscribes, requesting one buffer at a time from onNext; asserts a single completion. */
    private static byte[] drain(BufferBodyPublisher publisher) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        AtomicInteger completions = new AtomicInteger();

        publisher.subscribe(new Flow.Subscriber<>() {
            private Flow.Subscription subscription;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                this.subscription = subscription;
                subscription.request(1);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] bytes = new byte[item.remaining()];
                item.get(bytes);
                received.writeBytes(bytes);
                subscription.request(1);
            }

            @Override
            public void onError(Throwable throwable) {
                throw new AssertionError(throwable);
            }

            @Override
            public void onComplete() {
                completions.incrementAndGet();
                subscription.request(1);
            }
        });

        assertThat(completions).hasValue(1);
        return received.toByteArray();
    }
}
