package io.filesync.csv;

import io.filesync.core.observe.FilesyncMetrics;

/** One CSV folder's meters, tagged {@code source} (its key) and {@code table}: files loaded and rows written. */
class CsvMeters {

    /** Where no CamelContext is known (plain use in tests): nothing is counted. */
    static final CsvMeters NONE = new CsvMeters(null, null);

    private final FilesyncMetrics metrics;
    private final String source;

    CsvMeters(FilesyncMetrics metrics, String source) {
        this.metrics = metrics;
        this.source = source;
    }

    /** A file's content was loaded and swapped in as the table. */
    void loaded(String table, long rows) {
        if (metrics == null) {
            return;
        }
        metrics.counter("csv", "files.loaded", "source", source, "table", table).increment();
        metrics.counter("csv", "rows.written", "source", source, "table", table).increment(rows);
    }
}
