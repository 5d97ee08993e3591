package io.filesync.sync;

import static io.filesync.sync.SyncIT.random;
import static io.filesync.sync.SyncIT.tree;
import static io.filesync.sync.SyncIT.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.filesync.BundleBoot;
import org.junit.jupiter.api.Test;

/**
 * What goes wrong between a real sync client and a real sync server (each a full filesync CamelContext with its own
 * database, real HTTP on loopback): a server that cannot store more, a connection cut in the middle of an upload,
 * and two clients writing at once. Each test has its own server, so a failure here leaves the others' alone.
 */
class SyncFailuresIT {

    private static final Path BASE = Path.of("target/sync-failures-it").toAbsolutePath();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TOKEN = "failures-token";

    @Test
    void aFullServerStoreRefusesWithAClearErrorAndTheUploadFlowsOnceThereIsRoom() throws Exception {
        Path base = fresh("store-full");
        int port = freePort();
        byte[] content = random(3_000_000, 21);
        try (BundleBoot client = startClient(base, "client", port)) {
            try (BundleBoot server = startServer(base, port, Map.of("sync.server.max-store-bytes", "1000000"))) {
                write(base.resolve("client/folder/big.bin"), content);
                await().atMost(PATIENCE).untilAsserted(() ->
                        assertThat(SyncIT.syncClient(client).lastProblem()).contains("cannot store more").contains("full"));
                assertThat(base.resolve("server/files/big.bin")).doesNotExist();
                // Kept for retry (not counted: another change of the tree may be queued beside it).
                assertThat(SyncIT.syncClient(client).queue().due(Long.MAX_VALUE, 100))
                        .extracting(SyncQueue.Entry::path).contains("big.bin");
            }
            // The operator makes room (here: lifts the limit) and restarts the server: nothing was lost.
            try (BundleBoot server = startServer(base, port, Map.of())) {
                awaitInSync(client, base);
                assertThat(base.resolve("server/files/big.bin")).hasBinaryContent(content);
            }
        }
    }

    @Test
    void aFileAboveTheServersLimitIsRefusedOnItsOwnReportedOnceAndTheRestOfItsGroupIsSent() throws Exception {
        Path base = fresh("file-too-large");
        int port = freePort();
        write(base.resolve("client/folder/small-1.txt"), random(1_000, 26));
        write(base.resolve("client/folder/too-large.bin"), random(300_000, 27));
        write(base.resolve("client/folder/small-2.txt"), random(2_000, 28));
        try (BundleBoot server = startServer(base, port, Map.of("sync.server.max-file-bytes", "100000"));
             BundleBoot client = startClient(base, "client", port)) {
            // Found by the start-up scan: the three files are one group.
            await().atMost(PATIENCE).until(() -> SyncIT.syncClient(client).initialSyncDone());
            assertThat(base.resolve("server/files/small-1.txt")).exists();
            assertThat(base.resolve("server/files/small-2.txt")).exists();
            assertThat(base.resolve("server/files/too-large.bin")).doesNotExist();

            write(base.resolve("client/folder/small-3.txt"), random(3_000, 29));
            await().atMost(PATIENCE).until(() -> Files.exists(base.resolve("server/files/small-3.txt")));
            assertThat(errorSources(base)).containsExactly("too-large.bin");

            // A file the server held, grown past the limit: refused, and once deleted here, deleted there too.
            Files.move(base.resolve("client/folder/small-1.txt"), base.resolve("client/folder/grows.bin"));
            await().atMost(PATIENCE).until(() -> Files.exists(base.resolve("server/files/grows.bin")));
            write(base.resolve("client/folder/grows.bin"), random(200_000, 30));
            await().atMost(PATIENCE).until(() -> errorSources(base).contains("grows.bin"));
            Files.delete(base.resolve("client/folder/grows.bin"));
            await().atMost(PATIENCE).until(() -> !Files.exists(base.resolve("server/files/grows.bin")));
            assertThat(errorSources(base)).containsExactly("too-large.bin", "grows.bin");
        }
    }

    @Test
    void aWholeRequestTheServerRefusesIsRecordedOnceAndRetriedWithBackoffNotResentFourTimesASecond() throws Exception {
        Path base = fresh("request-refused");
        int port = freePort();
        for (int i = 0; i < 40; i++) {
            write(base.resolve("client/folder/a-file-with-a-name-long-enough-" + i + ".txt"), random(100, 40 + i));
        }
        // The group's offer alone is larger than the server takes: every attempt is answered 413.
        try (BundleBoot server = startServer(base, port, Map.of("sync.server.max-request-bytes", "1024"));
             BundleBoot client = startClient(base, "client", port)) {
            await().atMost(PATIENCE).until(() -> !errorSources(base).isEmpty());
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> errorSources(base).size() == 1);
            assertThat(SyncIT.syncClient(client).initialSyncDone()).isFalse();
            assertThat(SyncIT.syncClient(client).lastProblem()).contains("refused");
        }
    }

    /** The sources of the client's error records. */
    private static java.util.List<String> errorSources(Path base) throws Exception {
        java.util.List<String> sources = new java.util.ArrayList<>();
        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + base.resolve("client/filesync.db"));
             java.sql.ResultSet rows = db.createStatement().executeQuery("SELECT source FROM filesync_errors ORDER BY id")) {
            while (rows.next()) {
                sources.add(rows.getString(1));
            }
        } catch (java.sql.SQLException e) {
            // Created with the first record.
            if (!String.valueOf(e.getMessage()).contains("no such table")) {
                throw e;
            }
        }
        return sources;
    }

    @Test
    void aStoppedServerRouteHoldsNoPackFileOpenAndServesAgainOnceRestarted() throws Exception {
        Path base = fresh("route-stop");
        int port = freePort();
        try (BundleBoot server = startServer(base, port, Map.of());
             BundleBoot client = startClient(base, "client", port)) {
            await().atMost(PATIENCE).until(() -> SyncIT.syncClient(client).initialSyncDone());
            write(base.resolve("client/folder/before.bin"), random(500_000, 24));
            awaitInSync(client, base);
            Path packs = base.resolve("server/store/packs");
            assertThat(openFilesUnder(packs)).isNotEmpty();

            server.main().getCamelContext().getRouteController().stopRouteGroup("sync-server");
            assertThat(openFilesUnder(packs)).isEmpty();

            server.main().getCamelContext().getRouteController().startRouteGroup("sync-server");
            write(base.resolve("client/folder/after.bin"), random(300_000, 25));
            awaitInSync(client, base);
            assertThat(base.resolve("server/files/after.bin")).hasBinaryContent(random(300_000, 25));
        }
    }

    /** The files this JVM holds open under a folder, from /proc/self/fd. */
    private static java.util.List<Path> openFilesUnder(Path folder) throws IOException {
        java.util.List<Path> open = new java.util.ArrayList<>();
        try (var descriptors = Files.list(Path.of("/proc/self/fd"))) {
            for (Path descriptor : (Iterable<Path>) descriptors::iterator) {
                try {
                    Path target = Files.readSymbolicLink(descriptor);
                    if (target.startsWith(folder)) {
                        open.add(target);
                    }
                } catch (IOException gone) {
                    // Closed between the listing and the read: not open any more, which is all this asks.
                }
            }
        }
        return open;
    }

    @Test
    void aConnectionCutInTheMiddleOfAnUploadResumesAndNeverCorruptsTheTarget() throws Exception {
        Path base = fresh("cut");
        int port = freePort();
        byte[] first = random(2_000_000, 22);
        byte[] second = random(20_000_000, 23);
        try (BundleBoot server = startServer(base, port, Map.of());
             CuttingRelay relay = new CuttingRelay(port);
             BundleBoot client = startClient(base, "client", relay.port())) {
            write(base.resolve("client/folder/data.bin"), first);
            awaitInSync(client, base);

            // Cut every connection 5 MB into the upload of the new version, in the middle of a chunk batch.
            relay.cutAfter(5_000_000);
            write(base.resolve("client/folder/data.bin"), second);
            await().atMost(PATIENCE).until(() -> relay.cuts() == 1);
            // The old version stays whole until the new one is complete and verified.
            byte[] meanwhile = Files.readAllBytes(base.resolve("server/files/data.bin"));
            assertThat(meanwhile).satisfiesAnyOf(bytes -> assertThat(bytes).isEqualTo(first),
                    bytes -> assertThat(bytes).isEqualTo(second));

            awaitInSync(client, base);
            assertThat(base.resolve("server/files/data.bin")).hasBinaryContent(second);
            SyncServer syncServer = SyncIT.syncServer(server);
            // Resumed, not restarted: what the server had stored before the cut was not sent again.
            assertThat(syncServer.chunkBytesReceived()).isLessThan(first.length + second.length + 5_000_000L);
            try (var files = Files.list(base.resolve("server/files"))) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly("data.bin");
            }
        }
    }

    @Test
    void twoClientsWritingTheSameTreeAtOnceLeaveTheServerEqualToBoth() throws Exception {
        Path base = fresh("two-clients");
        int port = freePort();
        Map<String, byte[]> files = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            files.put("shared/d" + i % 4 + "/f" + i + ".bin", random(50_000 + i * 20_000, 100 + i));
        }
        for (String client : new String[] {"one", "two"}) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                write(base.resolve(client + "/folder/" + file.getKey()), file.getValue());
            }
            Files.createDirectories(base.resolve(client + "/folder/shared/empty"));
        }
        try (BundleBoot server = startServer(base, port, Map.of());
             BundleBoot one = startClient(base, "one", port);
             BundleBoot two = startClient(base, "two", port)) {
            for (BundleBoot client : new BundleBoot[] {one, two}) {
                await().atMost(PATIENCE).until(() -> SyncIT.syncClient(client).initialSyncDone()
                        && SyncIT.syncClient(client).queue().size() == 0);
            }
            Path remote = base.resolve("server/files");
            await().atMost(PATIENCE).ignoreExceptionsInstanceOf(IOException.class).untilAsserted(() -> {
                assertThat(tree(remote)).isEqualTo(tree(base.resolve("one/folder")));
                assertThat(tree(remote)).isEqualTo(tree(base.resolve("two/folder")));
            });
            // Both clients are in the history, and neither sent any content twice.
            SyncServer syncServer = SyncIT.syncServer(server);
            assertThat(syncServer.audit().entries()).extracting(SyncAudit.Entry::client).contains("one", "two");
            long total = files.values().stream().mapToLong(b -> b.length).sum();
            assertThat(syncServer.chunkBytesReceived()).isLessThanOrEqualTo(2 * total);
        }
    }

    private static void awaitInSync(BundleBoot client, Path base) {
        await().atMost(PATIENCE).until(() -> SyncIT.syncClient(client).queue().size() == 0
                && SyncIT.syncClient(client).lastProblem() == null);
        await().atMost(PATIENCE).ignoreExceptionsInstanceOf(IOException.class)
                .untilAsserted(() -> assertThat(tree(base.resolve("server/files"))).isEqualTo(tree(base.resolve("client/folder"))));
    }

    private static Path fresh(String name) throws IOException {
        Path base = BASE.resolve(name);
        SyncIT.deleteTree(base);
        Files.createDirectories(base);
        return base;
    }

    private static BundleBoot startServer(Path base, int port, Map<String, String> extra) throws Exception {
        return SyncBundles.server(base.resolve("server"), port, TOKEN, extra);
    }

    private static BundleBoot startClient(Path base, String name, int port) throws Exception {
        return SyncBundles.client(base.resolve(name), name, port, TOKEN, Map.of("sync.client.batch-bytes", "1048576"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
