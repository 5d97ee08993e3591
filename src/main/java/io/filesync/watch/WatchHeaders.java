package io.filesync.watch;

/** Headers of the exchanges the {@code filesync-watch} consumer emits, one per {@link ChangeEvent} (the body). */
public final class WatchHeaders {

    /** The change type, a {@link ChangeType} name such as {@code FILE_CREATED} (String). */
    public static final String EVENT_TYPE = "FilesyncWatchEventType";

    /** Path relative to the watched root, '/'-separated, {@code ""} for the root itself (String). */
    public static final String PATH = "FilesyncWatchPath";

    /** Absolute path of the changed file or folder (String). */
    public static final String ABSOLUTE_PATH = "FilesyncWatchAbsolutePath";

    /** Exact {@code file:} URI, percent-encoded from the raw name bytes, safe for names that are not UTF-8 (String). */
    public static final String URI = "FilesyncWatchUri";

    /** For moves, the relative path before the move; absent otherwise (String). */
    public static final String PREVIOUS_PATH = "FilesyncWatchPreviousPath";

    /** Whether the path is a directory (Boolean). */
    public static final String DIRECTORY = "FilesyncWatchDirectory";

    /** When the change was detected, Unix time in milliseconds (Long). */
    public static final String TIMESTAMP = "FilesyncWatchTimestamp";

    /** For files, the size in bytes; absent for directories (Long). */
    public static final String SIZE = "FilesyncWatchSize";

    /** The watched target as configured, absolute (String). */
    public static final String TARGET = "FilesyncWatchTarget";

    private WatchHeaders() {
    }
}
