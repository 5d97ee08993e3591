package io.filesync.sync;

import static io.filesync.sync.SyncIT.deleteTree;
import static io.filesync.sync.SyncIT.random;
import static io.filesync.sync.SyncIT.syncClient;
import static io.filesync.sync.SyncIT.syncServer;
import static io.filesync.sync.SyncIT.tree;
import static io.filesync.sync.SyncIT.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.filesync.BundleBoot;
import io.filesync.core.DryRunRecords;
import io.filesync.testing.CapturedLog;
import io.filesync.testing.Rows;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@code filesync.dry-run=true} on a real sync client talking to a real sync server (each booted from the real
 * routes, on a free port): the server keeps everything a real run would delete, each would-be deletion is one row of
 * {@link DryRunRecords#TABLE} and one log line, and the same client started again without dry run deletes it then.
 */
class SyncDryRunIT {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TOKEN = "dry-run-token";

    private Path base;
    private int port;
    private BundleBoot server;
    private BundleBoot client;
    private CapturedLog log;

    @BeforeEach
    void start(TestInfo test) throws Exception {
        base = Path.of("target/sync-dry-run-it", test.getTestMethod().orElseThrow().getName()).toAbsolutePath();
        deleteTree(base);
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        server = SyncBundles.server(base.resolve("server"), port, TOKEN, Map.of());
        log = CapturedLog.of(DryRunRecords.class.getName());
    }

    @AfterEach
    void stop() {
        log.close();
        if (client != null) {
            client.close();
        }
        server.close();
    }

    @Test
    void theInitialSyncInDryRunKeepsWhatOnlyTheServerHoldsRecordsItOnceAndARealRunDeletesItLater() throws Exception {
        write(remote().resolve("stale.txt"), random(1_000, 1));
        write(remote().resolve("old/a.bin"), random(50_000, 2));
        write(remote().resolve("old/deeper/b.bin"), random(50_000, 3));
        write(local().resolve("kept.bin"), random(80_000, 4));

        startClient(true);
        await().atMost(PATIENCE).until(() -> syncClient(client).initialSyncDone()
                && Files.exists(remote().resolve("kept.bin")) && syncClient(client).queue().size() == 0);

        assertThat(tree(remote())).containsKeys("stale.txt", "old", "old/a.bin", "old/deeper/b.bin", "kept.bin");
        // A folder is one deletion, as a real run sends it: its content is not listed on its own.
        assertThat(wouldDelete()).containsExactlyInAnyOrder("sync-client delete stale.txt", "sync-client delete old");
        assertThat(logged("stale.txt")).isEqualTo(1);
        assertThat(logged("old")).isEqualTo(1);

        client.close();
        startClient(false);
        awaitInSync();
        assertThat(remote().resolve("stale.txt")).doesNotExist();
        assertThat(remote().resolve("old")).doesNotExist();
    }

    @Test
    void liveDeletesInDryRunKeepTheServersCopyOnceRecordedWhileRenamesGoThroughAndARealRunDeletesThemLater() throws Exception {
        byte[] returning = random(120_000, 11);
        startClient(true);
        write(local().resolve("doomed.bin"), random(30_000, 12));
        write(local().resolve("album/one.bin"), random(60_000, 13));
        write(local().resolve("album/sub/two.bin"), random(60_000, 14));
        write(local().resolve("returning.bin"), returning);
        write(local().resolve("renamed-from.bin"), random(20_000, 15));
        awaitInSync();
        Map<String, String> synced = tree(remote());

        Files.delete(local().resolve("doomed.bin"));
        deleteTree(local().resolve("album"));
        Files.delete(local().resolve("returning.bin"));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(wouldDelete()).containsExactlyInAnyOrder(
                "sync-client delete doomed.bin", "sync-client delete album", "sync-client delete returning.bin"));
        await().atMost(PATIENCE).until(() -> syncClient(client).queue().size() == 0);
        assertThat(tree(remote())).isEqualTo(synced);
        // The folder's deletion arrives as one event per entry: still one line, for the folder.
        assertThat(logged("album")).isEqualTo(1);
        assertThat(logged("doomed.bin")).isEqualTo(1);

        // The same content back under its name (another mtime) is recognised as what the server holds: not sent.
        int returningRows = auditRows("returning.bin");
        write(local().resolve("returning.bin"), returning);
        Files.setLastModifiedTime(local().resolve("returning.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        // A rename is not a deletion: it goes through in dry run.
        Files.move(local().resolve("renamed-from.bin"), local().resolve("renamed-to.bin"));
        await().atMost(PATIENCE).until(() -> Files.exists(remote().resolve("renamed-to.bin"))
                && syncClient(client).queue().size() == 0);
        assertThat(remote().resolve("renamed-from.bin")).doesNotExist();
        assertThat(auditRows("returning.bin")).isEqualTo(returningRows);
        assertThat(remote().resolve("returning.bin")).hasBinaryContent(returning);

        client.close();
        startClient(false);
        awaitInSync();
        assertThat(remote().resolve("doomed.bin")).doesNotExist();
        assertThat(remote().resolve("album")).doesNotExist();
        assertThat(auditRows("returning.bin")).isEqualTo(returningRows);
    }

    @Test
    void aPathThatChangesKindInDryRunKeepsTheServersCopyWithoutAnErrorAndARealRunReplacesItLater() throws Exception {
        startClient(true);
        write(local().resolve("was-file"), random(10_000, 21));
        write(local().resolve("was-folder/inside.bin"), random(10_000, 22));
        write(local().resolve("was-plain.bin"), random(10_000, 23));
        write(local().resolve("slot"), random(10_000, 27));
        write(local().resolve("mover/inside.bin"), random(10_000, 28));
        awaitInSync();
        Map<String, String> synced = tree(remote());
        // Deleted here (kept on the server), then a folder renamed onto its name: the server would delete it to make room.
        Files.delete(local().resolve("slot"));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(wouldDelete()).contains("sync-client delete slot"));
        Files.move(local().resolve("mover"), local().resolve("slot"));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(wouldDelete()).contains("sync-client delete mover"));

        // Each replacement needs the server's copy deleted first: a file by a folder, a folder by a file, a file by a link.
        Files.delete(local().resolve("was-file"));
        write(local().resolve("was-file/now-inside.bin"), random(10_000, 24));
        deleteTree(local().resolve("was-folder"));
        write(local().resolve("was-folder"), random(10_000, 25));
        Files.delete(local().resolve("was-plain.bin"));
        Files.createSymbolicLink(local().resolve("was-plain.bin"), local().resolve("was-folder"));
        write(local().resolve("marker.bin"), random(1_000, 26));
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(wouldDelete()).containsExactlyInAnyOrder(
                "sync-client delete was-file", "sync-client delete was-folder", "sync-client delete was-plain.bin",
                "sync-client delete slot", "sync-client delete mover"));
        await().atMost(PATIENCE).until(() -> Files.exists(remote().resolve("marker.bin"))
                && syncClient(client).queue().size() == 0);

        synced.put("marker.bin", tree(local()).get("marker.bin"));
        assertThat(tree(remote())).isEqualTo(synced);
        assertThat(Rows.count(dataSource(), "SELECT count(*) FROM filesync_errors")).isZero();

        client.close();
        Files.delete(local().resolve("was-plain.bin"));
        startClient(false);
        awaitInSync();
        assertThat(remote().resolve("was-file/now-inside.bin")).exists();
        assertThat(remote().resolve("was-folder")).isRegularFile();
        assertThat(remote().resolve("slot/inside.bin")).exists();
        assertThat(remote().resolve("mover")).doesNotExist();
    }

    private void startClient(boolean dryRun) throws Exception {
        client = SyncBundles.client(base.resolve("client"), "dry-run-client", port, TOKEN,
                Map.of("filesync.dry-run", String.valueOf(dryRun)));
    }

    private Path local() {
        return base.resolve("client/folder");
    }

    private Path remote() {
        return base.resolve("server/files");
    }

    private DataSource dataSource() {
        return client.main().getCamelContext().getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class);
    }

    private List<String> wouldDelete() throws Exception {
        return Rows.column(dataSource(), "SELECT job || ' ' || action || ' ' || subject FROM " + DryRunRecords.TABLE);
    }

    /** Log lines saying the path would have been deleted. */
    private long logged(String path) {
        return log.lines().stream().filter(line -> line.contains("would delete " + path + " (")).count();
    }

    private int auditRows(String path) {
        return (int) syncServer(server).audit().entries().stream().filter(entry -> entry.path().equals(path)).count();
    }

    private void awaitInSync() {
        await().atMost(PATIENCE).until(() -> syncClient(client).queue().size() == 0);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(IOException.class)
                .ignoreExceptionsInstanceOf(java.io.UncheckedIOException.class)
                .untilAsserted(() -> assertThat(tree(remote())).isEqualTo(tree(local())));
    }
}
