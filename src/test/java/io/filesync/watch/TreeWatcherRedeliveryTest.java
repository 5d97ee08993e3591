package io.filesync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An event the listener does not take (it throws; in Camel, the route failed) is reported again: by a rescan while
 * running, from the persisted snapshot after a restart. Each change is then taken exactly once, with its own type.
 */
class TreeWatcherRedeliveryTest {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    @TempDir
    Path stateDir;

    private final List<TreeWatcher> watchers = new ArrayList<>();
    private final List<HikariDataSource> dataSources = new ArrayList<>();
    private final AtomicInteger sentinels = new AtomicInteger();

    @AfterEach
    void stop() {
        watchers.forEach(TreeWatcher::stop);
        dataSources.forEach(HikariDataSource::close);
    }

    /** Takes events, except that it refuses the next {@code refusals} ones: they are counted, not kept. */
    static final class RefusingListener implements ChangeListener {
        final List<String> taken = new CopyOnWriteArrayList<>();
        final List<String> refused = new CopyOnWriteArrayList<>();
        final AtomicInteger refusals = new AtomicInteger();

        @Override
        public void onEvent(ChangeEvent event) {
            String described = RecordingListener.describe(event);
            if (!described.contains(".sentinel-") && refusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                refused.add(described);
                throw new IllegalStateException("the database is down");
            }
            taken.add(described);
        }
    }

    private TreeWatcher start(SnapshotStore store, ChangeListener listener, Duration redeliveryDelay) {
        TreeWatcher watcher = new TreeWatcher(WatchOptions.builder(dir).settleTime(Duration.ofMillis(100))
                .moveWindow(Duration.ofMillis(100)).redeliveryDelay(redeliveryDelay).build(), store, listener, null);
        watcher.start();
        watchers.add(watcher);
        return watcher;
    }

    /** Refuses the next event once, runs the change, and returns what was taken up to a sentinel written after it. */
    private List<String> refusedOnce(RefusingListener listener, String expected, IoAction change) throws IOException {
        listener.refusals.set(1);
        listener.refused.clear();
        change.run();
        await().atMost(TIMEOUT).until(() -> listener.taken.contains(expected));
        assertThat(listener.refused).as("the first delivery was refused").containsExactly(expected);
        String sentinel = ".sentinel-" + sentinels.incrementAndGet();
        Files.writeString(dir.resolve(sentinel), "s");
        await().atMost(TIMEOUT).until(() -> listener.taken.contains("FILE_CREATED " + sentinel));
        List<String> taken = listener.taken.stream().filter(e -> !e.contains(".sentinel-")).toList();
        listener.taken.clear();
        return taken;
    }

    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    @Test
    void everyKindOfChangeRefusedOnceIsReportedAgainOnceWithItsType() throws IOException {
        RefusingListener listener = new RefusingListener();
        start(SnapshotStore.none(), listener, Duration.ofMillis(100));
        Path a = dir.resolve("a.txt");

        assertThat(refusedOnce(listener, "FILE_CREATED a.txt", () -> Files.writeString(a, "one")))
                .containsExactly("FILE_CREATED a.txt");
        assertThat(refusedOnce(listener, "FILE_UPDATED a.txt",
                () -> Files.writeString(a, " two", StandardOpenOption.APPEND)))
                .containsExactly("FILE_UPDATED a.txt");
        assertThat(refusedOnce(listener, "FILE_MOVED a.txt -> b.txt", () -> Files.move(a, dir.resolve("b.txt"))))
                .containsExactly("FILE_MOVED a.txt -> b.txt");
        assertThat(refusedOnce(listener, "DIRECTORY_CREATED d", () -> Files.createDirectories(dir.resolve("d"))))
                .containsExactly("DIRECTORY_CREATED d");
        Files.writeString(dir.resolve("d/inner.txt"), "inner");
        await().atMost(TIMEOUT).until(() -> listener.taken.contains("FILE_CREATED d/inner.txt"));
        listener.taken.clear();
        assertThat(refusedOnce(listener, "DIRECTORY_MOVED d -> e", () -> Files.move(dir.resolve("d"), dir.resolve("e"))))
                .containsExactly("DIRECTORY_MOVED d -> e");
        assertThat(refusedOnce(listener, "FILE_DELETED b.txt", () -> Files.delete(dir.resolve("b.txt"))))
                .containsExactly("FILE_DELETED b.txt");
        assertThat(refusedOnce(listener, "FILE_DELETED e/inner.txt", () -> {
            Files.delete(dir.resolve("e/inner.txt"));
            Files.delete(dir.resolve("e"));
        })).containsExactly("FILE_DELETED e/inner.txt", "DIRECTORY_DELETED e");
    }

    @Test
    void aChangeStillRefusedWhenStoppedIsReportedByTheNextStart() throws IOException {
        HikariDataSource dataSource = DataSources.pooled("jdbc:sqlite:" + stateDir.resolve("state.db"), null, null, 2);
        dataSources.add(dataSource);
        Files.writeString(dir.resolve("kept.txt"), "k");
        RefusingListener down = new RefusingListener();
        TreeWatcher first = start(new DatabaseSnapshotStore(dataSource, "redelivery"), down, Duration.ofHours(1));

        down.refusals.set(Integer.MAX_VALUE);
        Files.writeString(dir.resolve("kept.txt"), " more", StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("new.txt"), "n");
        await().atMost(TIMEOUT).until(() -> down.refused.size() == 2);
        first.stop();

        RefusingListener up = new RefusingListener();
        start(new DatabaseSnapshotStore(dataSource, "redelivery"), up, Duration.ofHours(1));
        String sentinel = ".sentinel-restart";
        Files.writeString(dir.resolve(sentinel), "s");
        await().atMost(TIMEOUT).until(() -> up.taken.contains("FILE_CREATED " + sentinel));
        assertThat(down.refused).containsExactlyInAnyOrder("FILE_UPDATED kept.txt", "FILE_CREATED new.txt");
        assertThat(up.taken).containsExactly("FILE_UPDATED kept.txt", "FILE_CREATED new.txt", "FILE_CREATED " + sentinel);
    }
}
