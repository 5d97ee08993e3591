package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.filesync.BundleBoot;
import io.filesync.servers.S3Server;
import io.filesync.servers.SftpServer.SftpRoot;
import io.filesync.servers.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Complete sync means remote == local: on start in complete-sync mode the remote is listed below the mapping and what
 * has no local counterpart is deleted, behind the mass-delete guard, against the real S3 and SFTP servers.
 */
@ExtendWith(TestServers.class)
class MirrorCompleteSyncIT {

    @TempDir
    Path dir;

    private MirrorFixture fixture;
    private String bucket;
    private SftpRoot sftp;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new MirrorFixture(dir);
        bucket = TestServers.s3().createBucket();
        sftp = TestServers.sftp().newRoot();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private S3Remote s3() {
        S3Server s3 = TestServers.s3();
        return new S3Remote(new S3Settings(bucket, "team/", S3Server.REGION, s3.endpoint(), s3.accessKey(), s3.secretKey(),
                S3Settings.MIN_PART_SIZE, S3Settings.MIN_PART_SIZE, 3_600_000), new MultipartUploads(fixture.db, "s3"));
    }

    private SftpRemote sftpRemote() {
        return new SftpRemote(new SftpSettings(sftp.host(), sftp.port(), sftp.user(), sftp.password(), null, null, null, false,
                "/in", 10_000), 2, new SftpCheckpoints(fixture.db, "sftp"));
    }

    /** The case, on S3: a file deleted while complete-sync was off, plus files put there by someone else. */
    @Test
    void aFileDeletedWhileCompleteSyncWasOffIsDeletedOnS3WhenItIsTurnedOnAndNothingOutsideThePrefixIsTouched() throws Exception {
        fixture.write("keep.txt", "keep");
        fixture.write("gone.txt", "gone");
        MirrorEngine off = fixture.start("s3", false, s3());
        off.fileChanged("keep.txt");
        off.fileChanged("gone.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> off.queue().pending() == 0);
        Files.delete(fixture.root.resolve("gone.txt"));
        off.deleted("gone.txt", false);
        fixture.stop(off);
        try (S3Client client = TestServers.s3().client()) {
            for (String key : List.of("team/stray/deep/left.txt", "other/not-ours.txt", "team-2/not-ours.txt")) {
                client.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString("x"));
            }
        }
        assertThat(keys()).contains("team/gone.txt");

        MirrorEngine on = fixture.start("s3", true, s3());
        await().atMost(Duration.ofSeconds(30)).until(() -> !keys().contains("team/gone.txt")
                && !keys().contains("team/stray/deep/left.txt") && on.queue().pending() == 0);
        assertThat(keys()).containsExactlyInAnyOrder("team/keep.txt", "other/not-ours.txt", "team-2/not-ours.txt");
        assertThat(fixture.audit("s3", "gone.txt")).last().asString().startsWith("COMPLETED deleted");
    }

    /** The same on SFTP; the hidden file of an upload under way is not the mirror's to delete. */
    @Test
    void aFileDeletedWhileCompleteSyncWasOffIsDeletedOnSftpWhenItIsTurnedOn() throws Exception {
        fixture.write("keep.txt", "keep");
        fixture.write("sub/gone.txt", "gone");
        MirrorEngine off = fixture.start("sftp", false, sftpRemote());
        off.fileChanged("keep.txt");
        off.fileChanged("sub/gone.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> off.queue().pending() == 0);
        Files.delete(fixture.root.resolve("sub/gone.txt"));
        off.deleted("sub/gone.txt", false);
        fixture.stop(off);
        Files.writeString(sftp.root().resolve("in/stray.txt"), "stray");
        Files.writeString(sftp.root().resolve("in/.big.bin.filesync-part"), "part of an upload under way");
        Files.writeString(sftp.root().resolve("outside.txt"), "not below the mapping's folder");
        // Hidden files are never mirrored (the file source skips them), so they are not the mirror's to delete: with
        // the server's folder at the login folder, that is what keeps ~/.ssh/authorized_keys.
        Files.createDirectories(sftp.root().resolve("in/.ssh"));
        Files.writeString(sftp.root().resolve("in/.ssh/authorized_keys"), "ssh-ed25519 AAAA");
        Files.writeString(sftp.root().resolve("in/.profile"), "umask 022");

        MirrorEngine on = fixture.start("sftp", true, sftpRemote());
        await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(sftp.root().resolve("in/sub/gone.txt"))
                && !Files.exists(sftp.root().resolve("in/stray.txt")) && on.queue().pending() == 0);
        assertThat(sftp.root().resolve("in/keep.txt")).hasContent("keep");
        assertThat(sftp.root().resolve("in/.big.bin.filesync-part")).exists();
        assertThat(sftp.root().resolve("outside.txt")).exists();
        assertThat(sftp.root().resolve("in/.ssh/authorized_keys")).exists();
        assertThat(sftp.root().resolve("in/.profile")).exists();
    }

    @Test
    void inDryRunWhatWouldBeDeletedIsOnlyAuditedAndLogged() throws Exception {
        fixture.write("keep.txt", "keep");
        try (S3Client client = TestServers.s3().client()) {
            // keep.txt as mirrored earlier: an upload under way during the listing would show s3proxy's temporary
            // object (keep.txt-<uuid>) as one more key without a local counterpart.
            client.putObject(r -> r.bucket(bucket).key("team/keep.txt"), RequestBody.fromString("keep"));
            client.putObject(r -> r.bucket(bucket).key("team/stale.txt"), RequestBody.fromString("stale"));
        }
        MirrorEngine dry = fixture.start(fixture.create("s3", true, true, s3()));
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.audit("s3", "").stream().anyMatch(r -> r.startsWith("COMPLETED complete sync"))
                && dry.queue().pending() == 0);
        assertThat(fixture.audit("s3", "stale.txt")).containsExactly("SKIPPED dry run: would delete: on the remote, not in "
                + fixture.root + " (complete sync)");
        assertThat(fixture.audit("s3", "").get(0)).contains("compared 2 remote file(s)")
                .contains("1 without a local counterpart").contains("dry run");
        // A live deletion in dry run is only audited too.
        Files.delete(fixture.root.resolve("keep.txt"));
        fixture.write("other.txt", "so the root is not empty");
        dry.deleted("keep.txt", false);
        assertThat(fixture.audit("s3", "keep.txt")).last().asString().startsWith("SKIPPED dry run: would delete");
        assertThat(keys()).contains("team/stale.txt", "team/keep.txt");
        // Both also in the one list of what every job's dry run kept from happening, which the status page shows.
        assertThat(io.filesync.testing.Rows.column(fixture.db, "SELECT job || ' ' || action || ' ' || subject FROM "
                + io.filesync.core.DryRunRecords.TABLE)).containsExactlyInAnyOrder("s3 delete stale.txt", "s3 delete keep.txt");
    }

    @Test
    void anEmptyRootIsNoRequestToEmptyTheRemoteTheComparisonWaitsForContent() throws Exception {
        try (S3Client client = TestServers.s3().client()) {
            client.putObject(r -> r.bucket(bucket).key("team/precious.txt"), RequestBody.fromString("precious"));
        }
        MirrorEngine on = fixture.start("s3", true, s3());
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.audit("s3", "").stream().anyMatch(r -> r.startsWith("REFUSED")));
        assertThat(fixture.audit("s3", "").get(0)).contains("missing or empty");
        assertThat(keys()).containsExactly("team/precious.txt");

        // Content again: the comparison is tried again with backoff, and the remote follows the root.
        fixture.write("new.txt", "new");
        on.fileChanged("new.txt");
        await().atMost(Duration.ofSeconds(30)).until(() -> keys().equals(List.of("team/new.txt")) && on.queue().pending() == 0);
    }

    /** Through the real routes: the global filesync.dry-run reaches the mapping when mirror.s3.dry-run is unset. */
    @Test
    void theRoutesTakeTheGlobalDryRunAndCompareTheRemoteOnStart() throws Exception {
        S3Server s3 = TestServers.s3();
        Path root = Files.createDirectories(dir.resolve("routes-root"));
        Files.writeString(root.resolve("keep.txt"), "keep");
        try (S3Client client = s3.client()) {
            client.putObject(r -> r.bucket(bucket).key("team/stale.txt"), RequestBody.fromString("stale"));
        }
        Path work = Files.createDirectories(dir.resolve("work"));
        try (BundleBoot bundle = BundleBoot.start(work, Map.ofEntries(
                Map.entry("filesync.dry-run", "true"),
                Map.entry("mirror.s3.enabled", "true"), Map.entry("mirror.s3.root", root.toString()),
                Map.entry("mirror.s3.bucket", bucket), Map.entry("mirror.s3.prefix", "team/"),
                Map.entry("mirror.s3.endpoint", s3.endpoint().toString()),
                Map.entry("mirror.s3.access-key", s3.accessKey()), Map.entry("mirror.s3.secret-key", s3.secretKey()),
                Map.entry("mirror.s3.complete-sync", "true"), Map.entry("mirror.s3.settle-time-ms", "200"),
                Map.entry("mirror.s3.scan-delay-ms", "200")))) {
            MirrorEngine engine = bundle.main().getCamelContext().getComponent(MirrorComponent.SCHEME, MirrorComponent.class).engine("s3");
            await().atMost(Duration.ofSeconds(30)).until(() -> keys().contains("team/keep.txt") && engine.queue().pending() == 0
                    && auditOf(work, "stale.txt").stream().anyMatch(r -> r.startsWith("SKIPPED dry run: would delete")));
        }
        assertThat(keys()).containsExactlyInAnyOrder("team/keep.txt", "team/stale.txt");
    }

    /** The audit rows of a path in the bundle's database; none before the mirror created its table. */
    private static List<String> auditOf(Path work, String path) {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + work.resolve("filesync.db"));
             var query = connection.prepareStatement("SELECT event, detail FROM " + MirrorAudit.TABLE + " WHERE path = ? ORDER BY id")) {
            query.setString(1, path);
            List<String> rows = new ArrayList<>();
            try (var result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getString(1) + " " + result.getString(2));
                }
            }
            return rows;
        } catch (SQLException noTableYet) {
            return List.of();
        }
    }

    private List<String> keys() {
        try (S3Client client = TestServers.s3().client()) {
            return client.listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).toList();
        }
    }
}
