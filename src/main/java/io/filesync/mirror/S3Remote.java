package io.filesync.mirror;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mapping's S3 remote, through the AWS SDK v2 directly (camel-aws2-s3 aborts a multipart upload on any error and
 * cannot resume one). One client, thread-safe, built on first use, serves every action of the mapping but single puts.
 * <ul>
 * <li>Every single put carries the Content-MD5 and every part the CRC32C of exactly the bytes sent, which the server
 * verifies (s3proxy too): a file changing under the read is refused, never stored corrupt. The state records the
 * checksum of what was stored. Single puts go with an unsigned payload, the MD5 being their check, signed and sent
 * by filesync itself without the S3 client ({@link S3Puts}).</li>
 * <li>Files from the multipart threshold up go in resumable parts, several at once within a memory budget
 * ({@link S3MultipartUpload}).</li>
 * <li>A move is a server-side copy, in parts above the copy threshold, then a delete of the source ({@link S3Copier}).</li>
 * </ul>
 */
public final class S3Remote implements Remote {

    private static final Logger LOG = LoggerFactory.getLogger(S3Remote.class);

    private final S3Settings settings;
    private final MultipartUploads uploads;
    private final AwsCredentialsProvider credentials;
    private final Object sdkLock = new Object();
    private SdkHttpClient http;
    private S3Client client;
    private final S3Puts puts;
    private final S3Errors errors;
    private final S3MultipartUpload multipart;
    private final S3Copier copier;
    private final ExecutorService ownPartSenders;
    private final AtomicLong bytesSent = new AtomicLong();

    /** With a pool of its own for the parts in flight, shut down by {@link #close()}. */
    public S3Remote(S3Settings settings, MultipartUploads uploads) {
        this(settings, uploads, null);
    }

    /**
     * @param partSenders runs the parts in flight (at least {@link #partsInFlight()} threads), or null for a pool of
     *                    this remote's own
     */
    public S3Remote(S3Settings settings, MultipartUploads uploads, ExecutorService partSenders) {
        this.settings = settings;
        this.uploads = uploads;
        this.credentials = settings.accessKey() == null || settings.accessKey().isBlank()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
        this.puts = new S3Puts(this::http, credentials, settings.bucket(), settings.region(), settings.endpoint());
        this.errors = new S3Errors(settings);
        PartBuffers buffers = new PartBuffers(settings.partSize(), settings.uploadMemory());
        this.ownPartSenders = partSenders == null ? Executors.newFixedThreadPool(buffers.count(), runnable -> {
            Thread thread = new Thread(runnable, "filesync-mirror-s3-part");
            thread.setDaemon(true);
            return thread;
        }) : null;
        this.multipart = new S3MultipartUpload(this::client, settings, errors, uploads, buffers,
                partSenders == null ? ownPartSenders : partSenders, bytesSent);
        this.copier = new S3Copier(this::client, settings, errors);
    }

    /**
     * The S3 client, built on first use: an initial sync of small files needs none (their puts go through
     * {@link S3Puts}), and building it (loading and initialising a large part of the SDK) was a second of a short run.
     */
    private S3Client client() {
        synchronized (sdkLock) {
            if (client == null) {
                S3ClientBuilder builder = S3Client.builder()
                        .region(Region.of(settings.region()))
                        .httpClient(http())
                        // One signature over the whole body, not one per aws-chunked chunk: a quarter of the CPU of puts.
                        .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                        // We set each body's checksum ourselves (Content-MD5 of a single put, CRC32C of a part), computed
                        // once from the bytes in memory; the SDK's own streaming checksum would read every body again.
                        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                        .credentialsProvider(credentials);
                // The S3 client adds Expect: 100-continue to every put and part by itself, whatever the HTTP client's
                // setting (seen on the wire): most of the time of a small put. Removed here.
                builder.overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
                        return context.httpRequest().toBuilder().removeHeader("Expect").build();
                    }
                }));
                if (settings.endpoint() != null) {
                    builder.endpointOverride(settings.endpoint()).forcePathStyle(true);
                }
                client = builder.build();
            }
            return client;
        }
    }

    /**
     * The SDK's HTTP client, built on first use. No Expect: 100-continue, a round trip before every body: the HTTP
     * client must not add it (here), nor the S3 client ({@link #client()}). The checksum still makes the server refuse
     * a wrong body. One HTTP client, so one pool of connections, serves the S3 client and puts through a proxy.
     */
    private SdkHttpClient http() {
        synchronized (sdkLock) {
            if (http == null) {
                http = ApacheHttpClient.builder().expectContinueEnabled(false).build();
            }
            return http;
        }
    }

    /** How many parts may be in flight at once: the memory budget divided by the part size. */
    public static int partsInFlight(S3Settings settings) {
        return new PartBuffers(settings.partSize(), settings.uploadMemory()).count();
    }

    /** A HEAD of the bucket: the endpoint answers, the credentials are accepted and the bucket exists. */
    @Override
    public void probe() throws IOException, RemoteUnavailableException {
        errors.call("", () -> client().headBucket(r -> r.bucket(settings.bucket())));
    }

    /** Bytes of content sent since this remote was created (puts and parts), for tests, the bench and metrics. */
    @Override
    public long bytesSent() {
        return bytesSent.get();
    }

    @Override
    public Sent send(String path, Path file, Progress progress) throws IOException, RemoteUnavailableException {
        FileStamp stamp = FileStamp.of(file);
        if (stamp.size() >= settings.multipartThreshold()) {
            return multipart.send(path, file, stamp, progress);
        }
        byte[] content = new byte[(int) stamp.size()];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            S3MultipartUpload.readFully(channel, ByteBuffer.wrap(content), 0, path);
        }
        stamp.verifyUnchanged(file, path);
        // Content-MD5, which the server verifies too: s3proxy takes a much slower path for a put with a CRC32C header
        // (2,000 puts of 4 KiB: 16 s with it, 5 s with MD5; rclone sends MD5). Parts keep CRC32C, where it costs little.
        String md5 = Checksums.md5(content, content.length);
        String key = settings.key(path);
        errors.call(path, () -> puts.put(key, content, md5));
        bytesSent.addAndGet(content.length);
        return new Sent("put " + content.length + " bytes, md5 " + md5, "md5:" + md5);
    }

    @Override
    public void delete(String path, boolean directory) throws IOException, RemoteUnavailableException {
        if (directory) {
            for (String key : keysBelow(path)) {
                errors.call(path, () -> client().deleteObject(r -> r.bucket(settings.bucket()).key(key)));
            }
            return;
        }
        errors.call(path, () -> client().deleteObject(r -> r.bucket(settings.bucket()).key(settings.key(path))));
    }

    @Override
    public boolean move(String from, String to, boolean directory) throws IOException, RemoteUnavailableException {
        if (directory) {
            String fromPrefix = settings.key(from) + "/";
            List<String> keys = keysBelow(from);
            for (String key : keys) {
                copier.move(from, key, settings.key(to) + "/" + key.substring(fromPrefix.length()));
            }
            return !keys.isEmpty();
        }
        return copier.move(from, settings.key(from), settings.key(to));
    }

    @Override
    public void listFiles(FileVisitor visitor) throws IOException, RemoteUnavailableException {
        String prefix = settings.prefix();
        try {
            // The paginator fetches the next page of 1,000 keys only when the previous one was visited.
            for (S3Object object : client().listObjectsV2Paginator(r -> r.bucket(settings.bucket()).prefix(prefix)).contents()) {
                String key = object.key();
                // A key ending in '/' is a folder marker some tools create, not a file.
                if (key.length() > prefix.length() && !key.endsWith("/")) {
                    visitor.visit(key.substring(prefix.length()));
                }
            }
        } catch (SdkException e) {
            throw errors.rethrow("", e);
        }
    }

    private List<String> keysBelow(String path) throws IOException, RemoteUnavailableException {
        String prefix = settings.key(path) + "/";
        List<String> keys = new ArrayList<>();
        errors.call(path, () -> {
            client().listObjectsV2Paginator(r -> r.bucket(settings.bucket()).prefix(prefix)).contents()
                    .forEach((S3Object object) -> keys.add(object.key()));
            return null;
        });
        return keys;
    }

    @Override
    public int abortAbandonedUploads() throws IOException, RemoteUnavailableException {
        long cutoff = System.currentTimeMillis() - settings.abandonAfterMillis();
        int aborted = 0;
        List<MultipartUpload> open = new ArrayList<>();
        try {
            errors.call("", () -> {
                client().listMultipartUploadsPaginator(r -> r.bucket(settings.bucket()).prefix(settings.prefix()))
                        .uploads().forEach(open::add);
                return null;
            });
        } catch (UnsupportedByServerException cannotList) {
            // Some S3-compatible servers cannot list uploads: the ones filesync recorded are still aborted below.
            LOG.info("{}: the server cannot list unfinished uploads ({}); only those filesync recorded are aborted",
                    settings, cannotList.getMessage());
        }
        for (MultipartUpload upload : open) {
            Instant initiated = upload.initiated();
            if (initiated != null && initiated.toEpochMilli() < cutoff) {
                errors.call(upload.key(), () -> client().abortMultipartUpload(r -> r.bucket(settings.bucket()).key(upload.key())
                        .uploadId(upload.uploadId())));
                aborted++;
            }
        }
        List<MultipartUploads.Upload> stale;
        try {
            stale = uploads.startedBefore(cutoff);
        } catch (SQLException e) {
            throw new RemoteUnavailableException("upload table not reachable: " + e.getMessage(), e);
        }
        for (MultipartUploads.Upload upload : stale) {
            // Aborted above when listed (then the server no longer knows it); else aborted here where it can be.
            multipart.abort(upload);
        }
        return aborted;
    }

    /** The SDK client is thread-safe: puts of different files go in parallel. */
    @Override
    public int maxConcurrency() {
        return Integer.MAX_VALUE;
    }

    @Override
    public String describe() {
        return settings.toString();
    }

    @Override
    public void close() {
        puts.close();
        synchronized (sdkLock) {
            if (client != null) {
                client.close();
            }
            if (http != null) {
                http.close();
            }
        }
        if (ownPartSenders != null) {
            ownPartSenders.shutdownNow();
        }
    }
}
