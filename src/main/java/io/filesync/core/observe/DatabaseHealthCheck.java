package io.filesync.core.observe;

import java.sql.Connection;
import java.util.Map;

import javax.sql.DataSource;

/**
 * Readiness of the database every job writes to: a connection from the pool that answers
 * {@link Connection#isValid(int)} in time. Declared as a bean in routes/filesync-beans, where Camel's registry
 * health-check repository finds it.
 */
public final class DatabaseHealthCheck extends ProbedHealthCheck {

    private final DataSource dataSource;

    public DatabaseHealthCheck(DataSource dataSource) {
        super("database", Map.of("job", "all", "subject", "database"), DEFAULT_TIMEOUT, DEFAULT_CACHE);
        this.dataSource = dataSource;
    }

    @Override
    protected Outcome probe() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            int seconds = (int) Math.max(1, DEFAULT_TIMEOUT.toSeconds());
            return connection.isValid(seconds) ? Outcome.up(Map.of())
                    : Outcome.down("the database did not answer a validation query within " + seconds + " s", Map.of());
        }
    }
}
