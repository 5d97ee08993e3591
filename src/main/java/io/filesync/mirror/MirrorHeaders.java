package io.filesync.mirror;

/** Headers the {@code filesync-mirror} producer sets on the exchanges it recorded. */
public final class MirrorHeaders {

    /** What was recorded: send, delete, move, or ignored (String). */
    public static final String RECORDED = "FilesyncMirrorRecorded";

    /** The path relative to the mapping's root that the action is about (String). */
    public static final String PATH = "FilesyncMirrorPath";

    private MirrorHeaders() {
    }
}
