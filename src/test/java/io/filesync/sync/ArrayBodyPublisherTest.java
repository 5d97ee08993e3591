package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The zero-copy request body: every byte once, in order, only the declared length, completed once. */
class ArrayBodyPublisherTest {

    @Test
    void aSubscriberRequestingOneBufferAtATimeFromOnNextGetsTheDeclaredBytesInOrderThenOneCompletion() {
        byte[] array = SyncChunkerTest.random(300_000, 40);
        int length = 250_001;
        ArrayBodyPublisher publisher = new ArrayBodyPublisher(array, length);
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

        assertThat(publisher.contentLength()).isEqualTo(length);
        assertThat(received.toByteArray()).isEqualTo(java.util.Arrays.copyOf(array, length));
        assertThat(completions).hasValue(1);
    }
}
