package io.filesync.mirror;

import java.io.IOException;

/**
 * Re-throws the first failure of an upload's parallel lanes (S3 parts, SFTP sessions) from the thread that waited for
 * them, as the type it had, so the caller's retry and outage handling sees what a single-threaded upload would throw.
 */
final class LaneFailures {

    private LaneFailures() {
    }

    /**
     * Throws {@code failure} if it is a {@code remoteType}, an IOException or a RuntimeException; returns if it is
     * null (or of another type, which the lanes never record).
     */
    static <E extends Exception> void rethrow(Exception failure, Class<E> remoteType) throws E, IOException {
        if (remoteType.isInstance(failure)) {
            throw remoteType.cast(failure);
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
    }
}
