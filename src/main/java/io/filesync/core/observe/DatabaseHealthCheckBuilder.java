package io.filesync.core.observe;

import java.util.Objects;

import javax.sql.DataSource;

/**
 * Builds a {@link DatabaseHealthCheck} by named properties, for YAML beans:
 * {@code builderClass: io.filesync.core.observe.DatabaseHealthCheckBuilder} with {@code dataSource: "#bean:..."}.
 */
public final class DatabaseHealthCheckBuilder {

    private DataSource dataSource;

    /** The database whose readiness is checked; required. */
    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DatabaseHealthCheck build() {
        return new DatabaseHealthCheck(Objects.requireNonNull(dataSource, "DatabaseHealthCheck needs its dataSource property"));
    }
}
