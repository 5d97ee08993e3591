package io.filesync.mirror;

import java.util.function.Supplier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one large file to S3 as a resumable multipart upload, several parts at once.
 * <ul>
 * <li>Parts are read from the file into buffers of {@link PartBuffers}, so memory is bounded by the remote's budget
 * whatever the file size, and sent in parallel from them.</li>
 * <li>Each part carries the CRC32C of its bytes, which the server verifies; the upload is created with CRC32C, so the
 * completed object carries the composite checksum too.</li>
 * <li>The upload id is kept in {@link MultipartUploads}, and each confirmed part with its ETag and checksum: after a
 * crash or stop, a part counts as done when the server still lists it with that ETag, and only the others are sent.
 * A stop waits for the parts in flight, so what was sent is recorded. A server without ListParts cannot say which
 * parts it holds: the upload then starts over.</li>
 * <li>The file's stamp is checked before completing, so a file changed mid-upload is never published.</li>
 * </ul>
 */
final class S3MultipartUpload {

    private static final Logger LOG = LoggerFactory.getLogger(S3MultipartUpload.class);

    private final Supplier<S3Client> client;
    private final S3Settings settings;
    private final S3Errors errors;
    private final MultipartUploads uploads;
    private final PartBuffers buffers;
    private final ExecutorService partSenders;
    private final AtomicLong bytesSent;

    S3MultipartUpload(Supplier<S3Client> client, S3Settings settings, S3Errors errors, MultipartUploads uploads, PartBuffers buffers,
                      ExecutorService partSenders, AtomicLong bytesSent) {
        this.client = client;
        this.settings = settings;
        this.errors = errors;
        this.uploads = uploads;
        this.buffers = buffers;
        this.partSenders = partSenders;
        this.bytesSent = bytesSent;
    }

    Remote.Sent send(String path, Path file, FileStamp stamp, Remote.Progress progress) throws IOException, RemoteUnavailableException {
        String key = settings.key(path);
        long partSize = settings.partSize();
        MultipartUploads.Upload upload = UploadTables.call(() -> uploads.find(path).orElse(null));
        Map<Integer, MultipartUploads.Part> done = new TreeMap<>();
        String startedOver = "";
        if (upload != null && !(upload.version().equals(stamp.version()) && upload.partSize() == partSize && upload.key().equals(key))) {
            abort(upload);
            upload = null;
        }
        if (upload != null) {
            try {
                done.putAll(confirmedParts(upload));
            } catch (NoSuchUploadException gone) {
                UploadTables.run(() -> uploads.remove(path));
                upload = null;
            } catch (UnsupportedByServerException cannotList) {
                // Without ListParts nothing says which recorded parts the server still holds: a fresh upload is
                // certain to complete, and the old one is aborted where the server allows it.
                abort(upload);
                upload = null;
                startedOver = ", started over: the server cannot list the parts of an unfinished upload ("
                        + cannotList.getMessage() + ")";
            }
        }
        if (upload == null) {
            String id = errors.call(path, () -> client.get().createMultipartUpload(r -> r.bucket(settings.bucket()).key(key)
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32_C)).uploadId());
            MultipartUploads.Upload created = new MultipartUploads.Upload(path, key, id, stamp.version(), partSize, System.currentTimeMillis());
            UploadTables.run(() -> uploads.save(created));
            upload = created;
        }
        int parts = (int) Math.max(1, (stamp.size() + partSize - 1) / partSize);
        int resumed = done.size();
        sendMissingParts(upload, file, stamp, parts, done, progress);
        try {
            stamp.verifyUnchanged(file, path);
        } catch (ChangedDuringUploadException changed) {
            abort(upload);
            throw changed;
        }
        List<CompletedPart> completed = new ArrayList<>();
        done.values().forEach(part -> completed.add(CompletedPart.builder().partNumber(part.number()).eTag(part.etag())
                .checksumCRC32C(part.crc32c()).build()));
        String uploadId = upload.uploadId();
        String checksum = errors.call(path, () -> client.get().completeMultipartUpload(r -> r.bucket(settings.bucket()).key(key)
                .uploadId(uploadId).multipartUpload(m -> m.parts(completed))).checksumCRC32C());
        UploadTables.run(() -> uploads.remove(path));
        return new Remote.Sent("multipart " + stamp.size() + " bytes in " + parts + " parts, crc32c " + checksum
                + (resumed > 0 ? ", resumed with " + resumed + " parts already on the server" : "") + startedOver,
                checksum == null ? null : "crc32c:" + checksum);
    }

    /**
     * Reads the missing parts in order and sends them in parallel, as many at once as there are buffers. On a failure
     * or a stop no new part starts; the parts in flight finish and are recorded before this returns.
     */
    private void sendMissingParts(MultipartUploads.Upload upload, Path file, FileStamp stamp, int parts,
                                  Map<Integer, MultipartUploads.Part> done, Remote.Progress progress)
            throws IOException, RemoteUnavailableException {
        List<Future<MultipartUploads.Part>> inFlight = new ArrayList<>();
        Exception failure = null;
        boolean stopped = false;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int number = 1; number <= parts && failure == null; number++) {
                if (done.containsKey(number)) {
                    continue;
                }
                if (progress.stopping()) {
                    stopped = true;
                    break;
                }
                failure = collectFinished(inFlight, done, false);
                if (failure != null) {
                    break;
                }
                long offset = offsetOf(number, settings.partSize());
                int length = (int) Math.min(settings.partSize(), stamp.size() - offset);
                byte[] buffer = buffers.take();
                try {
                    readFully(channel, ByteBuffer.wrap(buffer, 0, length), offset, upload.path());
                } catch (IOException e) {
                    buffers.give(buffer);
                    throw e;
                }
                int part = number;
                inFlight.add(partSenders.submit(() -> sendPart(upload, part, parts, buffer, length, progress)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        } catch (IOException e) {
            failure = e;
        }
        Exception last = collectFinished(inFlight, done, true);
        failure = failure != null ? failure : last;
        LaneFailures.rethrow(failure, RemoteUnavailableException.class);
        if (stopped) {
            throw new InterruptedIOException("stopped after " + done.size() + " of " + parts + " parts; resumes on restart");
        }
    }

    private MultipartUploads.Part sendPart(MultipartUploads.Upload upload, int number, int parts, byte[] buffer, int length,
                                           Remote.Progress progress) throws IOException, RemoteUnavailableException {
        try {
            String crc32c = Checksums.crc32c(buffer, length);
            String etag = errors.call(upload.path(), () -> client.get().uploadPart(r -> r.bucket(settings.bucket()).key(upload.key())
                            .uploadId(upload.uploadId()).partNumber(number).checksumCRC32C(crc32c).contentLength((long) length),
                    // Streamed from the part buffer itself: the SDK's byte-array bodies would copy every part.
                    RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length,
                            "application/octet-stream")).eTag());
            bytesSent.addAndGet(length);
            MultipartUploads.Part part = new MultipartUploads.Part(number, etag, crc32c);
            UploadTables.run(() -> uploads.savePart(upload.uploadId(), part));
            progress.sent(number, parts, length);
            return part;
        } finally {
            buffers.give(buffer);
        }
    }

    /** Moves finished parts into {@code done}; returns the first failure. With {@code all}, waits for every part. */
    private static Exception collectFinished(List<Future<MultipartUploads.Part>> inFlight, Map<Integer, MultipartUploads.Part> done,
                                             boolean all) {
        Exception failure = null;
        for (var iterator = inFlight.iterator(); iterator.hasNext(); ) {
            Future<MultipartUploads.Part> next = iterator.next();
            if (!all && !next.isDone()) {
                continue;
            }
            iterator.remove();
            try {
                MultipartUploads.Part part = next.get();
                done.put(part.number(), part);
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof Exception cause ? cause : new IOException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : new InterruptedIOException("interrupted while waiting for parts");
            }
        }
        return failure;
    }

    /** Parts the server lists with the ETag recorded when it confirmed them. */
    private Map<Integer, MultipartUploads.Part> confirmedParts(MultipartUploads.Upload upload) throws IOException, RemoteUnavailableException {
        Map<Integer, MultipartUploads.Part> recorded = UploadTables.call(() -> uploads.parts(upload.uploadId()));
        Map<Integer, MultipartUploads.Part> confirmed = new TreeMap<>();
        errors.call(upload.path(), () -> {
            client.get().listPartsPaginator(r -> r.bucket(settings.bucket()).key(upload.key()).uploadId(upload.uploadId()))
                    .parts().forEach(listed -> {
                        MultipartUploads.Part mine = recorded.get(listed.partNumber());
                        if (mine != null && mine.etag().equals(listed.eTag())) {
                            confirmed.put(mine.number(), mine);
                        }
                    });
            return null;
        });
        return confirmed;
    }

    /**
     * Aborts an upload and forgets it. A server without AbortMultipartUpload keeps the parts until it discards them
     * itself: the upload is forgotten all the same, since nothing filesync could do would remove them.
     */
    void abort(MultipartUploads.Upload upload) throws RemoteUnavailableException, IOException {
        try {
            client.get().abortMultipartUpload(r -> r.bucket(settings.bucket()).key(upload.key()).uploadId(upload.uploadId()));
        } catch (NoSuchUploadException gone) {
            // Already aborted or completed: nothing to clean up.
        } catch (SdkException e) {
            try {
                throw errors.rethrow(upload.path(), e);
            } catch (UnsupportedByServerException cannotAbort) {
                LOG.info("{}: the S3 server cannot abort upload {} ({}); its parts stay until the server discards them",
                        upload.path(), upload.uploadId(), cannotAbort.getMessage());
            }
        }
        UploadTables.run(() -> uploads.remove(upload.path()));
    }

    static void readFully(FileChannel channel, ByteBuffer buffer, long offset, String path) throws IOException {
        long position = offset;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new ChangedDuringUploadException(path + " became shorter while it was being uploaded");
            }
            position += read;
        }
    }


    /** Where part {@code number} (from 1) starts in the file: in long arithmetic, files beyond 2 GiB have parts there. */
    static long offsetOf(int number, int partSize) {
        return (long) (number - 1) * partSize;
    }
}
