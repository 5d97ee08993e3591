package io.filesync.mirror;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a mapping mirrors to: an S3 bucket and prefix, or an SFTP server and folder. Paths given to a remote are
 * relative to the mapping's root, '/'-separated; the remote adds its base.
 * <p>
 * Failures are reported in three kinds: {@link RemoteUnavailableException} (the whole remote: the executor pauses),
 * {@link io.filesync.core.error.BadInputException} (this action can never succeed: it is kept as failed), and any
 * other {@link IOException} (this action failed and is retried later while the rest of the queue moves).
 */
public interface Remote extends AutoCloseable {

    /** Told about the parts of a large upload as they go, and asked whether to stop between parts. */
    interface Progress {
        void sent(int part, int parts, long bytes);

        boolean stopping();

        Progress NONE = new Progress() {
            @Override
            public void sent(int part, int parts, long bytes) {
            }

            @Override
            public boolean stopping() {
                return false;
            }
        };
    }

    /**
     * What an upload put on the remote.
     *
     * @param detail   a short description (size, parts, checksum) for the audit row
     * @param checksum the checksum the remote verified, as {@code algorithm:value}, or null where the protocol has
     *                 none; recorded with the version in the mirror's state
     */
    record Sent(String detail, String checksum) {
    }

    /**
     * Uploads the file's current content so that readers of the remote never see a partial or mixed object.
     *
     * @throws ChangedDuringUploadException when the file changed while it was read; nothing was published
     */
    Sent send(String path, Path file, Progress progress) throws IOException, RemoteUnavailableException;

    /** Deletes the remote file, or everything below the remote folder; a missing one is not an error. */
    void delete(String path, boolean directory) throws IOException, RemoteUnavailableException;

    /**
     * Renames on the remote, without sending content again.
     *
     * @return false when the remote has nothing at {@code from} (it was never sent): the caller sends instead
     */
    boolean move(String from, String to, boolean directory) throws IOException, RemoteUnavailableException;

    /** Told about each file found on the remote. */
    @FunctionalInterface
    interface FileVisitor {
        void visit(String path) throws IOException;
    }

    /**
     * Visits every file below the remote base (the bucket's prefix, the server's folder), as paths relative to it, as
     * the listing arrives page by page: a remote of millions of files is never held in memory. Files of unfinished
     * uploads are left out.
     */
    default void listFiles(FileVisitor visitor) throws IOException, RemoteUnavailableException {
        throw new UnsupportedOperationException(describe() + " cannot list its files");
    }

    /** How many actions this remote can run at once; calls beyond one must then be thread-safe. */
    default int maxConcurrency() {
        return 1;
    }

    /** Discards uploads left unfinished longer than the remote's configured age; returns how many. */
    default int abortAbandonedUploads() throws IOException, RemoteUnavailableException {
        return 0;
    }

    /**
     * Asks the remote whether it answers now (a round trip, no data), for the mapping's readiness check.
     *
     * @throws RemoteUnavailableException when it does not, with the reason an operator should read
     */
    default void probe() throws IOException, RemoteUnavailableException {
    }

    /** Bytes of content sent since this remote was created, for the mapping's metrics. */
    default long bytesSent() {
        return 0;
    }

    /** Where this remote points, for logs: never includes a secret. */
    String describe();

    @Override
    void close();
}
