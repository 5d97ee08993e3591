package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import io.filesync.core.observe.QueueGauges;
import org.apache.camel.health.HealthCheck;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** A mapping's readiness with its remote answering: DOWN only once the oldest pending action waited too long. */
class MirrorHealthCheckTest {

    /** A remote that answers every probe and is never asked for anything else here. */
    private static final Remote ANSWERING = new Remote() {
        @Override
        public Sent send(String path, Path file, Progress progress) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String path, boolean directory) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean move(String from, String to, boolean directory) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String describe() {
            return "a remote that answers";
        }

        @Override
        public void close() {
        }
    };

    @Test
    void aQueueWhoseOldestActionWaitsTooLongIsStuckEvenWithTheRemoteUp() throws Exception {
        long[] oldest = {-1};
        long[] newest = {-1};
        QueueGauges queue = new QueueGauges("test", new QueueGauges.Probe() {
            @Override
            public long depth() {
                return oldest[0] < 0 ? 0 : 1;
            }

            @Override
            public long oldestPendingKey() {
                return oldest[0];
            }

            @Override
            public long newestKey() {
                return newest[0];
            }
        }, 0);
        MirrorObserver.Check check = new MirrorObserver.Check("photos", ANSWERING, queue, 1_000);
        try {
            assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);

            // One action queued, then nothing moves for longer than the threshold.
            newest[0] = 7;
            oldest[0] = 7;
            queue.depth();
            long queuedAt = System.currentTimeMillis();
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> System.currentTimeMillis() - queuedAt > 1_500 && check.call().getState() == HealthCheck.State.DOWN);
            HealthCheck.Result stuck = check.call();
            assertThat(stuck.getMessage()).hasValueSatisfying(message -> assertThat(message).startsWith("queue stuck:"));
            assertThat(stuck.getDetails()).containsEntry("mapping", "photos").containsEntry("queueDepth", 1L);

            oldest[0] = -1;
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> check.call().getState() == HealthCheck.State.UP);
        } finally {
            check.close();
        }
    }
}
