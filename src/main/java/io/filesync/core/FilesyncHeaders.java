package io.filesync.core;

/**
 * Message headers shared by every job. Capability-specific headers live in each capability's own constants class.
 */
public final class FilesyncHeaders {

    /** The file or path the current input came from, as reported in error records (String). */
    public static final String SOURCE = "FilesyncSource";

    /** 1-based line number within {@link #SOURCE} that the current input or failure refers to (Long). */
    public static final String LINE = "FilesyncLine";

    /** Byte offset within {@link #SOURCE} that the current input or failure refers to (Long). */
    public static final String OFFSET = "FilesyncOffset";

    /** The offending input itself, such as a rejected line, kept with an error record (String). */
    public static final String CONTENT = "FilesyncContent";

    private FilesyncHeaders() {
    }
}
