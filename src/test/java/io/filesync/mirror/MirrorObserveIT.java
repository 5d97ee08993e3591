package io.filesync.mirror;

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
import io.filesync.servers.S3Server;
import io.filesync.servers.SftpServer.SftpRoot;
import io.filesync.servers.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The mirror watched from outside while it works: the S3 mapping's metrics move as files go out and its readiness
 * follows a real s3proxy of the test's own that is stopped and started again; an SFTP mapping is DOWN while its
 * server's port refuses connections and UP against the real SFTP server.
 */
@ExtendWith(TestServers.class)
class MirrorObserveIT {

    private static final String MAPPING = "mapping=\"s3\"";

    @TempDir
    Path work;

    @Test
    void metricsMoveWithWorkAndReadinessFollowsTheRemote() throws Exception {
        try (S3Server s3 = S3Server.start(Files.createDirectories(work.resolve("s3proxy")))) {
            String bucket = s3.createBucket();
            Path root = Files.createDirectories(work.resolve("root"));
            Map<String, String> settings = Map.ofEntries(
                    Map.entry("mirror.s3.enabled", "true"), Map.entry("mirror.s3.root", root.toString()),
                    Map.entry("mirror.s3.bucket", bucket), Map.entry("mirror.s3.endpoint", s3.endpoint().toString()),
                    Map.entry("mirror.s3.access-key", s3.accessKey()), Map.entry("mirror.s3.secret-key", s3.secretKey()),
                    Map.entry("mirror.s3.settle-time-ms", "200"), Map.entry("mirror.s3.scan-delay-ms", "200"),
                    Map.entry("mirror.s3.initial-backoff-ms", "100"), Map.entry("mirror.s3.max-backoff-ms", "500"));
            try (BundleBoot bundle = BundleBoot.start(work, settings)) {
                Scrape scrape = Scrape.of(bundle.main().getCamelContext());
                Files.writeString(root.resolve("first.txt"), "0123456789");
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(scrape.value("filesync_mirror_files_sent_total", MAPPING)).isEqualTo(1);
                    assertThat(scrape.value("filesync_mirror_bytes_sent_total", MAPPING)).isEqualTo(10);
                    assertThat(scrape.value("filesync_mirror_queue_depth", MAPPING)).isZero();
                    assertThat(mirrorCheck(scrape)).contains("\"UP\"");
                });
                assertThat(objectOf(s3, bucket, "first.txt")).isEqualTo("0123456789");

                s3.stop();
                Files.writeString(root.resolve("second.txt"), "while the remote is down");
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    var ready = scrape.get("/observe/health/ready");
                    assertThat(ready.statusCode()).isEqualTo(503);
                    assertThat(ready.body()).contains("mirror:s3").contains("remote unreachable");
                    assertThat(mirrorCheck(scrape)).contains("\"DOWN\"").contains("\"mapping\" : \"s3\"")
                            .contains("remote unreachable");
                    assertThat(scrape.value("filesync_mirror_queue_depth", MAPPING)).isEqualTo(1);
                    assertThat(scrape.value("filesync_mirror_failures_total", MAPPING)).isPositive();
                    assertThat(scrape.value("filesync_mirror_retries_total", MAPPING)).isPositive();
                    assertThat(scrape.value("filesync_mirror_queue_oldest_age_seconds", MAPPING)).isPositive();
                    assertThat(scrape.value("filesync_errors_recorded_total", "job=\"mirror-s3\"")).isPositive();
                });

                s3.restart();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(mirrorCheck(scrape)).contains("\"UP\"");
                    assertThat(scrape.get("/observe/health/ready").body()).doesNotContain("mirror:s3");
                    assertThat(scrape.value("filesync_mirror_files_sent_total", MAPPING)).isEqualTo(2);
                    assertThat(scrape.value("filesync_mirror_queue_depth", MAPPING)).isZero();
                    assertThat(scrape.value("filesync_mirror_queue_oldest_age_seconds", MAPPING)).isZero();
                });
                assertThat(objectOf(s3, bucket, "second.txt")).isEqualTo("while the remote is down");
            }
        }
    }

    @Test
    void anSftpMappingIsReadyOnlyWhileItsServerAcceptsTheLogin() throws Exception {
        SftpRoot sftp = TestServers.sftp().newRoot();
        Path root = Files.createDirectories(work.resolve("sftp-root"));
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        for (int port : new int[] {closed, sftp.port()}) {
            Map<String, String> settings = Map.ofEntries(
                    Map.entry("mirror.sftp.enabled", "true"), Map.entry("mirror.sftp.root", root.toString()),
                    Map.entry("mirror.sftp.host", sftp.host()), Map.entry("mirror.sftp.port", String.valueOf(port)),
                    Map.entry("mirror.sftp.username", sftp.user()), Map.entry("mirror.sftp.password", sftp.password()),
                    Map.entry("mirror.sftp.strict-host-key-checking", "false"), Map.entry("mirror.sftp.directory", "/in"));
            try (BundleBoot bundle = BundleBoot.start(work.resolve("bundle-" + port), settings)) {
                Scrape scrape = Scrape.of(bundle.main().getCamelContext());
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    String check = check(scrape, "mirror:sftp");
                    if (port == closed) {
                        assertThat(check).contains("\"DOWN\"").contains("\"mapping\" : \"sftp\"").contains("remote unreachable");
                    } else {
                        assertThat(check).contains("\"UP\"");
                    }
                });
            }
        }
    }

    /** The mapping's check in the JSON facts. */
    private static String mirrorCheck(Scrape scrape) throws Exception {
        return check(scrape, "mirror:s3");
    }

    private static String check(Scrape scrape, String id) throws Exception {
        String facts = scrape.get(FactsEndpoint.PATH).body();
        int at = facts.indexOf("\"id\" : \"" + id + "\"");
        assertThat(at).as(facts).isNotNegative();
        return facts.substring(at, facts.indexOf('}', facts.indexOf("\"details\"", at)) + 1);
    }

    private static String objectOf(S3Server s3, String bucket, String key) {
        try (S3Client client = s3.client()) {
            return client.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String();
        }
    }
}
