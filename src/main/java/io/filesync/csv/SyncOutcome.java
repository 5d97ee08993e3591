package io.filesync.csv;

/** What {@link CsvTables} did for a file; returned to the route, which may log or route on it. */
public enum SyncOutcome {
    /** The file's content was loaded and swapped in. */
    LOADED,
    /** The table already holds this content: nothing was written. */
    UNCHANGED,
    /** The content was already loaded under another path: the table was renamed, not reloaded. */
    RENAMED,
    /** The file is gone and so is its table. */
    DROPPED,
    /** Dry run: the file is gone, its table was kept and a "would drop table" recorded. */
    WOULD_DROP,
    /** Nothing to do: the file still exists, or no table was loaded from it. */
    IGNORED
}
