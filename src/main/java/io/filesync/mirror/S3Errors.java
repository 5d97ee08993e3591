package io.filesync.mirror;

import java.io.IOException;
import java.util.Set;

import io.filesync.core.error.BadInputException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Sorts S3's answers into the kinds of {@link Remote} failure, in this one place: the remote as a whole (unreachable,
 * credentials, bucket, server errors) pauses the queue; a checksum mismatch means the file changed under the read; a
 * call the server does not offer is {@link UnsupportedByServerException}, for the caller to take another way; only
 * what no retry can cure (access to the key denied, a key the server will never accept) is kept as failed, as
 * {@link BadInputException}. Everything else (timeouts, throttling, conflicts, refused parts) is retried with the
 * action's backoff.
 */
final class S3Errors {

    /** Codes of a refusal that concerns the credentials, so every action: the queue pauses until they are fixed. */
    private static final Set<String> CREDENTIALS = Set.of("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
            "InvalidToken", "TokenRefreshRequired", "RequestTimeTooSkewed", "AuthorizationHeaderMalformed",
            "InvalidSecurity", "AccountProblem");
    /** Codes that say this key can never be written or read as it is: retrying cannot help. */
    private static final Set<String> PERMANENT = Set.of("AccessDenied", "KeyTooLongError", "InvalidObjectName",
            "XMinioInvalidObjectName", "InvalidURI", "AllAccessDisabled");

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
            String answer = status + (code == null ? "" : " " + code);
            if ("BadDigest".equals(code) || "InvalidDigest".equals(code) || "XAmzContentChecksumMismatch".equals(code)) {
                return new ChangedDuringUploadException(path + " changed while it was being uploaded (" + code + ")");
            }
            if ("NoSuchBucket".equals(code) || status == 404 && !"NoSuchKey".equals(code) && !"NoSuchUpload".equals(code)) {
                return new RemoteUnavailableException("bucket " + settings.bucket() + " does not exist", e);
            }
            if (status == 401 || status == 403 && (code == null || CREDENTIALS.contains(code))) {
                return new RemoteUnavailableException("S3 refused the credentials for bucket " + settings.bucket() + " (" + code + ")", e);
            }
            if (status == 405 || status == 501 || "NotImplemented".equals(code) || "MethodNotAllowed".equals(code)) {
                return new UnsupportedByServerException("the S3 server does not offer this call (" + answer + ")", e);
            }
            if (status >= 500 || status == 0) {
                return new RemoteUnavailableException("S3 failed (" + answer + ")", e);
            }
            if (status == 403 || code != null && PERMANENT.contains(code)) {
                throw new BadInputException(path, "S3 refused " + settings.key(path) + " for good: " + answer + " "
                        + (s3.awsErrorDetails() == null ? s3.getMessage() : s3.awsErrorDetails().errorMessage()));
            }
            // s3proxy answers some checksum mismatches with a bare 400; timeouts, throttling and conflicts pass.
            return new IOException("S3 refused " + settings.key(path) + " (" + answer + "): retried", e);
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
