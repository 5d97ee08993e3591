package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.filesync.BundleBoot;
import io.filesync.core.observe.FactsEndpoint;
import io.filesync.core.observe.Scrape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sync client and server, each in a bundle of its own, watched through their management servers: bytes and files
 * sent and received and bytes saved by dedup move with real uploads, and the client's readiness follows the server's
 * listener being stopped and started again.
 */
class SyncObserveIT {

    private static final String TOKEN = "observe-token";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void metricsMoveWithUploadsAndReadinessFollowsTheServer() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        byte[] content = SyncIT.random(200_000, 7);
        try (BundleBoot server = SyncBundles.server(work.resolve("server"), port, TOKEN, Map.of());
             BundleBoot client = SyncBundles.client(work.resolve("client"), "observed", port, TOKEN, Map.of())) {
            Scrape serverScrape = Scrape.of(server.main().getCamelContext());
            Scrape clientScrape = Scrape.of(client.main().getCamelContext());
            Path folder = work.resolve("client/folder");

            SyncIT.write(folder.resolve("first.bin"), content);
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(work.resolve("server/files/first.bin")).hasBinaryContent(content);
                assertThat(clientScrape.value("filesync_sync_client_files_sent_total")).isEqualTo(1);
                assertThat(clientScrape.value("filesync_sync_client_bytes_sent_total")).isGreaterThan(200_000);
                assertThat(clientScrape.value("filesync_sync_client_queue_depth")).isZero();
                assertThat(serverScrape.value("filesync_sync_server_bytes_received_total")).isGreaterThanOrEqualTo(200_000);
                assertThat(clientCheck(clientScrape)).contains("\"UP\"");
            });
            assertThat(serverScrape.value("filesync_sync_server_dedup_bytes_saved_total")).isZero();

            // The same content under another name: the server holds it and asks for none of it.
            SyncIT.write(folder.resolve("copy.bin"), content);
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(work.resolve("server/files/copy.bin")).hasBinaryContent(content);
                assertThat(serverScrape.value("filesync_sync_server_dedup_bytes_saved_total")).isEqualTo(200_000);
                assertThat(serverScrape.value("filesync_sync_server_bytes_received_total")).isLessThan(400_000);
            });

            server.main().getCamelContext().getRouteController().stopRouteGroup("sync-server");
            SyncIT.write(folder.resolve("while-down.txt"), "queued while the server is away".getBytes());
            await().atMost(PATIENCE).untilAsserted(() -> {
                var ready = clientScrape.get("/observe/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("sync-client:server").contains("server unreachable");
                assertThat(clientScrape.value("filesync_sync_client_queue_depth")).isEqualTo(1);
                assertThat(clientScrape.value("filesync_sync_client_failures_total")).isPositive();
                assertThat(clientScrape.value("filesync_sync_client_retries_total")).isPositive();
            });

            server.main().getCamelContext().getRouteController().startRouteGroup("sync-server");
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(work.resolve("server/files/while-down.txt")).exists();
                assertThat(clientCheck(clientScrape)).contains("\"UP\"");
                assertThat(clientScrape.get("/observe/health/ready").statusCode()).isEqualTo(200);
                assertThat(clientScrape.value("filesync_sync_client_queue_depth")).isZero();
            });
        }
    }

    /** The client's check in its JSON facts. */
    private static String clientCheck(Scrape scrape) throws Exception {
        String facts = scrape.get(FactsEndpoint.PATH).body();
        int at = facts.indexOf("\"id\" : \"sync-client:server\"");
        assertThat(at).as(facts).isNotNegative();
        return facts.substring(at, facts.indexOf('}', facts.indexOf("\"details\"", at)) + 1);
    }
}
