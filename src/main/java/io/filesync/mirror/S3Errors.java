package io.filesync.mirror;

import java.io.IOException;

import io.filesync.core.error.BadInputException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Sorts S3's answers into the three kinds of {@link Remote} failure: the remote as a whole (unreachable, credentials,
 * bucket, server errors) pauses the queue; a refused key is bad input; a checksum mismatch means the file changed
 * under the read.
 */
final class S3Errors {

    /** One call to the SDK. */
    @FunctionalInterface
    interface SdkCall<T> {
        T run();
    }

    private final S3Settings settings;

    S3Errors(S3Settings settings) {
        this.settings = settings;
    }

    /** Runs a call; NoSuchUpload and NoSuchKey go through as they are, for the caller to decide. */
    <T> T call(String path, SdkCall<T> call) throws IOException, RemoteUnavailableException {
        try {
            return call.run();
        } catch (NoSuchUploadException | NoSuchKeyException e) {
            throw e;
        } catch (SdkException e) {
            throw rethrow(path, e);
        }
    }

    /** Throws the IOException kinds; returns the RemoteUnavailableException for the caller to throw. */
    RemoteUnavailableException rethrow(String path, SdkException e) throws IOException {
        Exception translated = translate(path, e);
        if (translated instanceof IOException io) {
            throw io;
        }
        return (RemoteUnavailableException) translated;
    }

    Exception translate(String path, SdkException e) {
        if (e instanceof S3Exception s3) {
            String code = code(s3);
            int status = s3.statusCode();
            if ("BadDigest".equals(code) || "InvalidDigest".equals(code) || "XAmzContentChecksumMismatch".equals(code)) {
                return new ChangedDuringUploadException(path + " changed while it was being uploaded (" + code + ")");
            }
            if ("NoSuchBucket".equals(code) || status == 404 && !"NoSuchKey".equals(code) && !"NoSuchUpload".equals(code)) {
                return new RemoteUnavailableException("bucket " + settings.bucket() + " does not exist", e);
            }
            if (status == 401 || status == 403) {
                return new RemoteUnavailableException("S3 refused the credentials for bucket " + settings.bucket() + " (" + code + ")", e);
            }
            if (status == 400 && code == null) {
                // s3proxy answers some checksum mismatches with a bare 400: retry this action, the queue goes on.
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

    static String code(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }
}
