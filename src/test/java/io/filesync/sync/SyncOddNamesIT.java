package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.filesync.BundleBoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Names Linux allows but that are odd elsewhere, between a real sync server and a real sync client: each syncs
 * exactly (start-up scan, live change, rename), is committed once, and leaves no error behind; a name that cannot be
 * represented (not valid UTF-8 here, reserved by the server there) is reported once, skipped, and never holds up or
 * repeats the rest of its group.
 */
// The path-too-long case runs last: the watcher keeps the folders below an unreadable path in its snapshot after
// they are deleted, and a folder created later that reuses one of their inodes is taken for it moved (a known defect,
// left for the watcher's own fix), which made the live-rename case record a refused move now and then.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SyncOddNamesIT {

    private static final Path BASE = Path.of("target/sync-odd-names-it").toAbsolutePath();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TOKEN = "odd-names-token";

    /** One name per kind of oddity; every one is a valid Linux name. */
    static final List<String> ODD_NAMES = List.of("new\nline.txt", "carriage\rreturn.txt", "tab\there.txt",
            "back\\slash.txt", "a\\..\\..\\escape.txt", " leading space.txt", "trailing space.txt ", "   ", "~tilde~",
            "star*question?\"quote\"<lt>gt|pipe:colon", "caf\u00e9-nfc.txt", "cafe\u0301-nfd.txt", "emoji-\uD83D\uDE00.txt",
            "rtl-\u05E9\u05DC\u05D5\u05DD-\u202Eevil.txt", "-dash.txt", ".dot.txt", "..dots", "%2e%2e", "percent%0A%2F.txt",
            "a+b.txt", "x".repeat(255), "\u00e9".repeat(127) + "x");

    private static int port;
    private static BundleBoot server;
    private static BundleBoot client;

    @BeforeAll
    static void start() throws Exception {
        SyncIT.deleteTree(BASE);
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // What exists before the client starts is found by its start-up scan.
        int seed = 0;
        for (String name : ODD_NAMES) {
            write(local().resolve("startup").resolve(name), ++seed);
            write(local().resolve("startup/folder " + name.substring(0, Math.min(name.length(), 100))).resolve(name), ++seed);
        }
        write(local().resolve("startup/" + "d".repeat(200) + "/" + "e".repeat(200) + "/" + "f".repeat(200) + "/"
                + "g".repeat(200) + "/" + "h".repeat(200) + "/long-path.txt"), 99);
        server = SyncBundles.server(BASE.resolve("server"), port, TOKEN, Map.of());
        client = SyncBundles.client(BASE.resolve("client"), "client", port, TOKEN, Map.of());
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static Path local() {
        return BASE.resolve("client/folder");
    }

    private static Path remote() {
        return BASE.resolve("server/files");
    }

    @Test
    void oddNamesFoundAtStartSyncExactlyEachCommittedOnceWithNoErrorRecorded() throws Exception {
        awaitInSync("startup");
        assertThat(commitsPerPath("startup/")).isNotEmpty().allSatisfy((path, count) -> assertThat(count).as(path).isEqualTo(1));
        assertThat(errors()).filteredOn(source -> source.startsWith("startup/")).isEmpty();
        assertThat(refusals()).filteredOn(path -> path.startsWith("startup/")).isEmpty();
    }

    @Test
    void oddNamesCreatedEditedAndRenamedWhileRunningSyncExactly() throws Exception {
        Path live = local().resolve("live");
        int seed = 1000;
        for (String name : ODD_NAMES) {
            write(live.resolve(name), ++seed);
        }
        Files.createDirectories(live.resolve("odd folder\n\\ \u00e9"));
        write(live.resolve("odd folder\n\\ \u00e9/inner\tfile"), ++seed);
        awaitInSync("live");

        // Renames to odd names, from odd names, and of a folder with an odd name; an edit of an odd name.
        Files.move(live.resolve("-dash.txt"), live.resolve("renamed\nto odd\\name"));
        Files.move(live.resolve("new\nline.txt"), live.resolve("renamed-from-odd.txt"));
        Files.move(live.resolve("odd folder\n\\ \u00e9"), live.resolve("odd folder renamed\r"));
        write(live.resolve("tab\there.txt"), ++seed);
        awaitInSync("live");
        assertThat(errors()).filteredOn(source -> source.startsWith("live/")).isEmpty();
        assertThat(refusals()).filteredOn(path -> path.startsWith("live/")).isEmpty();
    }

    @Test
    void aNameThatIsNotValidUtf8IsReportedOnceAndSkippedAndTheRestOfItsGroupSyncs() throws Exception {
        Path folder = local().resolve("undecodable");
        Files.createDirectories(folder);
        // Java cannot spell this name as a String: a file: URI gives the exact bytes (0xFF is never UTF-8).
        Path bad = Path.of(URI.create(folder.toUri() + "bad%FF.txt"));
        Files.write(bad, "never mangled".getBytes(StandardCharsets.UTF_8));
        write(folder.resolve("good.txt"), 1);
        await().atMost(PATIENCE).until(() -> Files.exists(remote().resolve("undecodable/good.txt")));
        awaitQueueEmpty();
        Files.move(folder.resolve("good.txt"), Path.of(URI.create(folder.toUri() + "renamed%FE.txt")));
        write(folder.resolve("after.txt"), 2);
        await().atMost(PATIENCE).until(() -> Files.exists(remote().resolve("undecodable/after.txt"))
                && !Files.exists(remote().resolve("undecodable/good.txt")));
        awaitQueueEmpty();

        // Nothing under another name on the server: only the two good files ever went.
        try (var names = Files.list(remote().resolve("undecodable"))) {
            assertThat(names.map(path -> path.getFileName().toString())).containsExactly("after.txt");
        }
        assertThat(errors()).filteredOn(source -> source.startsWith("undecodable/bad")).hasSize(1);
        assertThat(errors()).filteredOn(source -> source.startsWith("undecodable/renamed")).hasSize(1);

        // A restart scans the whole folder again: neither is reported a second time, nor sent.
        restartClient();
        assertThat(errors()).filteredOn(source -> source.startsWith("undecodable/")).hasSize(2);
        try (var names = Files.list(remote().resolve("undecodable"))) {
            assertThat(names.map(path -> path.getFileName().toString())).containsExactly("after.txt");
        }

        // Renamed to a name that can be synced, it is sent under that name.
        Files.move(bad, folder.resolve("fixed.txt"));
        await().atMost(PATIENCE).until(() -> Files.exists(remote().resolve("undecodable/fixed.txt")));
        assertThat(remote().resolve("undecodable/fixed.txt")).hasContent("never mangled");
        Files.move(folder.resolve("fixed.txt"), bad);
        await().atMost(PATIENCE).until(() -> !Files.exists(remote().resolve("undecodable/fixed.txt")));
        awaitQueueEmpty();
        Files.delete(bad);
        Files.delete(Path.of(URI.create(folder.toUri() + "renamed%FE.txt")));
    }

    @Test
    void aNameTheServerCannotHoldIsRefusedOnItsOwnReportedOnceAndTheRestOfTheGroupIsCommittedOnce() throws Exception {
        // The server keeps its temporary files under this prefix: it cannot hold a client's file of that name.
        Path folder = local().resolve("reserved");
        List<String> good = List.of("one.txt", "two.txt", "three.txt");
        Path staging = Files.createDirectories(BASE.resolve("staging-reserved"));
        write(staging.resolve(FileAssembler.TEMP_PREFIX + "notes.txt"), 1);
        for (int i = 0; i < good.size(); i++) {
            write(staging.resolve(good.get(i)), 10 + i);
        }
        // One rename of the whole folder: its files are sent as one group.
        Files.move(staging, folder);
        await().atMost(PATIENCE).until(() -> good.stream().allMatch(name -> Files.exists(remote().resolve("reserved").resolve(name))));
        awaitQueueEmpty();
        write(folder.resolve("later.txt"), 20);
        await().atMost(PATIENCE).until(() -> Files.exists(remote().resolve("reserved/later.txt")));
        awaitQueueEmpty();

        assertThat(commitsPerPath("reserved/")).containsOnlyKeys("reserved/one.txt", "reserved/two.txt",
                "reserved/three.txt", "reserved/later.txt").allSatisfy((path, count) -> assertThat(count).as(path).isEqualTo(1));
        assertThat(errors()).filteredOn(source -> source.contains(FileAssembler.TEMP_PREFIX)).hasSize(1);
        assertThat(remote().resolve("reserved").resolve(FileAssembler.TEMP_PREFIX + "notes.txt")).doesNotExist();

        // A folder the server cannot hold is reported once, for itself and what it holds, now and later.
        Path reservedFolder = folder.resolve(io.filesync.core.ConfinedFolders.NEW_FOLDER_PREFIX + "kept-here");
        Path inside = Files.createDirectories(BASE.resolve("staging-folder"));
        write(inside.resolve("a.txt"), 30);
        write(inside.resolve("b.txt"), 31);
        Files.move(inside, reservedFolder);
        await().atMost(PATIENCE).until(() -> errors().stream().anyMatch(source -> source.contains("kept-here")));
        awaitQueueEmpty();
        write(reservedFolder.resolve("c.txt"), 32);
        write(folder.resolve("later-still.txt"), 33);
        await().atMost(PATIENCE).until(() -> Files.exists(remote().resolve("reserved/later-still.txt")));
        awaitQueueEmpty();
        assertThat(errors()).filteredOn(source -> source.contains("kept-here")).hasSize(1);

        // Not offered again at the next start, so not reported again; once changed, it is offered (and refused) again.
        restartClient();
        assertThat(errors()).filteredOn(source -> source.contains(FileAssembler.TEMP_PREFIX)).hasSize(1);
        assertThat(errors()).filteredOn(source -> source.contains("kept-here")).hasSize(1);
        write(folder.resolve(FileAssembler.TEMP_PREFIX + "notes.txt"), 21);
        await().atMost(PATIENCE).until(() -> errors().stream().filter(source -> source.contains(FileAssembler.TEMP_PREFIX)).count() == 2);
        assertThat(commitsPerPath("reserved/")).allSatisfy((path, count) -> assertThat(count).as(path).isEqualTo(1));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void aPathTooLongToOpenIsReportedOnceAndSkippedWithoutHoldingUpItsFolder() throws Exception {
        // Built where it is short enough to create, then moved in: under the client's folder it exceeds PATH_MAX.
        Path outside = Files.createTempDirectory("deep");
        Path top = outside.resolve("deep");
        Path folder = Files.createDirectories(local().resolve("too-long"));
        try {
            int tail = 4100 - folder.resolve("deep").toString().length();
            assertThat(top.toString().length() + tail).isLessThan(4090);
            Path deepest = top;
            for (int left = tail; left > 0; left -= 201) {
                deepest = deepest.resolve("n".repeat(Math.min(200, left)));
            }
            Files.createDirectories(deepest);
            write(folder.resolve("sibling.txt"), 3);
            Files.move(top, folder.resolve("deep"));
            write(folder.resolve("after.txt"), 4);

            await().atMost(PATIENCE).until(() -> Files.exists(remote().resolve("too-long/after.txt"))
                    && Files.exists(remote().resolve("too-long/sibling.txt")));
            awaitQueueEmpty();
            assertThat(errors()).filteredOn(source -> source.startsWith("too-long/deep/")).hasSize(1)
                    .allSatisfy(source -> assertThat(local().resolve(source).toString().length()).isGreaterThan(4095));
        } finally {
            // Moved back out to be deleted: under the client's folder its deepest folders cannot be opened by path.
            if (Files.exists(folder.resolve("deep"))) {
                Files.move(folder.resolve("deep"), top);
            }
            SyncIT.deleteTree(outside);
        }
    }

    private static void restartClient() throws Exception {
        client.close();
        client = null;
        client = SyncBundles.client(BASE.resolve("client"), "client", port, TOKEN, Map.of());
        await().atMost(PATIENCE).until(() -> SyncIT.syncClient(client).initialSyncDone());
        awaitQueueEmpty();
    }

    private static void awaitQueueEmpty() {
        await().atMost(PATIENCE).until(() -> SyncIT.syncClient(client).queue().size() == 0);
    }

    private static void awaitInSync(String folder) {
        awaitQueueEmpty();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(IOException.class)
                .ignoreExceptionsInstanceOf(java.io.UncheckedIOException.class)
                .untilAsserted(() -> assertThat(SyncIT.tree(remote().resolve(folder))).isNotEmpty()
                        .isEqualTo(SyncIT.tree(local().resolve(folder))));
    }

    /** Per path under a prefix, how often the server committed or copied it. */
    private static Map<String, Long> commitsPerPath(String prefix) {
        return SyncIT.syncServer(server).audit().entries().stream()
                .filter(entry -> entry.path() != null && entry.path().startsWith(prefix))
                .filter(entry -> entry.operation().equals("commit") || entry.operation().equals("copy"))
                .collect(Collectors.groupingBy(SyncAudit.Entry::path, Collectors.counting()));
    }

    private static List<String> refusals() {
        return SyncIT.syncServer(server).audit().entries().stream().filter(entry -> entry.operation().equals("refused"))
                .map(entry -> entry.path() + ": " + entry.detail()).toList();
    }

    /** The sources of the client's error records. */
    private static List<String> errors() throws Exception {
        List<String> sources = new ArrayList<>();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + BASE.resolve("client/filesync.db"));
             PreparedStatement query = db.prepareStatement("SELECT source FROM filesync_errors ORDER BY id");
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                sources.add(rows.getString(1));
            }
        } catch (java.sql.SQLException e) {
            if (!String.valueOf(e.getMessage()).contains("no such table")) {
                throw e;
            }
        }
        return sources;
    }

    /** Writes next to the folder and moves in, so the watcher sees one complete file under its final name. */
    private static void write(Path file, int seed) throws IOException {
        Files.createDirectories(file.getParent());
        Path staging = Files.createDirectories(BASE.resolve("staging"));
        Path temp = Files.write(staging.resolve("file-" + seed), SyncIT.random(1000 + seed * 37, seed));
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
