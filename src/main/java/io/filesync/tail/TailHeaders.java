package io.filesync.tail;

import org.apache.camel.spi.Metadata;

/**
 * Headers of the exchanges the {@code filesync-tail:} consumer emits. The body is the batch's lines, a
 * {@code List<TailLine>} of plain records; the headers say where they come from and where reading got to.
 */
public final class TailHeaders {

    @Metadata(description = "Path of the tailed file relative to the tailed folder.", javaType = "String")
    public static final String FILE = "FilesyncTailFile";

    @Metadata(description = "Line number of the first line of the batch, 1-based.", javaType = "Long")
    public static final String FIRST_LINE = "FilesyncTailFirstLine";

    @Metadata(description = "Line number of the last line of the batch, 1-based.", javaType = "Long")
    public static final String LAST_LINE = "FilesyncTailLastLine";

    @Metadata(description = "How many lines the batch holds, bad ones included.", javaType = "Integer")
    public static final String LINE_COUNT = "FilesyncTailLineCount";

    @Metadata(description = "Byte offset of the batch's first line.", javaType = "Long")
    public static final String OFFSET = "FilesyncTailOffset";

    @Metadata(description = "Byte offset just after the batch's last line: where reading goes on.", javaType = "Long")
    public static final String END_OFFSET = "FilesyncTailEndOffset";

    @Metadata(description = "The stateKey of the source that read the batch.", javaType = "String")
    public static final String STATE_KEY = "FilesyncTailStateKey";

    @Metadata(description = "The read position after the batch, an immutable value. A sink that stores it with the"
            + " lines in one transaction (through the source's offsets, found by the state key) makes the flow exactly"
            + " once; otherwise the source stores it when the exchange completed.", javaType = "io.filesync.tail.TailPosition")
    public static final String POSITION = "FilesyncTailPosition";

    private TailHeaders() {
    }
}
