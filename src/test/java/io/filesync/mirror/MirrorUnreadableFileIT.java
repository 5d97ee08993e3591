package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.filesync.servers.TestServers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A file the mirror may not read, with a real permission error: the mirror runs in a child JVM that obeys file
 * permissions (as root, without the two capabilities that let root read everything). The file gets a clear audit row
 * and stays queued, the others go, and once readable it goes too.
 */
@ExtendWith(TestServers.class)
class MirrorUnreadableFileIT {

    @TempDir
    Path dir;

    @Test
    void anUnreadableFileIsReportedAndKeptWhileTheOthersGoAndItGoesOnceReadable() throws Exception {
        List<String> obeyingPermissions = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "as root this needs setpriv (util-linux)");
            obeyingPermissions.addAll(List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search"));
        }
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("fine.txt"), "fine");
        Path secret = Files.writeString(root.resolve("secret.txt"), "secret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        String bucket = TestServers.s3().createBucket();
        Path db = dir.resolve("mirror.db");

        Process locked = MirrorLargeFileIT.mirror(dir, root, bucket, obeyingPermissions, "-Xmx128m");
        try {
            await().atMost(Duration.ofMinutes(1)).until(() -> !locked.isAlive()
                    || (!audit(db, "fine.txt").isEmpty() && audit(db, "fine.txt").get(audit(db, "fine.txt").size() - 1).startsWith("COMPLETED")
                    && audit(db, "secret.txt").stream().anyMatch(row -> row.startsWith("RETRIED"))));
            assertThat(locked.isAlive()).as(Files.readString(dir.resolve("mirror.log"))).isTrue();
            assertThat(audit(db, "secret.txt")).filteredOn(row -> row.startsWith("FAILED") || row.startsWith("RETRIED"))
                    .first().asString().contains("cannot read " + secret + ": permission denied");
        } finally {
            locked.destroyForcibly().waitFor();
        }
        try (S3Client client = TestServers.s3().client()) {
            assertThat(client.getObjectAsBytes(r -> r.bucket(bucket).key("fine.txt")).asUtf8String()).isEqualTo("fine");
            assertThat(client.listObjectsV2(r -> r.bucket(bucket)).contents()).hasSize(1);
        }

        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        Process readable = MirrorLargeFileIT.mirror(dir, root, bucket, obeyingPermissions, "-Xmx128m");
        assertThat(readable.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(readable.exitValue()).as(Files.readString(dir.resolve("mirror.log"))).isZero();
        try (S3Client client = TestServers.s3().client()) {
            assertThat(client.getObjectAsBytes(r -> r.bucket(bucket).key("secret.txt")).asUtf8String()).isEqualTo("secret");
        }
        assertThat(audit(db, "secret.txt")).last().asString().startsWith("COMPLETED");
    }

    /** The audit rows of one path, oldest first, as "EVENT detail"; empty until the table exists. */
    private static List<String> audit(Path db, String path) {
        List<String> rows = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement query = connection.prepareStatement("SELECT event, detail FROM " + MirrorAudit.TABLE
                     + " WHERE path = ? ORDER BY id")) {
            query.setString(1, path);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getString(1) + " " + result.getString(2));
                }
            }
        } catch (Exception notYet) {
            return rows;
        }
        return rows;
    }
}
