package io.filesync.mirror;

/**
 * The remote as a whole cannot be used right now: unreachable, refusing the credentials, or missing its bucket or
 * base folder. The executor pauses the whole queue with backoff instead of failing actions one by one; nothing is
 * dropped, and the queue drains by itself once the remote answers again.
 */
public class RemoteUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public RemoteUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
