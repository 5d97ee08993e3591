package io.filesync.tail;

/** Headers of the exchanges the {@code filesync-tail:} consumer emits; the body is a {@link TailBatch}. */
public final class TailHeaders {

    /** Path of the tailed file relative to the tailed folder (String). */
    public static final String FILE = "FilesyncTailFile";

    /** Line number of the first line of the batch, 1-based (Long). */
    public static final String FIRST_LINE = "FilesyncTailFirstLine";

    /** How many lines the batch holds, bad ones included (Integer). */
    public static final String LINE_COUNT = "FilesyncTailLineCount";

    /** Byte offset of the batch's first line (Long). */
    public static final String OFFSET = "FilesyncTailOffset";

    private TailHeaders() {
    }
}
