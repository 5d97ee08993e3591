package io.filesync.mirror;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mapping's S3 remote, through the AWS SDK v2's {@link S3Client} alone ({@link S3Clients}): camel-aws2-s3 aborts a
 * multipart upload on any error and cannot resume one.
 * <ul>
 * <li>A small file is one put streamed from the file with its Content-MD5, which the server verifies (AWS, s3proxy;
 * not every S3-compatible server does): a file changing under the read is refused, never stored corrupt. The state records the checksum of what was stored.</li>
 * <li>Files from the multipart threshold up go in resumable parts, each with its CRC32C, several at once within a
 * memory budget ({@link S3MultipartUpload}).</li>
 * <li>A move is a server-side copy, in parts above the copy threshold, then a delete of the source ({@link S3Copier}).</li>
 * </ul>
 */
public final class S3Remote implements Remote {

    private static final Logger LOG = LoggerFactory.getLogger(S3Remote.class);

    /** The mirror's concurrent actions by default (the endpoint's {@code concurrency}), for sizing the connection pool. */
    static final int DEFAULT_CONCURRENCY = 8;

    private final S3Settings settings;
    private final MultipartUploads uploads;
    private final AwsCredentialsProvider credentials;
    private final int maxConnections;
    private final Object clientLock = new Object();
    private S3Client client;
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
        this(settings, uploads, partSenders, DEFAULT_CONCURRENCY);
    }

    /**
     * @param partSenders runs the parts in flight (at least {@link #partsInFlight()} threads), or null for a pool of
     *                    this remote's own
     * @param concurrency actions the mirror runs at once: with the parts in flight, the connections the client keeps
     */
    public S3Remote(S3Settings settings, MultipartUploads uploads, ExecutorService partSenders, int concurrency) {
        this.settings = settings;
        this.uploads = uploads;
        this.credentials = settings.accessKey() == null || settings.accessKey().isBlank()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
        this.errors = new S3Errors(settings);
        PartBuffers buffers = new PartBuffers(settings.partSize(), settings.uploadMemory());
        this.maxConnections = Math.max(1, concurrency) + buffers.count();
        this.ownPartSenders = partSenders == null ? Executors.newFixedThreadPool(buffers.count(), runnable -> {
            Thread thread = new Thread(runnable, "filesync-mirror-s3-part");
            thread.setDaemon(true);
            return thread;
        }) : null;
        this.multipart = new S3MultipartUpload(this::client, settings, errors, uploads, buffers,
                partSenders == null ? ownPartSenders : partSenders, bytesSent);
        this.copier = new S3Copier(this::client, settings, errors);
    }

    /** The S3 client, built on first use: building it loads a large part of the SDK, which a route start need not wait for. */
    private S3Client client() {
        synchronized (clientLock) {
            if (client == null) {
                client = S3Clients.create(settings, credentials, maxConnections);
            }
            return client;
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
        // Content-MD5, which AWS and s3proxy verify: read once for the digest, then streamed from the file again as the
        // body, so memory does not grow with the file.
        String md5 = Checksums.md5(file, stamp.size(), path);
        String key = settings.key(path);
        try {
            errors.call(path, () -> client().putObject(r -> r.bucket(settings.bucket()).key(key).contentMD5(md5)
                    .contentLength(stamp.size()), RequestBody.fromContentProvider(() -> open(file), stamp.size(),
                    "application/octet-stream")));
        } catch (RemoteUnavailableException | RuntimeException failed) {
            // A body that could not be read, the file gone or cut short under the read, comes back from the SDK as a
            // bare runtime exception ("Unable to read request payload", "fewer bytes than the specified
            // content-length"): that is the file's doing, not the server's, and is said so.
            stamp.verifyUnchanged(file, path);
            throw failed;
        }
        stamp.verifyUnchanged(file, path);
        bytesSent.addAndGet(stamp.size());
        return new Sent("put " + stamp.size() + " bytes, md5 " + md5, "md5:" + md5);
    }

    private static InputStream open(Path file) {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        synchronized (clientLock) {
            if (client != null) {
                client.close();
            }
        }
        if (ownPartSenders != null) {
            ownPartSenders.shutdownNow();
        }
    }
}
