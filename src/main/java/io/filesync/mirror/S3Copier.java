package io.filesync.mirror;

import java.util.function.Supplier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Moves an S3 object by a server-side copy then a delete of the source: never a second upload. S3 copies at most
 * 5 GiB in one request, so an object above the copy threshold is copied as a multipart upload whose parts are ranges
 * of the source (UploadPartCopy), or in one request where the server lacks UploadPartCopy and the object is within
 * that limit; a failed multipart copy is aborted, and the source stays until the copy completed.
 */
final class S3Copier {

    private final Supplier<S3Client> client;
    private final S3Settings settings;
    private final S3Errors errors;

    S3Copier(Supplier<S3Client> client, S3Settings settings, S3Errors errors) {
        this.client = client;
        this.settings = settings;
        this.errors = errors;
    }

    /** Copies then deletes the source; returns false when there is nothing at the source key. */
    boolean move(String path, String fromKey, String toKey) throws IOException, RemoteUnavailableException {
        long size;
        try {
            size = client.get().headObject(r -> r.bucket(settings.bucket()).key(fromKey)).contentLength();
        } catch (NoSuchKeyException missing) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !"NoSuchBucket".equals(S3Errors.code(e))) {
                return false;
            }
            throw errors.rethrow(path, e);
        } catch (SdkException e) {
            throw errors.rethrow(path, e);
        }
        boolean copied = false;
        if (size > settings.copyThreshold()) {
            try {
                copyInParts(path, fromKey, toKey, size);
                copied = true;
            } catch (UnsupportedByServerException noPartCopy) {
                // Some S3-compatible servers lack UploadPartCopy; up to S3's limit one request copies it all.
                if (size > S3Settings.MAX_COPY_SIZE) {
                    throw noPartCopy;
                }
            }
        }
        if (!copied) {
            errors.call(path, () -> client.get().copyObject(r -> r.sourceBucket(settings.bucket()).sourceKey(fromKey)
                    .destinationBucket(settings.bucket()).destinationKey(toKey)));
        }
        errors.call(path, () -> client.get().deleteObject(r -> r.bucket(settings.bucket()).key(fromKey)));
        return true;
    }

    private void copyInParts(String path, String fromKey, String toKey, long size) throws IOException, RemoteUnavailableException {
        String uploadId = errors.call(path, () -> client.get().createMultipartUpload(r -> r.bucket(settings.bucket()).key(toKey)).uploadId());
        try {
            long partSize = settings.copyPartSize();
            List<CompletedPart> parts = new ArrayList<>();
            for (long first = 0; first < size; first += partSize) {
                int number = parts.size() + 1;
                String range = "bytes=" + first + "-" + (Math.min(first + partSize, size) - 1);
                String etag = errors.call(path, () -> client.get().uploadPartCopy(r -> r.sourceBucket(settings.bucket()).sourceKey(fromKey)
                        .destinationBucket(settings.bucket()).destinationKey(toKey).uploadId(uploadId).partNumber(number)
                        .copySourceRange(range)).copyPartResult().eTag());
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            errors.call(path, () -> client.get().completeMultipartUpload(r -> r.bucket(settings.bucket()).key(toKey).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts))));
        } catch (IOException | RemoteUnavailableException | RuntimeException e) {
            try {
                client.get().abortMultipartUpload(r -> r.bucket(settings.bucket()).key(toKey).uploadId(uploadId));
            } catch (SdkException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
    }
}
