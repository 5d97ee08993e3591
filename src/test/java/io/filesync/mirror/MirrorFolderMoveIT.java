package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.filesync.BundleBoot;
import io.filesync.servers.ByteCountingRelay;
import io.filesync.servers.S3Server;
import io.filesync.servers.SftpServer.SftpRoot;
import io.filesync.servers.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Folder moves through the real routes (file source and watcher racing as in production), measured on the wire: a
 * byte-counting relay in front of each real server proves the content of a moved folder is not sent again.
 */
@ExtendWith(TestServers.class)
class MirrorFolderMoveIT {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorFolderMoveIT.class);
    private static final int FILES = 20;
    private static final int FILE_BYTES = 256 * 1024;

    @TempDir
    Path work;

    @Test
    void aFolderMovedLocallyIsRenamedOnS3AndSftpWithoutItsContentCrossingTheWireAgain() throws Exception {
        S3Server s3 = TestServers.s3();
        String bucket = s3.createBucket();
        SftpRoot sftp = TestServers.sftp().newRoot();
        Path s3Root = Files.createDirectories(work.resolve("s3root"));
        Path sftpRoot = Files.createDirectories(work.resolve("sftproot"));
        Random random = new Random(4);
        for (Path root : List.of(s3Root, sftpRoot)) {
            for (int i = 0; i < FILES; i++) {
                byte[] content = new byte[FILE_BYTES];
                random.nextBytes(content);
                Path file = root.resolve(i % 4 == 0 ? "album/nested/" + i + ".jpg" : "album/" + i + ".jpg");
                Files.createDirectories(file.getParent());
                Files.write(file, content);
            }
        }
        try (ByteCountingRelay s3Wire = ByteCountingRelay.start("127.0.0.1", s3.endpoint().getPort());
             ByteCountingRelay sftpWire = ByteCountingRelay.start(sftp.host(), sftp.port());
             BundleBoot bundle = BundleBoot.start(work, settings(bucket, s3Root, s3Wire, sftp, sftpRoot, sftpWire))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> keys(bucket).size() == FILES
                    && countFiles(sftp.root().resolve("in/album")) == FILES && pending() == 0);
            long s3Before = s3Wire.bytesToServer();
            long sftpBefore = sftpWire.bytesToServer();

            Files.move(s3Root.resolve("album"), s3Root.resolve("album-2024"));
            Files.move(sftpRoot.resolve("album"), sftpRoot.resolve("album-2024"));

            await().atMost(Duration.ofSeconds(60)).until(() -> keys(bucket).stream().allMatch(k -> k.startsWith("team/album-2024/"))
                    && keys(bucket).size() == FILES && !Files.exists(sftp.root().resolve("in/album"))
                    && countFiles(sftp.root().resolve("in/album-2024")) == FILES && pending() == 0);
            // Held sends of the moved files would still be queued: pending() == 0 means every decision was taken.
            long s3Moved = s3Wire.bytesToServer() - s3Before;
            long sftpMoved = sftpWire.bytesToServer() - sftpBefore;
            LOG.info("folder move of {} files: S3 received {} bytes, SFTP {} bytes", FILES, s3Moved, sftpMoved);
            // Copies, deletes, renames and their headers: far less than one file's content, let alone twenty.
            assertThat(s3Moved).as("bytes S3 received for the folder move").isLessThan(FILE_BYTES);
            assertThat(sftpMoved).as("bytes SFTP received for the folder move").isLessThan(FILE_BYTES);
        }
        assertThat(Files.readAllBytes(sftpRoot.resolve("album-2024/nested/0.jpg")))
                .isEqualTo(Files.readAllBytes(sftp.root().resolve("in/album-2024/nested/0.jpg")));
        assertThat(audit("s3", "album-2024/1.jpg")).noneMatch(row -> row.startsWith("COMPLETED put"));
    }

    @Test
    void aFolderMovedWhileFilesyncWasStoppedIsRenamedOnTheRemotesWithoutItsContentCrossingTheWireAgain() throws Exception {
        S3Server s3 = TestServers.s3();
        String bucket = s3.createBucket();
        SftpRoot sftp = TestServers.sftp().newRoot();
        Path s3Root = Files.createDirectories(work.resolve("s3root"));
        Path sftpRoot = Files.createDirectories(work.resolve("sftproot"));
        Random random = new Random(5);
        for (Path root : List.of(s3Root, sftpRoot)) {
            for (int i = 0; i < FILES; i++) {
                byte[] content = new byte[FILE_BYTES];
                random.nextBytes(content);
                Files.createDirectories(root.resolve("album"));
                Files.write(root.resolve("album/" + i + ".jpg"), content);
            }
        }
        try (ByteCountingRelay s3Wire = ByteCountingRelay.start("127.0.0.1", s3.endpoint().getPort());
             ByteCountingRelay sftpWire = ByteCountingRelay.start(sftp.host(), sftp.port())) {
            // A move window shorter than the start: the rename lies further back than the window when filesync starts,
            // as after a night's stop, so only the watcher's report of the move can spare the upload.
            Map<String, String> settings = new java.util.HashMap<>(settings(bucket, s3Root, s3Wire, sftp, sftpRoot, sftpWire));
            settings.put("mirror.s3.move-window-ms", "300");
            settings.put("mirror.sftp.move-window-ms", "300");
            // Complete sync too: the start's comparison of the remote with the root must not delete what was moved.
            settings.put("mirror.s3.complete-sync", "true");
            settings.put("mirror.sftp.complete-sync", "true");
            try (BundleBoot bundle = BundleBoot.start(work, settings)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> keys(bucket).size() == FILES
                        && countFiles(sftp.root().resolve("in/album")) == FILES && pending() == 0);
            }
            Files.move(s3Root.resolve("album"), s3Root.resolve("album-2024"));
            Files.move(sftpRoot.resolve("album"), sftpRoot.resolve("album-2024"));
            long s3Before = s3Wire.bytesToServer();
            long sftpBefore = sftpWire.bytesToServer();

            try (BundleBoot bundle = BundleBoot.start(work, settings)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> keys(bucket).stream().allMatch(k -> k.startsWith("team/album-2024/"))
                        && keys(bucket).size() == FILES && !Files.exists(sftp.root().resolve("in/album"))
                        && countFiles(sftp.root().resolve("in/album-2024")) == FILES && pending() == 0);
            }
            long s3Moved = s3Wire.bytesToServer() - s3Before;
            long sftpMoved = sftpWire.bytesToServer() - sftpBefore;
            LOG.info("offline folder move of {} files: S3 received {} bytes, SFTP {} bytes", FILES, s3Moved, sftpMoved);
            // A new SSH session costs a few kilobytes of key exchange; the content would be 5 MiB.
            assertThat(s3Moved).as("bytes S3 received for the folder move").isLessThan(FILE_BYTES);
            assertThat(sftpMoved).as("bytes SFTP received for the folder move").isLessThan(FILE_BYTES);
        }
    }

    private static Map<String, String> settings(String bucket, Path s3Root, ByteCountingRelay s3Wire, SftpRoot sftp,
                                                Path sftpRoot, ByteCountingRelay sftpWire) {
        S3Server s3 = TestServers.s3();
        return Map.ofEntries(
                Map.entry("mirror.s3.enabled", "true"), Map.entry("mirror.s3.root", s3Root.toString()),
                Map.entry("mirror.s3.bucket", bucket), Map.entry("mirror.s3.prefix", "team/"),
                Map.entry("mirror.s3.endpoint", "http://127.0.0.1:" + s3Wire.port()),
                Map.entry("mirror.s3.access-key", s3.accessKey()), Map.entry("mirror.s3.secret-key", s3.secretKey()),
                Map.entry("mirror.s3.settle-time-ms", "200"), Map.entry("mirror.s3.scan-delay-ms", "200"),
                Map.entry("mirror.sftp.enabled", "true"), Map.entry("mirror.sftp.root", sftpRoot.toString()),
                Map.entry("mirror.sftp.host", sftp.host()), Map.entry("mirror.sftp.port", String.valueOf(sftpWire.port())),
                Map.entry("mirror.sftp.username", sftp.user()), Map.entry("mirror.sftp.password", sftp.password()),
                Map.entry("mirror.sftp.strict-host-key-checking", "false"), Map.entry("mirror.sftp.directory", "/in"),
                Map.entry("mirror.sftp.settle-time-ms", "200"), Map.entry("mirror.sftp.scan-delay-ms", "200"));
    }

    private static long countFiles(Path folder) throws Exception {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (var files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")).count();
        }
    }

    private static List<String> keys(String bucket) {
        try (S3Client client = TestServers.s3().client()) {
            return client.listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).toList();
        }
    }

    private int pending() throws Exception {
        return MirrorFixture.pendingActions(work.resolve("filesync.db"));
    }

    private List<String> audit(String mapping, String path) throws Exception {
        return MirrorFixture.auditRows(work.resolve("filesync.db"), mapping, path);
    }
}
