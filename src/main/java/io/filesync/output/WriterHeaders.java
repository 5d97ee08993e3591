package io.filesync.output;

import org.apache.camel.spi.Metadata;

/** Headers the {@code filesync-writer} producer reads and sets. */
public final class WriterHeaders {

    @Metadata(description = "In: the operation, create, append, overwrite or delete; with PATH, the body is the content.", javaType = "String")
    public static final String OPERATION = "FilesyncWriterOperation";

    @Metadata(description = "In: the path relative to the output root; without these two headers the body is a JSON command.", javaType = "String")
    public static final String PATH = "FilesyncWriterPath";

    @Metadata(description = "Out: the absolute path of the file written or deleted.", javaType = "String")
    public static final String WRITTEN_FILE = "FilesyncWriterWrittenFile";

    @Metadata(description = "Out: how many bytes were written, 0 for delete.", javaType = "Long")
    public static final String WRITTEN_BYTES = "FilesyncWriterWrittenBytes";

    @Metadata(description = "Out: for delete, whether a file was there to delete.", javaType = "Boolean")
    public static final String DELETED = "FilesyncWriterDeleted";

    private WriterHeaders() {
    }
}
