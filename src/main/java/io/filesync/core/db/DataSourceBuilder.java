package io.filesync.core.db;

import com.zaxxer.hikari.HikariDataSource;

/**
 * Builds the shared pool from named settings (the routes' beans file gives them by name). The URL is checked as it
 * is set, not in {@link #build()}: when building a bean fails, Camel's YAML DSL tries once more without the
 * properties the first try used up, and a property whose setter refused it is not used up, so the second try fails
 * with the same message naming the URL.
 */
public final class DataSourceBuilder {

    private String url;
    private String username;
    private String password;
    private int poolSize = 8;

    /** The JDBC URL, e.g. {@code jdbc:sqlite:data/filesync.db}; refused at once when no pool could open on it. */
    public void setUrl(String url) {
        DataSources.checkUrl(url);
        this.url = url;
    }

    /** May be blank for databases without authentication. */
    public void setUsername(String username) {
        this.username = username;
    }

    /** May be blank; never logged. */
    public void setPassword(String password) {
        this.password = password;
    }

    /** Upper bound on open connections. */
    public void setPoolSize(int poolSize) {
        this.poolSize = poolSize;
    }

    /** The pool, opened on its first use (see {@link DataSources#pooled}). */
    public HikariDataSource build() {
        return DataSources.pooled(url, username, password, poolSize);
    }
}
