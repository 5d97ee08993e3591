package io.filesync.core.error;

import java.util.Objects;

import javax.sql.DataSource;

/**
 * Builds an {@link ErrorRecorder} by named properties, for YAML beans:
 * {@code builderClass: io.filesync.core.error.ErrorRecorderBuilder} with {@code dataSource: "#bean:..."}.
 */
public final class ErrorRecorderBuilder {

    private DataSource dataSource;

    /** The database whose table filesync_errors keeps the records; required. */
    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public ErrorRecorder build() {
        return new ErrorRecorder(Objects.requireNonNull(dataSource, "ErrorRecorder needs its dataSource property"));
    }
}
