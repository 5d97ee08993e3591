package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.filesync.core.error.BadInputException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine with a scripted remote: de-duplication under a slow remote, pauses, per-action failures. */
class MirrorEngineTest {

    @TempDir
    Path dir;

    private MirrorFixture fixture;

    @BeforeEach
    void setUp() throws IOException {
        fixture = new MirrorFixture(dir);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    /** Records what it was sent; can be made to block, fail as a whole, or refuse one path. */
    static final class ScriptedRemote implements Remote {
        final List<String> sent = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate = new CountDownLatch(0);
        final AtomicInteger unavailableFor = new AtomicInteger();
        volatile String refused;
        volatile String flaky;

        @Override
        public Sent send(String path, Path file, Progress progress) throws IOException, RemoteUnavailableException {
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (unavailableFor.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new RemoteUnavailableException("connection refused", null);
            }
            if (path.equals(refused)) {
                throw new BadInputException(path, "name refused by the remote");
            }
            if (path.equals(flaky)) {
                flaky = null;
                throw new IOException("permission denied reading " + path);
            }
            sent.add(path + "=" + Files.readString(file));
            return new Sent("sent", null);
        }

        @Override
        public void delete(String path, boolean directory) {
            sent.add("delete " + path);
        }

        @Override
        public boolean move(String from, String to, boolean directory) {
            sent.add("move " + from + " " + to);
            return true;
        }

        @Override
        public String describe() {
            return "scripted";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aThousandRewritesWhileTheRemoteIsSlowGiveAtMostTwoSendsEndingWithTheLatestContent() throws Exception {
        ScriptedRemote remote = new ScriptedRemote();
        remote.gate = new CountDownLatch(1);
        MirrorEngine engine = fixture.start("slow", false, remote);
        fixture.write("log.txt", "version 0");
        engine.fileChanged("log.txt");
        await().atMost(Duration.ofSeconds(10)).until(() -> fixture.audit("slow", "log.txt").stream().anyMatch(r -> r.startsWith("STARTED")));
        for (int i = 1; i <= 1000; i++) {
            fixture.write("log.txt", "version " + i);
            engine.fileChanged("log.txt");
        }
        remote.gate.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        assertThat(remote.sent).hasSizeLessThanOrEqualTo(2).last().isEqualTo("log.txt=version 1000");
    }

    @Test
    void anUnavailableRemotePausesTheQueueWhileChangesAreStillRecordedThenItDrains() throws Exception {
        ScriptedRemote remote = new ScriptedRemote();
        remote.unavailableFor.set(5);
        MirrorEngine engine = fixture.start("down", false, remote);
        for (int i = 0; i < 30; i++) {
            fixture.write("f" + i + ".txt", "x" + i);
            engine.fileChanged("f" + i + ".txt");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        assertThat(remote.sent).hasSize(30).first().isEqualTo("f0.txt=x0");
        assertThat(fixture.audit("down", "f0.txt")).extracting(r -> r.split(" ")[0])
                .containsSubsequence("QUEUED", "FAILED", "RETRIED", "STARTED", "COMPLETED");
    }

    @Test
    void oneFailingFileDoesNotHoldUpTheOthersAndBadInputIsKeptAsFailed() throws Exception {
        ScriptedRemote remote = new ScriptedRemote();
        remote.refused = "bad name.txt";
        remote.flaky = "unreadable.txt";
        MirrorEngine engine = fixture.start("mixed", false, remote);
        for (String name : List.of("unreadable.txt", "bad name.txt", "fine.txt")) {
            fixture.write(name, name);
            engine.fileChanged(name);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        assertThat(remote.sent).containsExactlyInAnyOrder("fine.txt=fine.txt", "unreadable.txt=unreadable.txt");
        assertThat(fixture.audit("mixed", "unreadable.txt")).extracting(r -> r.split(" ")[0])
                .containsSubsequence("FAILED", "RETRIED", "COMPLETED");
        assertThat(fixture.audit("mixed", "bad name.txt")).last().asString()
                .isEqualTo("FAILED name refused by the remote; kept as failed until the path changes");
        // The next change of the path supersedes the failed action.
        remote.refused = null;
        fixture.write("bad name.txt", "renamed content");
        engine.fileChanged("bad name.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> remote.sent.contains("bad name.txt=renamed content"));
    }

    @Test
    void deletesAreKeptRemotelyWithoutCompleteSyncAndUnchangedFilesAreNotSentAgain() throws Exception {
        ScriptedRemote remote = new ScriptedRemote();
        MirrorEngine engine = fixture.start("keep", false, remote);
        fixture.write("a.txt", "a");
        fixture.write("b.txt", "b");
        engine.fileChanged("a.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        engine.fileChanged("a.txt");
        Files.delete(fixture.root.resolve("a.txt"));
        engine.deleted("a.txt", false);
        assertThat(engine.queue().pending()).isZero();
        assertThat(remote.sent).containsExactly("a.txt=a");
    }

    @Test
    void aRenamedFileTheFileSourceSeesFirstIsRenamedOnTheRemoteNotSentAgain() throws Exception {
        ScriptedRemote remote = new ScriptedRemote();
        MirrorEngine engine = fixture.start("renames", true, remote);
        fixture.write("a.txt", "a");
        engine.fileChanged("a.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        Path outside = Files.writeString(dir.resolve("dropped.txt"), "dropped in");

        // The file source reports the renamed file as new; the watcher reports the rename after it.
        Files.move(fixture.root.resolve("a.txt"), fixture.root.resolve("b.txt"));
        engine.fileChanged("b.txt");
        assertThat(engine.queue().due(System.currentTimeMillis(), 10)).isEmpty();
        engine.moved("a.txt", "b.txt", false);
        // A file moved in from outside the root has no rename to wait for: it is sent once the window has passed.
        Files.move(outside, fixture.root.resolve("c.txt"));
        engine.fileChanged("c.txt");

        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        assertThat(remote.sent).containsExactly("a.txt=a", "move a.txt b.txt", "c.txt=dropped in");
        assertThat(fixture.audit("renames", "b.txt")).anyMatch(row -> row.startsWith("SKIPPED the rename from a.txt brings"));
    }

    @Test
    void aRenamedFolderWhoseFilesTheFileSourceSeesFirstIsRenamedOnTheRemoteAndOnlyANewFileInItIsSent() throws Exception {
        ScriptedRemote remote = new ScriptedRemote();
        MirrorEngine engine = fixture.start("folders", true, remote);
        fixture.write("album/1.txt", "one");
        fixture.write("album/deep/2.txt", "two");
        engine.fileChanged("album/1.txt");
        engine.fileChanged("album/deep/2.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);

        // Renaming a folder changes its status time, not its files': they must wait for the rename all the same.
        Files.move(fixture.root.resolve("album"), fixture.root.resolve("album-2024"));
        engine.fileChanged("album-2024/1.txt");
        engine.fileChanged("album-2024/deep/2.txt");
        assertThat(engine.queue().due(System.currentTimeMillis(), 10)).isEmpty();
        fixture.write("album-2024/3.txt", "three, new after the rename");
        engine.moved("album", "album-2024", true);

        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        assertThat(remote.sent).containsExactly("album/1.txt=one", "album/deep/2.txt=two", "move album album-2024",
                "album-2024/3.txt=three, new after the rename");
        assertThat(fixture.audit("folders", "album-2024/deep/2.txt"))
                .anyMatch(row -> row.startsWith("SKIPPED the rename of the folder album brings it"));
    }

    @Test
    void aDeleteTheStartsComparisonQueuedIsReplacedByTheRenameTheWatcherReportsAfterIt() throws Exception {
        ScriptedRemote remote = new ScriptedRemote();
        MirrorEngine engine = fixture.start("sweep", true, remote);
        fixture.write("album/1.txt", "one");
        fixture.write("single.txt", "single");
        engine.fileChanged("album/1.txt");
        engine.fileChanged("single.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);

        // Renamed while filesync was stopped: the comparison on start finds the old paths missing locally first.
        Files.move(fixture.root.resolve("album"), fixture.root.resolve("album-2024"));
        Files.move(fixture.root.resolve("single.txt"), fixture.root.resolve("renamed.txt"));
        long window = System.currentTimeMillis() + MirrorMapping.DEFAULT_MOVE_WINDOW;
        engine.deleted("album/1.txt", false, "not in the root (complete sync)", window);
        engine.deleted("single.txt", false, "not in the root (complete sync)", window);
        engine.moved("album", "album-2024", true);
        engine.moved("single.txt", "renamed.txt", false);

        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        assertThat(remote.sent).containsExactly("album/1.txt=one", "single.txt=single", "move album album-2024",
                "move single.txt renamed.txt");
        assertThat(fixture.audit("sweep", "album/1.txt")).last().asString()
                .isEqualTo("SKIPPED the rename to album-2024 takes it off the remote");
    }
}
