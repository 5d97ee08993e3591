package io.filesync.watch;

import org.apache.camel.spi.Metadata;

/** Headers of the exchanges the {@code filesync-watch} consumer emits, one per {@link ChangeEvent} (the body). */
public final class WatchHeaders {

    @Metadata(description = "The change type, a ChangeType name such as FILE_CREATED.", javaType = "String")
    public static final String EVENT_TYPE = "FilesyncWatchEventType";

    @Metadata(description = "Path relative to the watched root, '/'-separated, \"\" for the root itself.", javaType = "String")
    public static final String PATH = "FilesyncWatchPath";

    @Metadata(description = "Absolute path of the changed file or folder.", javaType = "String")
    public static final String ABSOLUTE_PATH = "FilesyncWatchAbsolutePath";

    @Metadata(description = "Exact file: URI, percent-encoded from the raw name bytes, safe for names that are not UTF-8.", javaType = "String")
    public static final String URI = "FilesyncWatchUri";

    @Metadata(description = "For moves, the relative path before the move; absent otherwise.", javaType = "String")
    public static final String PREVIOUS_PATH = "FilesyncWatchPreviousPath";

    @Metadata(description = "Whether the path is a directory.", javaType = "Boolean")
    public static final String DIRECTORY = "FilesyncWatchDirectory";

    @Metadata(description = "When the change was detected, Unix time in milliseconds.", javaType = "Long")
    public static final String TIMESTAMP = "FilesyncWatchTimestamp";

    @Metadata(description = "For files, the size in bytes; absent for directories.", javaType = "Long")
    public static final String SIZE = "FilesyncWatchSize";

    @Metadata(description = "The watched target as configured, absolute.", javaType = "String")
    public static final String TARGET = "FilesyncWatchTarget";

    private WatchHeaders() {
    }
}
