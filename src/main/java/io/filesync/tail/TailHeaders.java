package io.filesync.tail;

import org.apache.camel.spi.Metadata;

/** Headers of the exchanges the {@code filesync-tail:} consumer emits; the body is a {@link TailBatch}. */
public final class TailHeaders {

    @Metadata(description = "Path of the tailed file relative to the tailed folder.", javaType = "String")
    public static final String FILE = "FilesyncTailFile";

    @Metadata(description = "Line number of the first line of the batch, 1-based.", javaType = "Long")
    public static final String FIRST_LINE = "FilesyncTailFirstLine";

    @Metadata(description = "How many lines the batch holds, bad ones included.", javaType = "Integer")
    public static final String LINE_COUNT = "FilesyncTailLineCount";

    @Metadata(description = "Byte offset of the batch's first line.", javaType = "Long")
    public static final String OFFSET = "FilesyncTailOffset";

    private TailHeaders() {
    }
}
