package io.filesync.mirror;

import java.io.IOException;

/**
 * The server does not offer a call (405 Method Not Allowed, 501 Not Implemented), as some S3-compatible servers lack
 * ListParts, AbortMultipartUpload or ListMultipartUploads. The caller takes another way where there is one (a
 * multipart upload that cannot be resumed starts over); otherwise the action is retried with backoff like any failure.
 */
class UnsupportedByServerException extends IOException {

    private static final long serialVersionUID = 1L;

    UnsupportedByServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
