package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's durable queue: one entry per path, moves kept, newer changes never lost, backoff honoured. */
class SyncQueueTest {

    @TempDir
    Path work;

    @Test
    void manyChangesToOnePathAreOneEntryAndAMoveStaysAMove() {
        try (HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + work.resolve("q.db"), null, null, 2)) {
            SyncQueue queue = new SyncQueue(db, "test");
            for (int i = 0; i < 50; i++) {
                queue.add("a.txt", null);
            }
            queue.add("b.txt", "old-b.txt");
            queue.add("b.txt", null);
            assertThat(queue.due(Long.MAX_VALUE, 10)).extracting(SyncQueue.Entry::path, SyncQueue.Entry::from)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("a.txt", null),
                            org.assertj.core.groups.Tuple.tuple("b.txt", "old-b.txt"));
        }
    }

    @Test
    void aChangeArrivingWhileAnEntryIsProcessedIsNotLostAndFailuresWaitTheirTurn() {
        try (HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + work.resolve("q.db"), null, null, 2)) {
            SyncQueue queue = new SyncQueue(db, "test");
            queue.add("a.txt", null);
            SyncQueue.Entry read = queue.due(Long.MAX_VALUE, 10).get(0);
            queue.add("a.txt", null);
            queue.done(read);
            assertThat(queue.size()).isEqualTo(1);

            SyncQueue.Entry again = queue.due(Long.MAX_VALUE, 10).get(0);
            queue.retryAt(again, 5_000);
            assertThat(queue.due(4_999, 10)).isEmpty();
            List<SyncQueue.Entry> later = queue.due(5_000, 10);
            assertThat(later).singleElement().satisfies(entry -> assertThat(entry.attempts()).isEqualTo(1));
            queue.done(later.get(0));
            assertThat(queue.size()).isZero();
        }
    }

    @Test
    void theQueueSurvivesARestart() {
        try (HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + work.resolve("q.db"), null, null, 2)) {
            new SyncQueue(db, "test").add("kept.bin", null);
        }
        try (HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + work.resolve("q.db"), null, null, 2)) {
            SyncQueue queue = new SyncQueue(db, "test");
            queue.add("second.bin", null);
            assertThat(queue.due(Long.MAX_VALUE, 10)).extracting(SyncQueue.Entry::path).containsExactly("kept.bin", "second.bin");
        }
    }
}
