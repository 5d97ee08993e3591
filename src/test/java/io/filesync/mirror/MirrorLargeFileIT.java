package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.filesync.bench.MirrorBench;
import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import io.filesync.servers.S3Server;
import io.filesync.servers.SftpServer;
import io.filesync.servers.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Large files through a mirror running in a separate JVM with a small heap, against the real S3-compatible server:
 * memory stays bounded whatever the file size, and a kill -9 in the middle of a multipart upload costs only the parts
 * that were not confirmed yet.
 */
@ExtendWith(TestServers.class)
class MirrorLargeFileIT {

    private static final int PART = S3Settings.MIN_PART_SIZE;

    @TempDir
    Path dir;

    /**
     * 1 GiB through a 64 MiB heap: the parts in flight share four part buffers, so the heap holds 20 MiB of file data
     * at most. (5 GiB under 256 MiB is the same arithmetic and five times the run time of the suite.)
     */
    @Test
    void aOneGibFileGoesThroughA64MibHeap() throws Exception {
        long size = 1L << 30;
        Path root = Files.createDirectories(dir.resolve("root"));
        sparse(root.resolve("big.bin"), size);
        String bucket = TestServers.s3().createBucket();
        Process child = mirror(root, bucket, "-Xmx64m");
        assertThat(child.waitFor(10, TimeUnit.MINUTES)).isTrue();
        String output = Files.readString(dir.resolve("mirror.log"));
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).contains("RESULT").doesNotContain("OutOfMemoryError");
        try (S3Client client = TestServers.s3().client()) {
            HeadObjectResponse head = client.headObject(r -> r.bucket(bucket).key("big.bin"));
            assertThat(head.contentLength()).isEqualTo(size);
        }
        assertThat(queryLong(dir.resolve("mirror.db"), "SELECT COUNT(*) FROM " + MirrorAudit.TABLE
                + " WHERE event = 'COMPLETED' AND detail LIKE 'multipart 1073741824 bytes in 205 parts%'")).isEqualTo(1);
    }

    /**
     * A file just below a multipart threshold set high goes in one put, streamed from the file: 96 MiB through a
     * 64 MiB heap, the server checking its Content-MD5.
     */
    @Test
    void aFileBelowAHighMultipartThresholdGoesAsOnePutThroughA64MibHeap() throws Exception {
        long size = 96L << 20;
        Path root = Files.createDirectories(dir.resolve("root"));
        sparse(root.resolve("below.bin"), size);
        String bucket = TestServers.s3().createBucket();
        Process child = mirror(root, bucket, "-Xmx64m", "-Dmirror.multipart-threshold=" + (128L << 20));
        assertThat(child.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String output = Files.readString(dir.resolve("mirror.log"));
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).contains("RESULT").doesNotContain("OutOfMemoryError");
        // The ETag of a single put is the MD5 of what the server stored: 96 MiB of zeros.
        MessageDigest zeros = MessageDigest.getInstance("MD5");
        byte[] block = new byte[1 << 20];
        for (int i = 0; i < 96; i++) {
            zeros.update(block);
        }
        try (S3Client client = TestServers.s3().client()) {
            HeadObjectResponse head = client.headObject(r -> r.bucket(bucket).key("below.bin"));
            assertThat(head.contentLength()).isEqualTo(size);
            assertThat(head.eTag().replace("\"", "")).isEqualTo(HexFormat.of().formatHex(zeros.digest()));
        }
        assertThat(queryLong(dir.resolve("mirror.db"), "SELECT COUNT(*) FROM " + MirrorAudit.TABLE
                + " WHERE event = 'COMPLETED' AND detail LIKE 'put 100663296 bytes, md5 %'")).isEqualTo(1);
    }

    @Test
    void aKillDashNineMidUploadResumesWithOnlyTheMissingParts() throws Exception {
        int parts = 40;
        long size = (long) parts * PART;
        Path root = Files.createDirectories(dir.resolve("root"));
        sparse(root.resolve("video.bin"), size);
        String bucket = TestServers.s3().createBucket();
        Path db = dir.resolve("mirror.db");

        Process first = mirror(root, bucket, "-Xmx64m");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> !first.isAlive() || recordedParts(db) >= parts / 2);
        assertThat(first.isAlive()).as("still uploading at half").isTrue();
        first.destroyForcibly().waitFor();
        long confirmed = recordedParts(db);
        assertThat(confirmed).isBetween((long) parts / 2, parts - 1L);

        Process second = mirror(root, bucket, "-Xmx64m");
        assertThat(second.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String output = Files.readString(dir.resolve("mirror.log"));
        assertThat(second.exitValue()).as(output).isZero();
        long resent = Long.parseLong(output.lines().filter(line -> line.startsWith("RESULT")).findFirst().orElseThrow().split(" ")[2]);
        // Only the parts not confirmed before the kill went again: those in flight at the kill, then the rest.
        assertThat(resent).isEqualTo(size - confirmed * PART);
        try (S3Client client = TestServers.s3().client()) {
            assertThat(client.headObject(r -> r.bucket(bucket).key("video.bin")).contentLength()).isEqualTo(size);
            assertThat(client.listMultipartUploads(r -> r.bucket(bucket)).uploads()).isEmpty();
        }
        assertThat(queryLong(db, "SELECT COUNT(*) FROM " + MirrorAudit.TABLE + " WHERE event = 'COMPLETED' AND detail LIKE"
                + " '%resumed with " + confirmed + " parts already on the server%'")).isEqualTo(1);
    }

    /**
     * The same against the real SFTP server, where a large file goes in parts written at their offsets over several
     * sessions at once: after a kill -9 at half, the restart sends only the parts not confirmed, and the bytes that
     * arrive are exactly the file's, whatever order the parts went in.
     */
    @Test
    void anSftpUploadInPartsKilledAtHalfResumesWithOnlyItsUnconfirmedPartsAndArrivesExact() throws Exception {
        int parts = 40;
        long size = (long) parts * SftpUpload.PART_BYTES - 3;
        Path root = Files.createDirectories(dir.resolve("root"));
        byte[] chunk = new byte[1 << 20];
        new java.util.Random(5).nextBytes(chunk);
        try (var out = Files.newOutputStream(root.resolve("video.bin"))) {
            for (long written = 0; written < size; written += chunk.length) {
                chunk[0]++;
                out.write(chunk, 0, (int) Math.min(chunk.length, size - written));
            }
        }
        SftpServer.SftpRoot server = TestServers.sftp().newRoot();
        Path db = dir.resolve("mirror.db");

        Process first = sftpMirror(root, server);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> !first.isAlive() || sftpParts(db) >= parts / 2);
        assertThat(first.isAlive()).as("still uploading at half").isTrue();
        first.destroyForcibly().waitFor();
        SftpCheckpoints.Checkpoint checkpoint;
        try (HikariDataSource state = DataSources.pooled("jdbc:sqlite:" + db, null, null, 1)) {
            checkpoint = new SftpCheckpoints(state, "bench-sftp").find("video.bin").orElseThrow();
        }
        assertThat(checkpoint.parts().size()).isBetween(parts / 2, parts - 1);

        Process second = sftpMirror(root, server);
        assertThat(second.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String output = Files.readString(dir.resolve("mirror.log"));
        assertThat(second.exitValue()).as(output).isZero();
        long resent = Long.parseLong(output.lines().filter(line -> line.startsWith("RESULT")).findFirst().orElseThrow().split(" ")[2]);
        assertThat(resent).as(auditOf(db)).isEqualTo(size - checkpoint.confirmedBytes(size));
        Path arrived = server.root().resolve("in/video.bin");
        assertThat(Files.mismatch(arrived, root.resolve("video.bin"))).as("first differing byte").isEqualTo(-1L);
        assertThat(server.root().resolve("in/.video.bin.filesync-part")).doesNotExist();
        assertThat(queryLong(db, "SELECT COUNT(*) FROM " + MirrorAudit.TABLE + " WHERE event = 'COMPLETED' AND detail = 'uploaded "
                + size + " bytes in " + parts + " parts, resumed with " + checkpoint.parts().size() + " parts already on the server'"))
                .isEqualTo(1);
    }

    /** The initial sync of {@code root} to the SFTP server's folder "in", in a child JVM with a 64 MiB heap. */
    private Process sftpMirror(Path root, SftpServer.SftpRoot server) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"),
                "-Dmirror.user=" + server.user(), "-Dmirror.password=" + server.password(),
                MirrorBench.class.getName(), "sync", "sftp", root.toString(), dir.resolve("mirror.db").toString(),
                String.valueOf(server.port()), "in", String.valueOf(SftpUpload.PART_BYTES));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("mirror.log").toFile()).start();
    }

    private static String auditOf(Path db) throws Exception {
        StringBuilder rows = new StringBuilder();
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement statement = connection.createStatement();
             ResultSet all = statement.executeQuery("SELECT * FROM " + MirrorAudit.TABLE)) {
            while (all.next()) {
                for (int i = 1; i <= all.getMetaData().getColumnCount(); i++) {
                    rows.append(all.getString(i)).append('|');
                }
                rows.append('\n');
            }
        }
        return rows.toString();
    }

    private static long sftpParts(Path db) {
        try {
            return queryLong(db, "SELECT COUNT(*) FROM " + SftpCheckpoints.TABLE);
        } catch (Exception notYet) {
            return 0;
        }
    }

    private Process mirror(Path root, String bucket, String... jvmOptions) throws IOException {
        return mirror(dir, root, bucket, List.of(), jvmOptions);
    }

    /**
     * The mirror's initial sync of {@code root} in a child JVM, its output in {@code dir}/mirror.log and its database
     * {@code dir}/mirror.db; ends when everything is sent.
     *
     * @param prefix     what the java command runs under, such as setpriv; empty for nothing
     * @param jvmOptions the heap, and any system property of {@link MirrorBench}
     */
    static Process mirror(Path dir, Path root, String bucket, List<String> prefix, String... jvmOptions) throws IOException {
        S3Server s3 = TestServers.s3();
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "-Dmirror.access-key=" + s3.accessKey(), "-Dmirror.secret-key=" + s3.secretKey(),
                "-Dmirror.upload-memory=" + 4L * PART,
                MirrorBench.class.getName(), "sync", "s3", root.toString(), dir.resolve("mirror.db").toString(),
                String.valueOf(s3.endpoint().getPort()), bucket, String.valueOf(PART)));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("mirror.log").toFile()).start();
    }

    private static void sparse(Path file, long size) throws IOException {
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.setLength(size);
        }
    }

    private static long recordedParts(Path db) {
        try {
            return queryLong(db, "SELECT COUNT(*) FROM " + MultipartUploads.PARTS_TABLE);
        } catch (Exception notYet) {
            return 0;
        }
    }

    static long queryLong(Path db, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
