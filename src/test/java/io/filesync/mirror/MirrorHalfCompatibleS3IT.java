package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.filesync.servers.S3Server;
import io.filesync.servers.S3rverServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The mirror against s3rver, a real S3-compatible server without ListParts, AbortMultipartUpload (405) and
 * ListMultipartUploads (NotImplemented): what cannot be resumed starts over, and nothing is left failed for good.
 */
class MirrorHalfCompatibleS3IT {

    private static final int PART = S3Settings.MIN_PART_SIZE;
    private static final AtomicInteger BUCKETS = new AtomicInteger();

    @TempDir
    static Path serverDir;

    private static S3rverServer server;

    @TempDir
    Path dir;

    private MirrorFixture fixture;
    private String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3rverServer.start(serverDir.resolve("data"));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        fixture = new MirrorFixture(dir);
        bucket = "half-" + BUCKETS.incrementAndGet();
        try (S3Client client = server.client()) {
            client.createBucket(r -> r.bucket(bucket));
        }
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private S3Remote remote(long abandonAfterMillis) {
        return new S3Remote(new S3Settings(bucket, "mirror/", S3Server.REGION, server.endpoint(), S3rverServer.ACCESS_KEY,
                S3rverServer.SECRET_KEY, PART, PART, abandonAfterMillis, 2L * PART, S3Settings.MAX_COPY_SIZE),
                new MultipartUploads(fixture.db, "s3"));
    }

    @Test
    void aMultipartUploadInterruptedOnAServerWithoutListPartsStartsOverAndArrives() throws Exception {
        int parts = 4;
        Path video = dir.resolve("root/video.bin");
        String sha = MirrorS3IT.writeRandom(video, (parts - 1) * (long) PART + 1234);
        // What a kill -9 after the first part leaves: the upload under way on the server, its id and part recorded.
        MultipartUploads uploads = new MultipartUploads(fixture.db, "s3");
        try (S3Client client = server.client()) {
            String id = client.createMultipartUpload(r -> r.bucket(bucket).key("mirror/video.bin")).uploadId();
            byte[] first = new byte[PART];
            try (var in = Files.newInputStream(video)) {
                in.readNBytes(first, 0, PART);
            }
            String etag = client.uploadPart(r -> r.bucket(bucket).key("mirror/video.bin").uploadId(id).partNumber(1),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(first)).eTag();
            uploads.save(new MultipartUploads.Upload("video.bin", "mirror/video.bin", id, FileStamp.of(video).version(), PART,
                    System.currentTimeMillis()));
            uploads.savePart(id, new MultipartUploads.Part(1, etag, Checksums.crc32c(first, PART)));
        }
        assertThat(keys()).doesNotContain("mirror/video.bin");

        MirrorEngine second = fixture.start("s3", false, remote(3_600_000));
        second.fileChanged("video.bin");
        await().atMost(Duration.ofSeconds(60)).until(() -> second.queue().pending() == 0 && fixture.audit("s3", "video.bin")
                .stream().anyMatch(r -> r.startsWith("COMPLETED") || r.contains("until the path changes")));
        List<String> rows = fixture.audit("s3", "video.bin");
        assertThat(rows).noneMatch(r -> r.contains("until the path changes"));
        assertThat(rows).last().asString().startsWith("COMPLETED multipart").contains("started over")
                .contains("cannot list the parts");
        assertThat(MirrorS3IT.sha256(object("mirror/video.bin"))).isEqualTo(sha);
        assertThat(uploads.find("video.bin")).isEmpty();
    }

    /**
     * The mirror's single put, through the same S3 client as every other call, arrives here too, stored with the MD5
     * it sent as its ETag. (s3rver itself does not check a Content-MD5: it stores a body that does not match one.)
     */
    @Test
    void aSinglePutArrivesWithTheMd5ItWasSentWith() throws Exception {
        fixture.write("small.txt", "same");
        MirrorEngine engine = fixture.start("s3", false, remote(3_600_000));
        engine.fileChanged("small.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        String md5 = Checksums.md5("same".getBytes(), 4);
        assertThat(fixture.audit("s3", "small.txt")).last().asString().isEqualTo("COMPLETED put 4 bytes, md5 " + md5);
        assertThat(new String(object("mirror/small.txt"))).isEqualTo("same");
        try (S3Client client = server.client()) {
            assertThat(client.headObject(r -> r.bucket(bucket).key("mirror/small.txt")).eTag().replace("\"", ""))
                    .isEqualTo(HexFormat.of().formatHex(Base64.getDecoder().decode(md5)));
        }
    }

    @Test
    void theLookForAbandonedUploadsNeitherPausesTheQueueNorKeepsStaleRecordsWhereTheServerCannotListThem() throws Exception {
        String uploadId;
        try (S3Client client = server.client()) {
            uploadId = client.createMultipartUpload(r -> r.bucket(bucket).key("mirror/old.bin")).uploadId();
        }
        MultipartUploads uploads = new MultipartUploads(fixture.db, "s3");
        uploads.save(new MultipartUploads.Upload("old.bin", "mirror/old.bin", uploadId, "1|1", PART, 0));
        try (S3Remote remote = remote(60_000)) {
            remote.abortAbandonedUploads();
        }
        assertThat(uploads.find("old.bin")).isEmpty();
    }

    @Test
    void aFolderMoveSendsNoContentToThisServerEither() throws Exception {
        S3Remote remote = remote(3_600_000);
        MirrorEngine engine = fixture.start("s3", false, remote);
        for (int i = 0; i < 5; i++) {
            fixture.write("album/" + i + ".txt", "photo " + i);
            engine.fileChanged("album/" + i + ".txt");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.queue().pending() == 0);
        long sent = remote.bytesSent();

        Files.move(fixture.root.resolve("album"), fixture.root.resolve("album-2024"));
        for (int i = 0; i < 5; i++) {
            engine.fileChanged("album-2024/" + i + ".txt");
        }
        engine.moved("album", "album-2024", true);
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.queue().pending() == 0);
        assertThat(keys()).hasSize(5).allMatch(key -> key.startsWith("mirror/album-2024/"));
        assertThat(new String(object("mirror/album-2024/3.txt"))).isEqualTo("photo 3");
        assertThat(remote.bytesSent()).isEqualTo(sent);
    }

    @Test
    void aMoveAboveTheCopyThresholdOnAServerWithoutUploadPartCopyIsOneServerSideCopy() throws Exception {
        String sha = MirrorS3IT.writeRandom(dir.resolve("root/a/big.bin"), 2L * PART + 99);
        // Copy threshold at the minimum part size: a multipart copy is tried first, which this server does not offer.
        S3Remote remote = new S3Remote(new S3Settings(bucket, "mirror/", S3Server.REGION, server.endpoint(), S3rverServer.ACCESS_KEY,
                S3rverServer.SECRET_KEY, PART, PART, 3_600_000, 2L * PART, PART), new MultipartUploads(fixture.db, "s3"));
        MirrorEngine engine = fixture.start("s3", false, remote);
        engine.fileChanged("a/big.bin");
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.queue().pending() == 0);
        long sent = remote.bytesSent();

        Files.createDirectories(dir.resolve("root/b"));
        Files.move(dir.resolve("root/a/big.bin"), dir.resolve("root/b/big.bin"));
        engine.moved("a/big.bin", "b/big.bin", false);
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.queue().pending() == 0
                && fixture.audit("s3", "b/big.bin").stream().anyMatch(r -> r.startsWith("COMPLETED")));
        assertThat(keys()).containsExactly("mirror/b/big.bin");
        assertThat(MirrorS3IT.sha256(object("mirror/b/big.bin"))).isEqualTo(sha);
        assertThat(remote.bytesSent()).isEqualTo(sent);
    }

    private List<String> keys() {
        try (S3Client client = server.client()) {
            return client.listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).toList();
        }
    }

    private byte[] object(String key) {
        try (S3Client client = server.client()) {
            return client.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
        }
    }
}
