package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.filesync.BundleBoot;
import io.filesync.servers.S3Server;
import io.filesync.servers.SftpServer.SftpRoot;
import io.filesync.servers.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The real bundle with both default mirrors turned on plus one more mapping from a templatedRoute: initial sync, live
 * changes, and changes made while filesync was stopped, against the real S3 and SFTP servers.
 */
@ExtendWith(TestServers.class)
class MirrorRoutesIT {

    @TempDir
    Path work;

    @Test
    void initialSyncLiveChangesAndOfflineChangesReachBothRemotes() throws Exception {
        S3Server s3 = TestServers.s3();
        String bucket = s3.createBucket();
        String photosBucket = s3.createBucket();
        SftpRoot sftp = TestServers.sftp().newRoot();
        Path s3Root = Files.createDirectories(work.resolve("s3root"));
        Path sftpRoot = Files.createDirectories(work.resolve("sftproot"));
        Path photos = Files.createDirectories(work.resolve("photos"));
        Files.writeString(s3Root.resolve("a.txt"), "a1");
        Files.createDirectories(s3Root.resolve("sub dir"));
        Files.writeString(s3Root.resolve("sub dir/b.txt"), "b1");
        Files.writeString(s3Root.resolve("draft.txt"), "d1");
        Files.writeString(sftpRoot.resolve("c.txt"), "c1");
        Files.writeString(photos.resolve("p.jpg"), "jpeg");
        Path extra = work.resolve("photos.camel.yaml");
        // A second S3 mapping, to a bucket of its own: one templatedRoute entry, nothing else.
        String photosMapping = """
                - templatedRoute:
                    routeTemplateRef: mirror-s3
                    routeId: mirror-photos-changes
                    parameters:
                      - { name: mapping, value: photos }
                      - { name: root, value: "%1$s" }
                      - { name: bucket, value: "%2$s" }
                      - { name: endpoint, value: "%3$s" }
                      - { name: accessKey, value: "{{it.key}}" }
                      - { name: secretKey, value: "{{it.secret}}" }
                """.formatted(photos, photosBucket, s3.endpoint());
        assertThat(photosMapping.lines()).hasSizeLessThanOrEqualTo(10);
        Files.writeString(extra, photosMapping);

        Map<String, String> settings = new HashMap<>(Map.ofEntries(
                Map.entry("camel.main.routes-include-pattern", "file:routes/*.camel.yaml,file:" + extra),
                Map.entry("it.key", s3.accessKey()), Map.entry("it.secret", s3.secretKey()),
                Map.entry("mirror.s3.enabled", "true"), Map.entry("mirror.s3.root", s3Root.toString()),
                Map.entry("mirror.s3.bucket", bucket), Map.entry("mirror.s3.prefix", "team/"),
                Map.entry("mirror.s3.endpoint", s3.endpoint().toString()),
                Map.entry("mirror.s3.access-key", s3.accessKey()), Map.entry("mirror.s3.secret-key", s3.secretKey()),
                Map.entry("mirror.s3.complete-sync", "true"), Map.entry("mirror.s3.settle-time-ms", "200"),
                Map.entry("mirror.s3.scan-delay-ms", "200"), Map.entry("mirror.s3.initial-backoff-ms", "100"),
                Map.entry("mirror.sftp.enabled", "true"), Map.entry("mirror.sftp.root", sftpRoot.toString()),
                Map.entry("mirror.sftp.host", sftp.host()), Map.entry("mirror.sftp.port", String.valueOf(sftp.port())),
                Map.entry("mirror.sftp.username", sftp.user()), Map.entry("mirror.sftp.password", sftp.password()),
                Map.entry("mirror.sftp.strict-host-key-checking", "false"), Map.entry("mirror.sftp.directory", "/in"),
                Map.entry("mirror.sftp.settle-time-ms", "200"), Map.entry("mirror.sftp.scan-delay-ms", "200")));

        try (BundleBoot bundle = BundleBoot.start(work, settings)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "a1".equals(object(bucket, "team/a.txt"))
                    && "b1".equals(object(bucket, "team/sub dir/b.txt")) && "jpeg".equals(object(photosBucket, "p.jpg"))
                    && "d1".equals(object(bucket, "team/draft.txt"))
                    && Files.exists(sftp.root().resolve("in/c.txt")));
            assertThat(sftp.root().resolve("in/c.txt")).hasContent("c1");

            Files.writeString(s3Root.resolve("a.txt"), "a2");
            Files.move(s3Root.resolve("sub dir/b.txt"), s3Root.resolve("sub dir/b-renamed.txt"));
            Files.writeString(s3Root.resolve("new.txt"), "new1");
            // Hidden files are not the mirror's: one written is never sent, a file renamed to one leaves the mirror.
            Files.writeString(s3Root.resolve(".new.txt.swp"), "swap");
            Files.move(s3Root.resolve("draft.txt"), s3Root.resolve(".draft.txt.bak"));
            Files.createDirectories(photos.resolve("2024"));
            Files.move(photos.resolve("p.jpg"), photos.resolve("2024/p.jpg"));
            Files.delete(sftpRoot.resolve("c.txt"));
            Files.writeString(sftpRoot.resolve("d.txt"), "d1");
            await().atMost(Duration.ofSeconds(30)).until(() -> "a2".equals(object(bucket, "team/a.txt"))
                    && "b1".equals(object(bucket, "team/sub dir/b-renamed.txt")) && object(bucket, "team/sub dir/b.txt") == null
                    && "new1".equals(object(bucket, "team/new.txt")) && Files.exists(sftp.root().resolve("in/d.txt"))
                    && object(bucket, "team/draft.txt") == null
                    && "jpeg".equals(object(photosBucket, "2024/p.jpg")) && object(photosBucket, "p.jpg") == null);
            assertThat(bundle.main().getCamelContext().getRoute("mirror-photos-changes")).isNotNull();
            assertThat(bundle.main().getCamelContext().getRoute("mirror-photos-move")).isNotNull();
            // Without complete-sync, the SFTP copy of the deleted file stays.
            assertThat(sftp.root().resolve("in/c.txt")).hasContent("c1");
            await().atMost(Duration.ofSeconds(30)).until(() -> pending() == 0);
        }
        List<String> renameRows = audit("s3", "sub dir/b-renamed.txt");
        assertThat(renameRows).anyMatch(row -> row.startsWith("COMPLETED renamed on the remote"));
        assertThat(renameRows).noneMatch(row -> row.startsWith("COMPLETED put"));
        int aRowsBefore = audit("s3", "a.txt").size();

        // Changes while filesync is stopped.
        Files.writeString(s3Root.resolve("new.txt"), "new2, longer");
        Files.writeString(s3Root.resolve("offline.txt"), "offline");
        Files.delete(s3Root.resolve("sub dir/b-renamed.txt"));
        Files.writeString(sftpRoot.resolve("d.txt"), "d2, longer");

        try (BundleBoot bundle = BundleBoot.start(work, settings)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "offline".equals(object(bucket, "team/offline.txt"))
                    && "new2, longer".equals(object(bucket, "team/new.txt"))
                    && object(bucket, "team/sub dir/b-renamed.txt") == null
                    && "d2, longer".equals(Files.readString(sftp.root().resolve("in/d.txt"))));
            await().atMost(Duration.ofSeconds(30)).until(() -> pending() == 0);
        }
        // Unchanged files are not sent again on restart.
        assertThat(audit("s3", "a.txt")).hasSize(aRowsBefore);
        assertThat(audit("s3", "offline.txt")).extracting(row -> row.split(" ")[0]).containsExactly("QUEUED", "STARTED", "COMPLETED");
        assertThat(audit("s3", "sub dir/b-renamed.txt")).last().asString().startsWith("COMPLETED deleted");
        try (S3Client client = s3.client()) {
            assertThat(client.listObjectsV2(r -> r.bucket(bucket)).contents()).extracting(S3Object::key)
                    .containsExactlyInAnyOrder("team/a.txt", "team/new.txt", "team/offline.txt");
            assertThat(client.listObjectsV2(r -> r.bucket(photosBucket)).contents()).extracting(S3Object::key)
                    .containsExactly("2024/p.jpg");
        }
        assertThat(Files.readString(work.resolve("filesync.db"), java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain(s3.secretKey()).doesNotContain(sftp.password());
    }

    /**
     * Upgrading from the routes with a file source and two watchers per mapping: the one watcher's state key is new, so
     * its first start reports every file as created; what the remote already holds is not sent again.
     */
    @Test
    void aFirstStartWithoutTheWatchersSnapshotSendsOnlyWhatTheRemoteLacks() throws Exception {
        S3Server s3 = TestServers.s3();
        String bucket = s3.createBucket();
        Path root = Files.createDirectories(work.resolve("s3root"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(root.resolve("f" + i + ".txt"), "content " + i);
        }
        Map<String, String> settings = Map.ofEntries(
                Map.entry("mirror.s3.enabled", "true"), Map.entry("mirror.s3.root", root.toString()),
                Map.entry("mirror.s3.bucket", bucket), Map.entry("mirror.s3.endpoint", s3.endpoint().toString()),
                Map.entry("mirror.s3.access-key", s3.accessKey()), Map.entry("mirror.s3.secret-key", s3.secretKey()),
                Map.entry("mirror.s3.settle-time-ms", "200"), Map.entry("mirror.s3.initial-backoff-ms", "100"));
        try (BundleBoot bundle = BundleBoot.start(work, settings)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> objectCount(bucket) == 20 && pending() == 0);
        }
        int auditRows = MirrorFixture.auditCount(work.resolve("filesync.db"), "s3");
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + work.resolve("filesync.db"));
             java.sql.Statement statement = connection.createStatement()) {
            assertThat(statement.executeUpdate("DELETE FROM filesync_file_state WHERE state_key = 'mirror-s3-changes'")).isGreaterThanOrEqualTo(20);
        }
        Files.writeString(root.resolve("f20.txt"), "content 20");

        try (BundleBoot bundle = BundleBoot.start(work, settings)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "content 20".equals(object(bucket, "f20.txt")) && pending() == 0);
        }
        // Only the new file's queued, started and completed rows: the twenty others were found on the remote as they are.
        assertThat(MirrorFixture.auditCount(work.resolve("filesync.db"), "s3")).isEqualTo(auditRows + 3);
    }

    private int objectCount(String bucket) {
        try (S3Client client = TestServers.s3().client()) {
            return client.listObjectsV2(r -> r.bucket(bucket)).contents().size();
        }
    }

    private String object(String bucket, String key) {
        try (S3Client client = TestServers.s3().client()) {
            return client.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String();
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    private int pending() throws Exception {
        return MirrorFixture.pendingActions(work.resolve("filesync.db"));
    }

    private List<String> audit(String mapping, String path) throws Exception {
        return MirrorFixture.auditRows(work.resolve("filesync.db"), mapping, path);
    }
}
