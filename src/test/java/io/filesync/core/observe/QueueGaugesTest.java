package io.filesync.core.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Depth and oldest age of a queue whose keys grow with time but which keeps no enqueue time. */
class QueueGaugesTest {

    /** A queue as the gauges see it: keys given out so far and the oldest still pending. */
    static final class FakeQueue implements QueueGauges.Probe {
        long depth;
        long oldest = -1;
        long newest = -1;

        @Override
        public long depth() {
            return depth;
        }

        @Override
        public long oldestPendingKey() {
            return oldest;
        }

        @Override
        public long newestKey() {
            return newest;
        }
    }

    @Test
    void theOldestEntryIsDatedByTheFirstNoteThatCoversItsKey() {
        FakeQueue queue = new FakeQueue();
        QueueGauges gauges = new QueueGauges("test", queue, Long.MAX_VALUE);
        queue.newest = 10;
        queue.oldest = 5;
        queue.depth = 6;
        gauges.refresh(1_000);
        queue.newest = 20;
        gauges.refresh(4_000);
        assertThat(gauges.depth()).isEqualTo(6);
        // Keys up to 10 existed by t=1 s: the oldest (5) has waited at least 3 s at t=4 s.
        assertThat(gauges.oldestAgeSeconds()).isCloseTo(3.0, within(0.001));

        queue.oldest = 15;
        gauges.refresh(10_000);
        // Key 15 appeared between the notes at 1 s (10) and 4 s (20): dated by the later one.
        assertThat(gauges.oldestAgeSeconds()).isCloseTo(6.0, within(0.001));

        queue.oldest = -1;
        queue.depth = 0;
        gauges.refresh(11_000);
        assertThat(gauges.oldestAgeSeconds()).isZero();
    }

    @Test
    void keysThatStartAgainLowerDoNotInheritOldNotes() {
        FakeQueue queue = new FakeQueue();
        QueueGauges gauges = new QueueGauges("test", queue, Long.MAX_VALUE);
        queue.newest = 500;
        queue.oldest = -1;
        gauges.refresh(1_000);
        // The sequence started over on an empty queue: key 1 is new, not as old as the note for 500.
        queue.newest = 1;
        queue.oldest = 1;
        gauges.refresh(60_000);
        gauges.refresh(62_000);
        assertThat(gauges.oldestAgeSeconds()).isCloseTo(2.0, within(0.001));
    }
}
