package io.filesync.mirror;

import org.apache.camel.spi.Metadata;

/** Headers the {@code filesync-mirror} producer sets on the exchanges it recorded. */
public final class MirrorHeaders {

    @Metadata(description = "What was recorded: send, delete, move, or ignored.", javaType = "String")
    public static final String RECORDED = "FilesyncMirrorRecorded";

    @Metadata(description = "The path relative to the mapping's root that the action is about.", javaType = "String")
    public static final String PATH = "FilesyncMirrorPath";

    private MirrorHeaders() {
    }
}
