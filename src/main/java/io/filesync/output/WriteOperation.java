package io.filesync.output;

import java.util.Locale;

import io.filesync.core.error.BadInputException;

/** What the sandboxed writer does with a path. Names are part of the command JSON and of the operation header. */
public enum WriteOperation {
    /** Writes a new file; refuses if the path exists. */
    CREATE,
    /** Appends to the file, creating it if missing. */
    APPEND,
    /** Replaces the whole file atomically: a temporary file in the same folder, then a rename. */
    OVERWRITE,
    /** Deletes the file; a missing file is not an error. */
    DELETE;

    /** Parses an operation name in any case; a bad one is bad input, named with the path it was meant for. */
    public static WriteOperation parse(String name, String path) {
        if (name == null || name.isBlank()) {
            throw new BadInputException(path, "no operation given: expected one of create, append, overwrite, delete");
        }
        try {
            return valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(path, "unknown operation '" + name + "': expected one of create, append, overwrite, delete");
        }
    }
}
