package io.filesync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every change the watcher must report, as exact event lists. "Nothing more" is proven with a sentinel: a file
 * created after the change under test, whose own event can only arrive once every earlier change was reported.
 */
class TreeWatcherTest {

    static final Duration SETTLE = Duration.ofMillis(150);
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final List<TreeWatcher> watchers = new ArrayList<>();
    private final RecordingListener listener = new RecordingListener();
    private final AtomicInteger sentinels = new AtomicInteger();

    @AfterEach
    void stopWatchers() {
        watchers.forEach(TreeWatcher::stop);
    }

    TreeWatcher watch(Path target, Consumer<WatchOptions.Builder> tuning) {
        WatchOptions.Builder builder = WatchOptions.builder(target).settleTime(SETTLE).moveWindow(Duration.ofMillis(100));
        tuning.accept(builder);
        TreeWatcher watcher = new TreeWatcher(builder.build(), SnapshotStore.none(), listener, null);
        watcher.start();
        watchers.add(watcher);
        return watcher;
    }

    TreeWatcher watch(Path target) {
        return watch(target, b -> { });
    }

    /**
     * Waits until the expected events arrived, then proves nothing else came: a sentinel file written afterwards must
     * be the next event. Returns (and clears) everything before the sentinel.
     */
    List<String> changesUntilSentinel(Path folder, String... expected) {
        await().atMost(TIMEOUT).until(() -> listener.described().containsAll(List.of(expected)));
        return changesUntilSentinel(folder);
    }

    /** Creates a sentinel file in {@code folder}, waits for its event and returns (and clears) everything before it. */
    List<String> changesUntilSentinel(Path folder) {
        String name = ".sentinel-" + sentinels.incrementAndGet();
        write(folder.resolve(name), "s");
        String expected = "FILE_CREATED " + dir.relativize(folder.resolve(name)).toString();
        await().atMost(TIMEOUT).until(() -> listener.described().stream().anyMatch(d -> d.endsWith("/" + name) || d.endsWith(" " + name)));
        List<String> before = new ArrayList<>();
        for (String event : listener.described()) {
            if (event.contains(name)) {
                break;
            }
            if (!event.contains(".sentinel-")) {
                before.add(event);
            }
        }
        listener.events.clear();
        assertThat(expected).isNotEmpty();
        return before;
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void createUpdateAndDeleteEachGiveExactlyOneEvent() throws IOException {
        watch(dir);

        write(dir.resolve("a.txt"), "hello");
        assertThat(changesUntilSentinel(dir, "FILE_CREATED a.txt")).containsExactly("FILE_CREATED a.txt");

        Files.writeString(dir.resolve("a.txt"), " world", StandardOpenOption.APPEND);
        assertThat(changesUntilSentinel(dir, "FILE_UPDATED a.txt")).containsExactly("FILE_UPDATED a.txt");

        Files.delete(dir.resolve("a.txt"));
        assertThat(changesUntilSentinel(dir, "FILE_DELETED a.txt")).containsExactly("FILE_DELETED a.txt");
    }

    @Test
    void eventsCarryPathsSizeAndTime() throws IOException {
        watch(dir);
        long before = System.currentTimeMillis();
        write(dir.resolve("sub/b.txt"), "12345");
        await().atMost(TIMEOUT).until(() -> listener.events.stream().anyMatch(e -> e.path().equals("sub/b.txt")));

        ChangeEvent created = listener.events.stream().filter(e -> e.path().equals("sub/b.txt")).findFirst().orElseThrow();
        assertThat(created.type()).isEqualTo(ChangeType.FILE_CREATED);
        assertThat(created.absolutePath()).isEqualTo(dir.resolve("sub/b.txt").toString());
        assertThat(created.uri()).isEqualTo(dir.resolve("sub/b.txt").toUri().toString());
        assertThat(created.size()).isEqualTo(5L);
        assertThat(created.directory()).isFalse();
        assertThat(created.timestamp()).isBetween(before, System.currentTimeMillis());
        assertThat(listener.described()).startsWith("DIRECTORY_CREATED sub", "FILE_CREATED sub/b.txt");
    }

    @Test
    void renameAndMoveAcrossFoldersAreOneMovedEventEach() throws IOException {
        write(dir.resolve("a/one.txt"), "1");
        Files.createDirectories(dir.resolve("b"));
        watch(dir);

        Files.move(dir.resolve("a/one.txt"), dir.resolve("a/two.txt"));
        assertThat(changesUntilSentinel(dir, "FILE_MOVED a/one.txt -> a/two.txt")).containsExactly("FILE_MOVED a/one.txt -> a/two.txt");

        Files.move(dir.resolve("a/two.txt"), dir.resolve("b/three.txt"));
        assertThat(changesUntilSentinel(dir, "FILE_MOVED a/two.txt -> b/three.txt")).containsExactly("FILE_MOVED a/two.txt -> b/three.txt");
    }

    @Test
    void directoryRenameIsOneEventAndItsContentIsStillWatchedUnderTheNewName() throws IOException {
        for (int i = 0; i < 50; i++) {
            write(dir.resolve("old/deep/f" + i + ".txt"), "x" + i);
        }
        watch(dir);

        Files.move(dir.resolve("old"), dir.resolve("new"));
        assertThat(changesUntilSentinel(dir, "DIRECTORY_MOVED old -> new")).containsExactly("DIRECTORY_MOVED old -> new");

        Files.writeString(dir.resolve("new/deep/f7.txt"), "changed", StandardOpenOption.APPEND);
        write(dir.resolve("new/deep/g.txt"), "g");
        assertThat(changesUntilSentinel(dir, "FILE_UPDATED new/deep/f7.txt", "FILE_CREATED new/deep/g.txt")).containsExactlyInAnyOrder("FILE_UPDATED new/deep/f7.txt", "FILE_CREATED new/deep/g.txt");
    }

    @Test
    void folderTreeCreatedThenDeletedGivesParentsFirstThenChildrenFirst() throws IOException {
        watch(dir);
        write(dir.resolve("t/u/v.txt"), "v");
        List<String> created = changesUntilSentinel(dir, "FILE_CREATED t/u/v.txt");
        assertThat(created).containsExactly("DIRECTORY_CREATED t", "DIRECTORY_CREATED t/u", "FILE_CREATED t/u/v.txt");

        deleteTree(dir.resolve("t"));
        assertThat(changesUntilSentinel(dir, "FILE_DELETED t/u/v.txt", "DIRECTORY_DELETED t/u", "DIRECTORY_DELETED t")).containsExactly("FILE_DELETED t/u/v.txt", "DIRECTORY_DELETED t/u", "DIRECTORY_DELETED t");
    }

    @Test
    void foldersMovedInFromOutsideAreCreatedWithTheirContentAndMovedOutAreDeleted() throws IOException {
        Path watched = dir.resolve("watched");
        Path outside = dir.resolve("outside");
        write(outside.resolve("box/x.txt"), "x");
        write(outside.resolve("box/inner/y.txt"), "y");
        Files.createDirectories(watched);
        watch(watched);

        Files.move(outside.resolve("box"), watched.resolve("box"));
        assertThat(changesUntilSentinel(watched, "DIRECTORY_CREATED box",
                "DIRECTORY_CREATED box/inner", "FILE_CREATED box/x.txt", "FILE_CREATED box/inner/y.txt")).containsExactlyInAnyOrder("DIRECTORY_CREATED box",
                "DIRECTORY_CREATED box/inner", "FILE_CREATED box/x.txt", "FILE_CREATED box/inner/y.txt");

        Files.move(watched.resolve("box"), outside.resolve("box-back"));
        assertThat(changesUntilSentinel(watched, "FILE_DELETED box/inner/y.txt",
                "FILE_DELETED box/x.txt", "DIRECTORY_DELETED box/inner", "DIRECTORY_DELETED box")).as("deepest first").containsExactly("FILE_DELETED box/inner/y.txt",
                "FILE_DELETED box/x.txt", "DIRECTORY_DELETED box/inner", "DIRECTORY_DELETED box");
        write(outside.resolve("box-back/z.txt"), "not watched any more");
        assertThat(changesUntilSentinel(watched)).isEmpty();
    }

    @Test
    void anEditorsAtomicSaveIsOneUpdate() throws IOException {
        write(dir.resolve("doc.txt"), "version 1");
        watch(dir);

        write(dir.resolve(".doc.txt.tmp"), "version 2, longer");
        Files.move(dir.resolve(".doc.txt.tmp"), dir.resolve("doc.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertThat(changesUntilSentinel(dir, "FILE_UPDATED doc.txt")).containsExactly("FILE_UPDATED doc.txt");
    }

    @Test
    void nonRecursiveWatchingReportsOnlyTheFoldersOwnEntries() throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        watch(dir, b -> b.recursive(false));

        write(dir.resolve("sub/deep.txt"), "not reported");
        write(dir.resolve("top.txt"), "reported");
        Files.createDirectories(dir.resolve("other"));
        assertThat(changesUntilSentinel(dir, "FILE_CREATED top.txt", "DIRECTORY_CREATED other"))
                .containsExactlyInAnyOrder("FILE_CREATED top.txt", "DIRECTORY_CREATED other");
    }

    @Test
    void emitExistingReportsWhatIsThereOnTheFirstStart() throws IOException {
        write(dir.resolve("d/old.txt"), "old");
        watch(dir, b -> b.emitExisting(true));
        assertThat(changesUntilSentinel(dir, "FILE_CREATED d/old.txt")).containsExactly("TARGET_CREATED ", "DIRECTORY_CREATED d", "FILE_CREATED d/old.txt");
    }

    @Test
    void aMissingTargetIsWatchedFromItsNearestAncestorUntilItAppears() throws IOException {
        Path target = dir.resolve("not/yet/there");
        // No periodic check: the watches alone must follow the path as it grows, one folder at a time.
        watch(target, b -> b.verifyInterval(Duration.ofHours(1)));

        Files.createDirectory(dir.resolve("not"));
        Files.createDirectory(dir.resolve("not/yet"));
        Files.createDirectory(target);
        await().atMost(TIMEOUT).until(() -> listener.described().contains("TARGET_CREATED "));
        write(target.resolve("f.txt"), "f");
        assertThat(changesUntilSentinel(target, "TARGET_CREATED ", "FILE_CREATED f.txt")).containsExactly("TARGET_CREATED ", "FILE_CREATED f.txt");
    }

    @Test
    void changesWhileSuspendedAreReportedOnResume() throws Exception {
        write(dir.resolve("kept.txt"), "k");
        write(dir.resolve("gone.txt"), "g");
        TreeWatcher watcher = watch(dir);
        watcher.suspend();
        Files.delete(dir.resolve("gone.txt"));
        write(dir.resolve("new.txt"), "n");
        Files.move(dir.resolve("kept.txt"), dir.resolve("moved.txt"));
        watcher.resume();
        assertThat(changesUntilSentinel(dir,
                "FILE_DELETED gone.txt", "FILE_CREATED new.txt", "FILE_MOVED kept.txt -> moved.txt")).containsExactlyInAnyOrder(
                "FILE_DELETED gone.txt", "FILE_CREATED new.txt", "FILE_MOVED kept.txt -> moved.txt");
    }

    @Test
    void aFileThatNeverStopsChangingIsReportedAfterTheMaxSettleTime() throws Exception {
        watch(dir, b -> b.settleTime(Duration.ofMillis(300)).maxSettleTime(Duration.ofMillis(400)));
        try (OutputStream out = Files.newOutputStream(dir.resolve("busy.log"))) {
            for (int i = 0; i < 30; i++) {
                out.write("line\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(50); // pacing the writer: it never pauses as long as the settle time
            }
        }
        List<String> events = changesUntilSentinel(dir, "FILE_CREATED busy.log");
        assertThat(events.get(0)).isEqualTo("FILE_CREATED busy.log");
        assertThat(events.subList(1, events.size())).isNotEmpty().allMatch(e -> e.equals("FILE_UPDATED busy.log"));
    }

    @Test
    void targetDeletedGivesDeletesForItsContentThenTargetDeletedAndWatchingResumesWhenRecreated() throws IOException {
        Path target = dir.resolve("root");
        write(target.resolve("a.txt"), "a");
        write(target.resolve("s/b.txt"), "b");
        watch(target);

        deleteTree(target);
        await().atMost(TIMEOUT).until(() -> listener.described().contains("TARGET_DELETED "));
        assertThat(listener.described()).containsExactlyInAnyOrder(
                "FILE_DELETED a.txt", "FILE_DELETED s/b.txt", "DIRECTORY_DELETED s", "TARGET_DELETED ");
        assertThat(listener.described()).endsWith("TARGET_DELETED ");
        assertThat(listener.described().indexOf("FILE_DELETED s/b.txt")).isLessThan(listener.described().indexOf("DIRECTORY_DELETED s"));
        listener.events.clear();

        Files.createDirectories(target);
        write(target.resolve("c.txt"), "c");
        await().atMost(TIMEOUT).until(() -> listener.described().contains("FILE_CREATED c.txt"));
        assertThat(listener.described()).containsExactly("TARGET_CREATED ", "FILE_CREATED c.txt");
    }

    @Test
    void aFileTargetReplacedByAFolderIsReportedAndTheFolderIsWatched() throws IOException {
        Path target = dir.resolve("thing");
        write(target, "I am a file");
        watch(target, b -> { });
        write(dir.resolve("neighbour.txt"), "not watched");
        Files.writeString(target, " growing", StandardOpenOption.APPEND);
        await().atMost(TIMEOUT).until(() -> !listener.events.isEmpty());

        Files.delete(target);
        Files.createDirectories(target);
        await().atMost(TIMEOUT).until(() -> listener.described().contains("TARGET_CREATED "));
        write(target.resolve("inside.txt"), "inside");
        assertThat(changesUntilSentinel(target,
                "FILE_UPDATED thing", "TARGET_DELETED thing", "TARGET_CREATED ", "FILE_CREATED inside.txt")).containsExactly(
                "FILE_UPDATED thing", "TARGET_DELETED thing", "TARGET_CREATED ", "FILE_CREATED inside.txt");
    }

    @Test
    void aSingleFileTargetReportsOnlyItself() throws IOException {
        Path target = dir.resolve("log.txt");
        watch(target, b -> { });
        write(dir.resolve("other.txt"), "ignored");
        write(target, "line 1\n");
        await().atMost(TIMEOUT).until(() -> listener.described().contains("TARGET_CREATED log.txt"));
        Files.writeString(target, "line 2\n", StandardOpenOption.APPEND);
        await().atMost(TIMEOUT).until(() -> listener.described().contains("FILE_UPDATED log.txt"));
        Files.delete(target);
        await().atMost(TIMEOUT).until(() -> listener.described().contains("TARGET_DELETED log.txt"));

        assertThat(listener.described()).containsExactly("TARGET_CREATED log.txt", "FILE_UPDATED log.txt", "TARGET_DELETED log.txt");
        assertThat(listener.events.get(1).size()).isEqualTo(14L);
    }

    @Test
    void aSlowlyWrittenFileGivesOneCreatedEventOnceItSettles() throws Exception {
        watch(dir, b -> b.settleTime(Duration.ofMillis(400)));
        changesUntilSentinel(dir);
        try (OutputStream out = Files.newOutputStream(dir.resolve("slow.bin"))) {
            for (int i = 0; i < 10; i++) {
                out.write(new byte[1000]);
                out.flush();
                Thread.sleep(60); // pacing the writer, not synchronising: each gap is shorter than the settle time
            }
        }
        List<String> events = changesUntilSentinel(dir, "FILE_CREATED slow.bin");
        assertThat(events).containsExactly("FILE_CREATED slow.bin");
    }

    @Test
    void contentIsIncludedAsTextOrBytesAndCapped() throws IOException {
        watch(dir, b -> b.contentMode(ContentMode.TEXT).maxContentBytes(5));
        write(dir.resolve("t.txt"), "héllo world");
        await().atMost(TIMEOUT).until(() -> !listener.events.isEmpty());
        ChangeEvent text = listener.events.get(0);
        assertThat(text.contentText()).contains("héll");
        assertThat(text.contentEncoding()).isEqualTo("UTF-8");
        assertThat(text.contentTruncated()).isTrue();

        Path other = dir.resolve("bytes");
        Files.createDirectories(other);
        RecordingListener bytes = new RecordingListener();
        TreeWatcher watcher = new TreeWatcher(WatchOptions.builder(other).settleTime(SETTLE).contentMode(ContentMode.BYTES).build(),
                SnapshotStore.none(), bytes, null);
        watchers.add(watcher);
        watcher.start();
        Files.write(other.resolve("b.bin"), new byte[] {0, 1, 2, (byte) 255});
        await().atMost(TIMEOUT).until(() -> !bytes.events.isEmpty());
        assertThat(bytes.events.get(0).contentBytes()).contains(new byte[] {0, 1, 2, (byte) 255});
        assertThat(bytes.events.get(0).contentEncoding()).isEqualTo("base64");
        assertThat(bytes.events.get(0).contentTruncated()).isFalse();
    }

    @Test
    void namesThatAreNotValidUtf8AreReportedAndAddressableByUri() throws Exception {
        watch(dir);
        run("touch '" + dir + "'/$'caf\\xe9-\\xff.txt'");
        assertThat(changesUntilSentinel(dir, "FILE_CREATED caf\uFFFD-\uFFFD.txt")).containsExactly("FILE_CREATED caf\uFFFD-\uFFFD.txt");

        run("mv '" + dir + "'/$'caf\\xe9-\\xff.txt' '" + dir + "'/$'\\xfe.txt'");
        List<String> moved = new ArrayList<>();
        moved.addAll(changesUntilSentinel(dir, "FILE_MOVED caf\uFFFD-\uFFFD.txt -> \uFFFD.txt"));
        assertThat(moved).containsExactly("FILE_MOVED caf\uFFFD-\uFFFD.txt -> \uFFFD.txt");

        run("printf more >> '" + dir + "'/$'\\xfe.txt'");
        await().atMost(TIMEOUT).until(() -> !listener.events.isEmpty());
        ChangeEvent updated = listener.events.get(0);
        assertThat(updated.type()).isEqualTo(ChangeType.FILE_UPDATED);
        assertThat(updated.uri()).endsWith("/%FE.txt");
        assertThat(Files.size(Path.of(java.net.URI.create(updated.uri())))).isEqualTo(4);
    }

    static void run(String bash) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", bash).inheritIO().start();
        assertThat(process.waitFor()).as(bash).isZero();
    }

    static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
