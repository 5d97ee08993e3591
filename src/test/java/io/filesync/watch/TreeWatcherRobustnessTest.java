package io.filesync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.FileVersionRepository;
import io.filesync.core.db.DataSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Overflow, bursts, restarts with changes made while stopped, and folders the watcher may not read. */
class TreeWatcherRobustnessTest {

    static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;
    @TempDir
    Path stateDir;

    private final List<TreeWatcher> watchers = new ArrayList<>();
    private final List<HikariDataSource> dataSources = new ArrayList<>();

    @AfterEach
    void stop() {
        watchers.forEach(TreeWatcher::stop);
        dataSources.forEach(HikariDataSource::close);
    }

    private TreeWatcher start(Path target, SnapshotStore store, ChangeListener listener) {
        TreeWatcher watcher = new TreeWatcher(WatchOptions.builder(target).settleTime(Duration.ofMillis(150))
                .moveWindow(Duration.ofMillis(100)).build(), store, listener, null);
        watcher.start();
        watchers.add(watcher);
        return watcher;
    }

    private HikariDataSource sqlite() {
        HikariDataSource dataSource = DataSources.pooled("jdbc:sqlite:" + stateDir.resolve("state.db"), null, null, 4);
        dataSources.add(dataSource);
        return dataSource;
    }

    @Test
    void aBurstOf20000FilesGivesExactly20000CreatedEventsAndIsPersistedInBatches() throws IOException {
        RecordingListener listener = new RecordingListener();
        HikariDataSource dataSource = sqlite();
        TreeWatcher watcher = start(dir, new DatabaseSnapshotStore(dataSource, "burst"), listener);

        byte[] content = "x".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 20_000; i++) {
            Files.write(dir.resolve("f" + i + ".txt"), content);
        }
        await().atMost(TIMEOUT).until(() -> listener.events.size() >= 20_000);
        Files.writeString(dir.resolve("zz-sentinel"), "s");
        await().atMost(TIMEOUT).until(() -> listener.described().contains("FILE_CREATED zz-sentinel"));

        List<ChangeEvent> burst = listener.events.stream().filter(e -> !e.path().equals("zz-sentinel")).toList();
        assertThat(burst).hasSize(20_000).allMatch(e -> e.type() == ChangeType.FILE_CREATED);
        assertThat(burst.stream().map(ChangeEvent::path).distinct().count()).isEqualTo(20_000);

        watcher.stop();
        assertThat(new FileVersionRepository(dataSource, "burst").snapshot()).hasSize(20_000 + 2);
    }

    @Test
    void aQueueOverflowIsRepairedByARescanWithoutLossOrDuplicates() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<ChangeEvent> events = new CopyOnWriteArrayList<>();
        TreeWatcher watcher = start(dir, SnapshotStore.none(), event -> {
            events.add(event);
            if (events.size() == 1) {
                await().atMost(TIMEOUT).until(() -> release.await(0, TimeUnit.MILLISECONDS));
            }
        });
        Files.writeString(dir.resolve("first"), "1");
        await().atMost(TIMEOUT).until(() -> events.size() == 1);
        // The loop is blocked in the listener: these pile up beyond the JDK's 512 events per watch key.
        for (int i = 0; i < 3_000; i++) {
            Files.writeString(dir.resolve("g" + i), "g");
        }
        Files.delete(dir.resolve("g0"));
        release.countDown();

        await().atMost(TIMEOUT).until(() -> events.size() >= 3_000);
        Files.writeString(dir.resolve("zz-sentinel"), "s");
        await().atMost(TIMEOUT).until(() -> events.stream().anyMatch(e -> e.path().equals("zz-sentinel")));

        assertThat(watcher.rescanCount()).isPositive();
        Set<String> paths = new HashSet<>();
        for (ChangeEvent e : events) {
            assertThat(e.type()).isEqualTo(ChangeType.FILE_CREATED);
            assertThat(paths.add(e.path())).as("one event for %s", e.path()).isTrue();
        }
        assertThat(paths).hasSize(1 + 2_999 + 1).doesNotContain("g0");
    }

    @Test
    void changesMadeWhileStoppedAreReportedFromThePersistedSnapshot() throws Exception {
        Files.writeString(dir.resolve("a.txt"), "a");
        Files.writeString(dir.resolve("b.txt"), "b");
        Files.createDirectories(dir.resolve("d/sub"));
        Files.writeString(dir.resolve("d/sub/c.txt"), "c");
        TreeWatcherTest.run("touch '" + dir + "'/$'odd-\\xff'");
        HikariDataSource dataSource = sqlite();

        RecordingListener first = new RecordingListener();
        TreeWatcher watcher = start(dir, new DatabaseSnapshotStore(dataSource, "offline"), first);
        Files.writeString(dir.resolve("n.txt"), "n");
        await().atMost(TIMEOUT).until(() -> first.described().contains("FILE_CREATED n.txt"));
        assertThat(first.described()).as("the first start takes a silent baseline").containsExactly("FILE_CREATED n.txt");
        watcher.stop();

        Files.writeString(dir.resolve("a.txt"), "more", StandardOpenOption.APPEND);
        Files.delete(dir.resolve("b.txt"));
        Files.move(dir.resolve("d"), dir.resolve("e"));
        Files.move(dir.resolve("n.txt"), dir.resolve("m.txt"));
        Files.writeString(dir.resolve("f.txt"), "f");

        RecordingListener second = new RecordingListener();
        start(dir, new DatabaseSnapshotStore(dataSource, "offline"), second);
        Files.writeString(dir.resolve("zz-sentinel"), "s");
        await().atMost(TIMEOUT).until(() -> second.described().contains("FILE_CREATED zz-sentinel"));
        assertThat(second.described()).containsExactlyInAnyOrder("FILE_UPDATED a.txt", "FILE_DELETED b.txt",
                "DIRECTORY_MOVED d -> e", "FILE_MOVED n.txt -> m.txt", "FILE_CREATED f.txt", "FILE_CREATED zz-sentinel");
        watchers.forEach(TreeWatcher::stop);

        RecordingListener third = new RecordingListener();
        start(dir, new DatabaseSnapshotStore(dataSource, "offline"), third);
        Files.writeString(dir.resolve("zz-sentinel-2"), "s");
        await().atMost(TIMEOUT).until(() -> !third.events.isEmpty());
        assertThat(third.described()).as("nothing changed, the odd name included").containsExactly("FILE_CREATED zz-sentinel-2");
    }

    @Test
    void anUnreadableFolderIsReportedAndItsContentFollowsOnceReadable() throws Exception {
        Path locked = dir.resolve("locked");
        Files.createDirectories(locked);
        Files.writeString(locked.resolve("secret.txt"), "s");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));

        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "as root this needs setpriv (util-linux)");
            // Root reads everything; without these two capabilities it obeys permissions like anyone else.
            command.addAll(List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search"));
        }
        command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), WatchProbe.class.getName(), dir.toString()));
        Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("READ FAILED " + e);
            }
        });
        reader.start();
        try {
            await().atMost(TIMEOUT).until(() -> lines.contains("READY"));
            assertThat(lines).anyMatch(l -> l.startsWith("PROBLEM " + locked + ": cannot be watched (permission denied)"));

            Files.writeString(dir.resolve("open.txt"), "o");
            await().atMost(TIMEOUT).until(() -> lines.stream().anyMatch(l -> l.contains("\"path\":\"open.txt\"")));

            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
            await().atMost(TIMEOUT).until(() -> lines.stream().anyMatch(l -> l.contains("\"path\":\"locked/secret.txt\"")));
            assertThat(lines.stream().filter(l -> l.startsWith("EVENT")).map(l -> ChangeEvent.fromJson(l.substring(6)))
                    .map(RecordingListener::describe)).containsExactly("FILE_CREATED open.txt", "FILE_CREATED locked/secret.txt");
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
            probe.getOutputStream().close();
            if (!probe.waitFor(20, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
            }
            reader.join(5_000);
        }
    }
}
