package io.filesync.mirror;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import io.filesync.core.error.BadInputException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A mapping's S3 remote, through the AWS SDK v2 directly (camel-aws2-s3 aborts a multipart upload on any error and
 * cannot resume one).
 * <ul>
 * <li>Every put and part carries the Content-MD5 of exactly the bytes sent, which S3 verifies: a file changing under
 * the read is refused by the server (BadDigest), never stored corrupt.</li>
 * <li>Files from the multipart threshold up go in parts, one part buffer at a time (bounded memory). The upload id is
 * kept in {@link MultipartUploads}; after a crash the parts on the server are listed and only the missing ones sent.
 * The file's stamp is checked before completing, so a file changed mid-upload is never published.</li>
 * <li>A move is a server-side copy, then a delete of the source.</li>
 * </ul>
 */
public final class S3Remote implements Remote {

    private final S3Settings settings;
    private final MultipartUploads uploads;
    private final S3Client client;
    private final AtomicLong bytesSent = new AtomicLong();

    public S3Remote(S3Settings settings, MultipartUploads uploads) {
        this.settings = settings;
        this.uploads = uploads;
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                // We send Content-MD5 of the exact bytes ourselves; a streaming trailer checksum adds nothing.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .credentialsProvider(settings.accessKey() == null || settings.accessKey().isBlank()
                        ? DefaultCredentialsProvider.builder().build()
                        : StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())));
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint()).forcePathStyle(true);
        }
        this.client = builder.build();
    }

    /** Bytes of content sent since this remote was created (puts and parts), for tests and the bench. */
    public long bytesSent() {
        return bytesSent.get();
    }

    @Override
    public Sent send(String path, Path file, Progress progress) throws IOException, RemoteUnavailableException {
        FileStamp stamp = FileStamp.of(file);
        if (stamp.size() >= settings.multipartThreshold()) {
            return sendInParts(path, file, stamp, progress);
        }
        byte[] content = new byte[(int) stamp.size()];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            readFully(channel, ByteBuffer.wrap(content), 0, path);
        }
        stamp.verifyUnchanged(file, path);
        String md5 = md5(content, content.length);
        String key = settings.key(path);
        call(path, () -> client.putObject(r -> r.bucket(settings.bucket()).key(key).contentMD5(md5).contentLength((long) content.length),
                RequestBody.fromInputStream(new ByteArrayInputStream(content), content.length)));
        bytesSent.addAndGet(content.length);
        return new Sent("put " + content.length + " bytes, md5 " + md5, null);
    }

    private Sent sendInParts(String path, Path file, FileStamp stamp, Progress progress)
            throws IOException, RemoteUnavailableException {
        String key = settings.key(path);
        long partSize = settings.partSize();
        MultipartUploads.Upload upload = stored(path);
        Map<Integer, String> done = new TreeMap<>();
        if (upload != null && !(upload.version().equals(stamp.version()) && upload.partSize() == partSize && upload.key().equals(key))) {
            abort(upload);
            upload = null;
        }
        if (upload != null) {
            try {
                done.putAll(listParts(upload));
            } catch (NoSuchUploadException gone) {
                forget(path);
                upload = null;
            }
        }
        if (upload == null) {
            String id = call(path, () -> client.createMultipartUpload(r -> r.bucket(settings.bucket()).key(key)).uploadId());
            upload = new MultipartUploads.Upload(path, key, id, stamp.version(), partSize, System.currentTimeMillis());
            save(upload);
        }
        String uploadId = upload.uploadId();
        int parts = (int) Math.max(1, (stamp.size() + partSize - 1) / partSize);
        int resumed = done.size();
        byte[] buffer = new byte[(int) partSize];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int part = 1; part <= parts; part++) {
                if (done.containsKey(part)) {
                    continue;
                }
                if (progress.stopping()) {
                    throw new InterruptedIOException("stopped after " + done.size() + " of " + parts + " parts; resumes on restart");
                }
                long offset = (part - 1) * partSize;
                int length = (int) Math.min(partSize, stamp.size() - offset);
                readFully(channel, ByteBuffer.wrap(buffer, 0, length), offset, path);
                String md5 = md5(buffer, length);
                int number = part;
                String etag = call(path, () -> client.uploadPart(r -> r.bucket(settings.bucket()).key(key).uploadId(uploadId)
                        .partNumber(number).contentMD5(md5).contentLength((long) length),
                        RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, length), length)).eTag());
                bytesSent.addAndGet(length);
                done.put(part, etag);
                progress.sent(part, parts, length);
            }
        }
        try {
            stamp.verifyUnchanged(file, path);
        } catch (ChangedDuringUploadException changed) {
            abort(upload);
            throw changed;
        }
        List<CompletedPart> completed = new ArrayList<>();
        done.forEach((number, etag) -> completed.add(CompletedPart.builder().partNumber(number).eTag(etag).build()));
        call(path, () -> client.completeMultipartUpload(r -> r.bucket(settings.bucket()).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(completed))));
        forget(path);
        return new Sent("multipart " + stamp.size() + " bytes in " + parts + " parts"
                + (resumed > 0 ? ", resumed with " + resumed + " parts already on the server" : ""), null);
    }

    private Map<Integer, String> listParts(MultipartUploads.Upload upload) throws IOException, RemoteUnavailableException {
        Map<Integer, String> parts = new TreeMap<>();
        call(upload.path(), () -> {
            client.listPartsPaginator(r -> r.bucket(settings.bucket()).key(upload.key()).uploadId(upload.uploadId()))
                    .parts().forEach((Part part) -> parts.put(part.partNumber(), part.eTag()));
            return null;
        });
        return parts;
    }

    @Override
    public void delete(String path, boolean directory) throws IOException, RemoteUnavailableException {
        if (directory) {
            for (String key : keysBelow(path)) {
                call(path, () -> client.deleteObject(r -> r.bucket(settings.bucket()).key(key)));
            }
            return;
        }
        call(path, () -> client.deleteObject(r -> r.bucket(settings.bucket()).key(settings.key(path))));
    }

    @Override
    public boolean move(String from, String to, boolean directory) throws IOException, RemoteUnavailableException {
        if (directory) {
            String fromPrefix = settings.key(from) + "/";
            List<String> keys = keysBelow(from);
            for (String key : keys) {
                copyThenDelete(from, key, settings.key(to) + "/" + key.substring(fromPrefix.length()));
            }
            return !keys.isEmpty();
        }
        return copyThenDelete(from, settings.key(from), settings.key(to));
    }

    /** Returns false when there is nothing at the source key. */
    private boolean copyThenDelete(String path, String fromKey, String toKey) throws IOException, RemoteUnavailableException {
        try {
            client.copyObject(r -> r.sourceBucket(settings.bucket()).sourceKey(fromKey)
                    .destinationBucket(settings.bucket()).destinationKey(toKey));
        } catch (NoSuchKeyException missing) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e))) {
                return false;
            }
            throw rethrow(path, e);
        } catch (SdkException e) {
            throw rethrow(path, e);
        }
        call(path, () -> client.deleteObject(r -> r.bucket(settings.bucket()).key(fromKey)));
        return true;
    }

    private List<String> keysBelow(String path) throws IOException, RemoteUnavailableException {
        String prefix = settings.key(path) + "/";
        List<String> keys = new ArrayList<>();
        call(path, () -> {
            client.listObjectsV2Paginator(r -> r.bucket(settings.bucket()).prefix(prefix)).contents()
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
        call("", () -> {
            client.listMultipartUploadsPaginator(r -> r.bucket(settings.bucket()).prefix(settings.prefix()))
                    .uploads().forEach(open::add);
            return null;
        });
        for (MultipartUpload upload : open) {
            Instant initiated = upload.initiated();
            if (initiated != null && initiated.toEpochMilli() < cutoff) {
                call(upload.key(), () -> client.abortMultipartUpload(r -> r.bucket(settings.bucket()).key(upload.key())
                        .uploadId(upload.uploadId())));
                aborted++;
            }
        }
        try {
            for (MultipartUploads.Upload stale : uploads.startedBefore(cutoff)) {
                uploads.remove(stale.path());
            }
        } catch (SQLException e) {
            throw new RemoteUnavailableException("upload table not reachable: " + e.getMessage(), e);
        }
        return aborted;
    }

    private void abort(MultipartUploads.Upload upload) throws RemoteUnavailableException, IOException {
        try {
            client.abortMultipartUpload(r -> r.bucket(settings.bucket()).key(upload.key()).uploadId(upload.uploadId()));
        } catch (NoSuchUploadException gone) {
            // Already aborted or completed: nothing to clean up.
        } catch (SdkException e) {
            throw rethrow(upload.path(), e);
        }
        forget(upload.path());
    }

    private MultipartUploads.Upload stored(String path) throws IOException {
        try {
            return uploads.find(path).orElse(null);
        } catch (SQLException e) {
            throw new IOException("upload table not reachable: " + e.getMessage(), e);
        }
    }

    private void save(MultipartUploads.Upload upload) throws IOException {
        try {
            uploads.save(upload);
        } catch (SQLException e) {
            throw new IOException("upload table not reachable: " + e.getMessage(), e);
        }
    }

    private void forget(String path) throws IOException {
        try {
            uploads.remove(path);
        } catch (SQLException e) {
            throw new IOException("upload table not reachable: " + e.getMessage(), e);
        }
    }

    private <T> T call(String path, SdkCall<T> call) throws IOException, RemoteUnavailableException {
        try {
            return call.run();
        } catch (NoSuchUploadException | NoSuchKeyException e) {
            throw e;
        } catch (SdkException e) {
            throw rethrow(path, e);
        }
    }

    private RemoteUnavailableException rethrow(String path, SdkException e) throws IOException {
        Exception translated = translate(path, e);
        if (translated instanceof IOException io) {
            throw io;
        }
        return (RemoteUnavailableException) translated;
    }

    /**
     * Sorts S3's answers into the three kinds of {@link Remote}: the remote as a whole (unreachable, credentials,
     * bucket, server errors) pauses the queue; a refused key is bad input; a digest mismatch means the file changed.
     */
    Exception translate(String path, SdkException e) {
        if (e instanceof S3Exception s3) {
            String code = errorCode(s3);
            int status = s3.statusCode();
            if ("BadDigest".equals(code) || "InvalidDigest".equals(code)) {
                return new ChangedDuringUploadException(path + " changed while it was being uploaded (" + code + ")");
            }
            if ("NoSuchBucket".equals(code) || status == 404 && !"NoSuchKey".equals(code) && !"NoSuchUpload".equals(code)) {
                return new RemoteUnavailableException("bucket " + settings.bucket() + " does not exist", e);
            }
            if (status == 401 || status == 403) {
                return new RemoteUnavailableException("S3 refused the credentials for bucket " + settings.bucket() + " (" + code + ")", e);
            }
            if (status == 400 && code == null) {
                // s3proxy answers a Content-MD5 mismatch with a bare 400: retry this action, the queue goes on.
                return new IOException("S3 refused " + settings.key(path) + " (400 without a reason; e.g. a checksum mismatch)", e);
            }
            if (status >= 500 || status == 0) {
                return new RemoteUnavailableException("S3 failed (" + status + " " + code + ")", e);
            }
            throw new BadInputException(path, "S3 refused " + settings.key(path) + ": " + status + " " + code + " "
                    + (s3.awsErrorDetails() == null ? s3.getMessage() : s3.awsErrorDetails().errorMessage()));
        }
        if (e instanceof SdkClientException) {
            return new RemoteUnavailableException("cannot reach S3 at " + (settings.endpoint() == null ? settings.region() : settings.endpoint())
                    + ": " + e.getMessage(), e);
        }
        return new RemoteUnavailableException("S3: " + e.getMessage(), e);
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long offset, String path) throws IOException {
        long position = offset;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new ChangedDuringUploadException(path + " became shorter while it was being uploaded");
            }
            position += read;
        }
    }

    static String md5(byte[] bytes, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("MD5");
            digest.update(bytes, 0, length);
            return Base64.getEncoder().encodeToString(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
        client.close();
    }

    @FunctionalInterface
    private interface SdkCall<T> {
        T run();
    }

}
