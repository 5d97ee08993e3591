package io.filesync.output;

/** Headers the {@code filesync-writer} producer reads and sets. */
public final class WriterHeaders {

    /** In: the operation, create, append, overwrite or delete; with {@link #PATH}, the body is the content (String). */
    public static final String OPERATION = "FilesyncWriterOperation";

    /** In: the path relative to the output root; without these two headers the body is a JSON command (String). */
    public static final String PATH = "FilesyncWriterPath";

    /** Out: the absolute path of the file written or deleted (String). */
    public static final String WRITTEN_FILE = "FilesyncWriterWrittenFile";

    /** Out: how many bytes were written, 0 for delete (Long). */
    public static final String WRITTEN_BYTES = "FilesyncWriterWrittenBytes";

    /** Out: for delete, whether a file was there to delete (Boolean). */
    public static final String DELETED = "FilesyncWriterDeleted";

    private WriterHeaders() {
    }
}
