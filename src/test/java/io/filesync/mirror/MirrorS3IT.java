package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import io.filesync.servers.S3Server;
import io.filesync.servers.TestServers;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The mirror against the real S3-compatible server: bytes on the remote and audit rows. */
@ExtendWith(TestServers.class)
class MirrorS3IT {

    private static final int PART = S3Settings.MIN_PART_SIZE;

    @TempDir
    Path dir;

    private MirrorFixture fixture;
    private String bucket;

    @BeforeEach
    void setUp() throws IOException {
        fixture = new MirrorFixture(dir);
        bucket = TestServers.s3().createBucket();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private S3Remote remote(String bucketName, URI endpoint, String secret) {
        return remote(bucketName, endpoint, secret, S3Settings.DEFAULT_UPLOAD_MEMORY, S3Settings.MAX_COPY_SIZE);
    }

    private S3Remote remote(String bucketName, URI endpoint, String secret, long uploadMemory, long copyThreshold) {
        S3Server s3 = TestServers.s3();
        return new S3Remote(new S3Settings(bucketName, "mirror/", S3Server.REGION, endpoint, s3.accessKey(), secret,
                PART, PART, 3_600_000, uploadMemory, copyThreshold), new MultipartUploads(fixture.db, "s3"));
    }

    /** Two parts in flight at once. */
    private S3Remote twoPartsAtOnce() {
        return remote(bucket, TestServers.s3().endpoint(), TestServers.s3().secretKey(), 2L * PART, S3Settings.MAX_COPY_SIZE);
    }

    private S3Remote remote() {
        return remote(bucket, TestServers.s3().endpoint(), TestServers.s3().secretKey());
    }

    @Test
    void sendsNestedFilesWithAwkwardNamesAndMovesByServerSideCopy() throws Exception {
        S3Remote remote = remote();
        MirrorEngine engine = fixture.start("s3", false, remote);
        List<String> names = List.of("plain.txt", "with space/and #hash %25.txt", "ünïcødé/日本語.txt", "deep/a/b/c/d.txt",
                "odd/star*?question+plus=equals&amp.txt", "odd/back\\slash.txt");
        for (String name : names) {
            fixture.write(name, "content of " + name);
            engine.fileChanged(name);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        for (String name : names) {
            assertThat(object("mirror/" + name)).isEqualTo("content of " + name);
        }
        assertThat(fixture.audit("s3", "plain.txt")).extracting(row -> row.split(" ")[0])
                .containsExactly("QUEUED", "STARTED", "COMPLETED");
        assertThat(fixture.audit("s3", "plain.txt").get(2)).contains("md5");

        long sentBefore = remote.bytesSent();
        Files.move(fixture.root.resolve("plain.txt"), fixture.root.resolve("renamed.txt"));
        engine.moved("plain.txt", "renamed.txt", false);
        // The file source then reports the new path as a new file: it must not be uploaded again.
        engine.fileChanged("renamed.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        assertThat(object("mirror/renamed.txt")).isEqualTo("content of plain.txt");
        assertThat(keys()).doesNotContain("mirror/plain.txt");
        assertThat(remote.bytesSent()).isEqualTo(sentBefore);
        assertThat(fixture.audit("s3", "renamed.txt")).anyMatch(row -> row.startsWith("COMPLETED renamed on the remote"));

        Files.move(fixture.root.resolve("deep"), fixture.root.resolve("shallow"));
        engine.moved("deep", "shallow", true);
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        assertThat(object("mirror/shallow/a/b/c/d.txt")).isEqualTo("content of deep/a/b/c/d.txt");
        assertThat(keys()).noneMatch(key -> key.startsWith("mirror/deep/"));
        assertThat(remote.bytesSent()).isEqualTo(sentBefore);
    }

    @Test
    void deletesAreMirroredInCompleteSyncOnlyAndNeverWhenTheRootIsEmpty() throws Exception {
        fixture.write("keep.txt", "k");
        fixture.write("gone.txt", "g");
        fixture.write("folder/x.txt", "x");
        MirrorEngine lazy = fixture.start("s3", false, remote());
        for (String name : List.of("keep.txt", "gone.txt", "folder/x.txt")) {
            lazy.fileChanged(name);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> lazy.queue().pending() == 0);
        Files.delete(fixture.root.resolve("gone.txt"));
        lazy.deleted("gone.txt", false);
        assertThat(lazy.queue().pending()).isZero();
        assertThat(keys()).contains("mirror/gone.txt");
        assertThat(fixture.audit("s3", "gone.txt")).last().asString().startsWith("SKIPPED complete-sync is off");
        fixture.stop(lazy);

        MirrorEngine complete = fixture.start("s3", true, remote());
        complete.deleted("gone.txt", false);
        Files.delete(fixture.root.resolve("folder/x.txt"));
        Files.delete(fixture.root.resolve("folder"));
        complete.deleted("folder", true);
        await().atMost(Duration.ofSeconds(20)).until(() -> complete.queue().pending() == 0);
        assertThat(keys()).containsExactly("mirror/keep.txt");

        // The root emptied (an unmounted disk): the deletion is refused and waits.
        Files.delete(fixture.root.resolve("keep.txt"));
        complete.deleted("keep.txt", false);
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.audit("s3", "keep.txt").stream().anyMatch(r -> r.startsWith("REFUSED")));
        assertThat(keys()).containsExactly("mirror/keep.txt");
        assertThat(complete.queue().pending()).isEqualTo(1);
        // The disk comes back: the file is there again, so the delete is dropped, not run.
        fixture.write("keep.txt", "k");
        await().atMost(Duration.ofSeconds(20)).until(() -> complete.queue().pending() == 0);
        assertThat(keys()).containsExactly("mirror/keep.txt");
        assertThat(fixture.audit("s3", "keep.txt")).last().asString().contains("exists locally again");
    }

    @Test
    void theServerVerifiesTheChecksumOfWhatIsSentAndTheStateRecordsIt() throws Exception {
        try (S3Client client = TestServers.s3().client()) {
            assertThatThrownBy(() -> client.putObject(r -> r.bucket(bucket).key("bad").checksumCRC32C(Checksums.crc32c(new byte[] {1}, 1)),
                    RequestBody.fromString("not the same bytes"))).isInstanceOfSatisfying(S3Exception.class,
                    refused -> assertThat(refused.statusCode()).isEqualTo(400));
            assertThat(keys()).doesNotContain("bad");
        }
        fixture.write("small.txt", "same");
        MirrorEngine engine = fixture.start("s3", false, remote());
        engine.fileChanged("small.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        String md5 = Checksums.md5("same".getBytes(), 4);
        assertThat(fixture.audit("s3", "small.txt")).last().asString().isEqualTo("COMPLETED put 4 bytes, md5 " + md5);
        assertThat(new io.filesync.core.FileVersionRepository(fixture.db, "filesync-mirror:s3").version("small.txt"))
                .endsWith("|md5:" + md5);
        try (S3Client client = TestServers.s3().client()) {
            // The ETag of a single put is the MD5 the server computed over what it stored.
            assertThat(client.headObject(r -> r.bucket(bucket).key("mirror/small.txt")).eTag().replace("\"", ""))
                    .isEqualTo(java.util.HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(md5)));
            assertThatThrownBy(() -> client.putObject(r -> r.bucket(bucket).key("bad").contentMD5(md5),
                    RequestBody.fromString("not the same bytes"))).isInstanceOf(S3Exception.class);
            assertThat(keys()).doesNotContain("bad");
        }
    }

    @Test
    void aMultipartUploadStoppedMidwayResumesWithOnlyTheMissingParts() throws Exception {
        int parts = 10;
        Path big = dir.resolve("root/video.bin");
        String sha = writeRandom(big, (parts - 1) * (long) PART + 1234);
        MirrorEngine first = fixture.start("s3", false, twoPartsAtOnce());
        first.fileChanged("video.bin");
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.audit("s3", "video.bin").stream().anyMatch(r -> r.startsWith("PROGRESS part 2 ")));
        fixture.stop(first);
        List<String> beforeRestart = fixture.audit("s3", "video.bin");
        long partsSent = beforeRestart.stream().filter(r -> r.startsWith("PROGRESS")).count();
        // A stop lets the parts in flight finish, so what was sent is a prefix of the file and recorded.
        assertThat(partsSent).isBetween(2L, parts - 1L);
        assertThat(beforeRestart.stream().filter(r -> r.startsWith("PROGRESS")).map(r -> Integer.parseInt(r.split(" ")[2])))
                .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.rangeClosed(1, partsSent).mapToObj(n -> (int) n).toList());
        assertThat(keys()).doesNotContain("mirror/video.bin");

        S3Remote resumed = twoPartsAtOnce();
        MirrorEngine second = fixture.start("s3", false, resumed);
        await().atMost(Duration.ofSeconds(30)).until(() -> second.queue().pending() == 0);
        assertThat(sha256(objectBytes("mirror/video.bin"))).isEqualTo(sha);
        long missing = parts - partsSent;
        long missingBytes = (missing - 1) * PART + 1234;
        assertThat(resumed.bytesSent()).isEqualTo(missingBytes);
        List<String> afterRestart = fixture.audit("s3", "video.bin").subList(beforeRestart.size(), fixture.audit("s3", "video.bin").size());
        assertThat(afterRestart.stream().filter(r -> r.startsWith("PROGRESS"))).hasSize((int) missing)
                .allMatch(r -> Integer.parseInt(r.split(" ")[2]) > partsSent);
        assertThat(afterRestart).last().asString().startsWith("COMPLETED multipart").contains("crc32c ")
                .contains("resumed with " + partsSent + " parts");
        try (S3Client client = TestServers.s3().client()) {
            assertThat(client.listMultipartUploads(r -> r.bucket(bucket)).uploads()).isEmpty();
        }
    }

    @Test
    void aMoveAboveTheCopyThresholdIsAMultipartCopyOnTheServer() throws Exception {
        Path big = dir.resolve("root/a/big.bin");
        String sha = writeRandom(big, 2L * PART + 99);
        // Copy threshold at the minimum part size: the 10 MiB object is copied in three ranges.
        S3Remote remote = remote(bucket, TestServers.s3().endpoint(), TestServers.s3().secretKey(), S3Settings.DEFAULT_UPLOAD_MEMORY, PART);
        MirrorEngine engine = fixture.start("s3", false, remote);
        engine.fileChanged("a/big.bin");
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.queue().pending() == 0);
        long sent = remote.bytesSent();
        Files.createDirectories(dir.resolve("root/b"));
        Files.move(big, dir.resolve("root/b/big.bin"));
        engine.moved("a/big.bin", "b/big.bin", false);
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.queue().pending() == 0);
        assertThat(remote.bytesSent()).isEqualTo(sent);
        assertThat(keys()).contains("mirror/b/big.bin").doesNotContain("mirror/a/big.bin");
        assertThat(sha256(objectBytes("mirror/b/big.bin"))).isEqualTo(sha);
        assertThat(fixture.audit("s3", "b/big.bin")).last().asString().isEqualTo("COMPLETED renamed on the remote");
    }

    @Test
    void aFileChangedDuringItsUploadIsNeverPublishedHalfWay() throws Exception {
        Path big = dir.resolve("root/growing.bin");
        writeRandom(big, 3 * PART);
        S3Remote remote = remote();
        Remote.Progress changeAfterFirstPart = new Remote.Progress() {
            @Override
            public void sent(int part, int parts, long bytes) {
                try (OutputStream out = Files.newOutputStream(big, java.nio.file.StandardOpenOption.APPEND)) {
                    out.write(new byte[] {42});
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public boolean stopping() {
                return false;
            }
        };
        assertThatThrownBy(() -> remote.send("growing.bin", big, changeAfterFirstPart)).isInstanceOf(ChangedDuringUploadException.class);
        assertThat(keys()).doesNotContain("mirror/growing.bin");
        // Sent again through the engine, the newest content arrives whole.
        MirrorEngine engine = fixture.start("s3", false, remote);
        engine.fileChanged("growing.bin");
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.queue().pending() == 0);
        assertThat(sha256(objectBytes("mirror/growing.bin"))).isEqualTo(sha256(Files.readAllBytes(big)));
    }

    @Test
    void aFileDeletedOrChangedDuringItsUploadLeavesAClearAuditRowNoHalfObjectAndTheNewestContentWins() throws Exception {
        Path doomed = dir.resolve("root/doomed.bin");
        Path growing = dir.resolve("root/growing.bin");
        writeRandom(doomed, 3 * PART);
        writeRandom(growing, 3 * PART);
        S3Remote s3 = remote();
        // The real remote; the file is deleted or appended to once the first part of its first upload is on the server.
        Remote meddling = new Remote() {
            private final java.util.Set<String> meddled = java.util.concurrent.ConcurrentHashMap.newKeySet();

            @Override
            public Sent send(String path, Path file, Progress progress) throws IOException, RemoteUnavailableException {
                return s3.send(path, file, new Progress() {
                    @Override
                    public void sent(int part, int parts, long bytes) {
                        progress.sent(part, parts, bytes);
                        if (meddled.add(path)) {
                            try {
                                if (path.equals("doomed.bin")) {
                                    Files.delete(file);
                                } else {
                                    Files.write(file, new byte[] {42}, java.nio.file.StandardOpenOption.APPEND);
                                }
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    }

                    @Override
                    public boolean stopping() {
                        return progress.stopping();
                    }
                });
            }

            @Override
            public void delete(String path, boolean directory) throws IOException, RemoteUnavailableException {
                s3.delete(path, directory);
            }

            @Override
            public boolean move(String from, String to, boolean directory) throws IOException, RemoteUnavailableException {
                return s3.move(from, to, directory);
            }

            @Override
            public int maxConcurrency() {
                return s3.maxConcurrency();
            }

            @Override
            public String describe() {
                return s3.describe();
            }

            @Override
            public void close() {
                s3.close();
            }
        };
        MirrorEngine engine = fixture.start("s3", false, meddling);
        engine.fileChanged("doomed.bin");
        engine.fileChanged("growing.bin");
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.queue().pending() == 0);
        assertThat(fixture.audit("s3", "doomed.bin")).anyMatch(r -> r.startsWith("RETRIED doomed.bin vanished while it was being uploaded"))
                .last().asString().isEqualTo("COMPLETED nothing to send: the file is gone");
        assertThat(keys()).doesNotContain("mirror/doomed.bin");
        assertThat(fixture.audit("s3", "growing.bin")).anyMatch(r -> r.startsWith("RETRIED growing.bin changed while it was being uploaded"))
                .last().asString().startsWith("COMPLETED multipart " + (3 * PART + 1) + " bytes");
        assertThat(sha256(objectBytes("mirror/growing.bin"))).isEqualTo(sha256(Files.readAllBytes(growing)));
        try (S3Client client = TestServers.s3().client()) {
            assertThat(client.listMultipartUploads(r -> r.bucket(bucket)).uploads()).isEmpty();
        }
    }

    @Test
    void theQueuePausesWhileTheServerIsDownAndDrainsByItselfWhenItIsBack() throws Exception {
        int port = MirrorFixture.freePort();
        Path store = Files.createDirectories(dir.resolve("second-s3"));
        S3Proxy proxy = startProxy(store, port);
        URI endpoint = createBucket(port, "outage");
        MirrorEngine engine = fixture.start("s3", false, remote("outage", endpoint, TestServers.s3().secretKey()));
        fixture.write("before.txt", "before");
        engine.fileChanged("before.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        proxy.stop();
        for (int i = 0; i < 20; i++) {
            fixture.write("during/" + i + ".txt", "during " + i);
            engine.fileChanged("during/" + i + ".txt");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.audit("s3", "during/0.txt").stream()
                .anyMatch(r -> r.startsWith("FAILED cannot reach S3")));
        assertThat(engine.queue().pending()).isEqualTo(20);
        proxy = startProxy(store, port);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> engine.queue().pending() == 0);
            try (S3Client client = clientFor(endpoint)) {
                assertThat(client.listObjectsV2(r -> r.bucket("outage")).contents()).hasSize(21);
                assertThat(client.getObjectAsBytes(r -> r.bucket("outage").key("mirror/during/7.txt")).asUtf8String()).isEqualTo("during 7");
            }
            assertThat(fixture.audit("s3", "during/0.txt")).anyMatch(r -> r.startsWith("RETRIED")).last().asString().startsWith("COMPLETED");
        } finally {
            proxy.stop();
        }
    }

    @Test
    void aServerStoppedWhileTheQueueDrainsLosesNothingAndTheRestFlowsWhenItIsBack() throws Exception {
        int port = MirrorFixture.freePort();
        Path store = Files.createDirectories(dir.resolve("midway-s3"));
        S3Proxy proxy = startProxy(store, port);
        URI endpoint = createBucket(port, "midway");
        int files = 400;
        MirrorEngine engine = fixture.create("s3", false, remote("midway", endpoint, TestServers.s3().secretKey()));
        for (int i = 0; i < files; i++) {
            fixture.write("queued/" + i + ".txt", "queued " + i);
            engine.fileChanged("queued/" + i + ".txt");
        }
        fixture.start(engine);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2)).until(() -> engine.queue().pending() < files);
        proxy.stop();
        assertThat(engine.queue().pending()).as("the server went away mid-queue").isPositive();
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.auditCount("s3", "RETRIED") > 0);

        proxy = startProxy(store, port);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> engine.queue().pending() == 0);
            try (S3Client client = clientFor(endpoint)) {
                assertThat(client.listObjectsV2Paginator(r -> r.bucket("midway")).contents().stream().count()).isEqualTo(files);
                for (int i = 0; i < files; i++) {
                    int n = i;
                    assertThat(client.getObjectAsBytes(r -> r.bucket("midway").key("mirror/queued/" + n + ".txt")).asUtf8String())
                            .isEqualTo("queued " + n);
                }
            }
            assertThat(fixture.auditCount("s3", "COMPLETED")).isEqualTo(files);
        } finally {
            proxy.stop();
        }
    }

    @Test
    void aMissingBucketOrWrongCredentialsPauseTheQueueWithAClearReasonAndNoSecretInTheAudit() throws Exception {
        fixture.write("a.txt", "a");
        MirrorEngine engine = fixture.start("s3", false, remote("no-such-bucket", TestServers.s3().endpoint(), TestServers.s3().secretKey()));
        engine.fileChanged("a.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.audit("s3", "a.txt").stream()
                .anyMatch(r -> r.contains("bucket no-such-bucket does not exist")));
        assertThat(engine.queue().pending()).isEqualTo(1);
        fixture.stop(engine);

        MirrorEngine refused = fixture.start("s3", false, remote(bucket, TestServers.s3().endpoint(), "wrong-secret-123"));
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.audit("s3", "a.txt").stream()
                .anyMatch(r -> r.contains("refused the credentials")));
        assertThat(fixture.allAudit("s3")).doesNotContain("wrong-secret-123").doesNotContain(TestServers.s3().secretKey());
        fixture.stop(refused);

        MirrorEngine fixed = fixture.start("s3", false, remote());
        await().atMost(Duration.ofSeconds(20)).until(() -> fixed.queue().pending() == 0);
        assertThat(object("mirror/a.txt")).isEqualTo("a");
    }

    private S3Proxy startProxy(Path store, int port) throws Exception {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(store.toAbsolutePath().toString()))
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, TestServers.s3().accessKey(), TestServers.s3().secretKey())
                .build();
        proxy.start();
        await().atMost(Duration.ofSeconds(10)).until(proxy::getState, state -> "STARTED".equals(state));
        return proxy;
    }

    /** Creates a bucket on the second proxy listening on {@code port}; its endpoint. */
    private static URI createBucket(int port, String bucket) {
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        try (S3Client client = clientFor(endpoint)) {
            client.createBucket(r -> r.bucket(bucket));
        }
        return endpoint;
    }

    private static S3Client clientFor(URI endpoint) {
        S3Server s3 = TestServers.s3();
        return S3Client.builder().endpointOverride(endpoint).region(software.amazon.awssdk.regions.Region.of(S3Server.REGION))
                .forcePathStyle(true).credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(s3.accessKey(), s3.secretKey()))).build();
    }

    private String object(String key) {
        return new String(objectBytes(key), java.nio.charset.StandardCharsets.UTF_8);
    }

    private byte[] objectBytes(String key) {
        try (S3Client client = TestServers.s3().client()) {
            return client.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new AssertionError("no object " + key, e);
        }
    }

    private List<String> keys() {
        try (S3Client client = TestServers.s3().client()) {
            return client.listObjectsV2(r -> r.bucket(bucket)).contents().stream().map(S3Object::key).toList();
        }
    }

    static String writeRandom(Path file, long size) throws Exception {
        Files.createDirectories(file.getParent());
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        Random random = new Random(7);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; ) {
                int length = (int) Math.min(chunk.length, size - written);
                random.nextBytes(chunk);
                out.write(chunk, 0, length);
                digest.update(chunk, 0, length);
                written += length;
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
