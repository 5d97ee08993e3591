package io.filesync.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.filesync.core.FileVersionRepository;
import io.filesync.core.db.ManagedTable;
import io.filesync.core.error.BadInputException;
import io.filesync.servers.PostgresServer.TestDatabase;
import io.filesync.testing.Bundle;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bundle's own stack against a real PostgreSQL: the DataSource built from the configured URL and credentials,
 * the error table, and the file state table with its upsert.
 */
@ExtendWith(TestServers.class)
class PostgresIT {

    private static TestDatabase database;
    private static Bundle bundle;
    private static CamelContext context;

    @BeforeAll
    static void startBundleOnPostgres() throws Exception {
        database = TestServers.postgres().createDatabase();
        bundle = Bundle.onPostgres(database, java.util.Map.of());
        context = bundle.context();
    }

    @AfterAll
    static void stopBundle() throws Exception {
        bundle.close();
    }

    @Test
    void configuredDataSourceReachesPostgresWithTheConfiguredRole() throws Exception {
        try (Connection connection = dataSource().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE probe (id INTEGER, name TEXT)");
            statement.execute("INSERT INTO probe VALUES (1, 'one'), (2, 'two')");
            try (ResultSet rows = statement.executeQuery("SELECT current_user, count(*) FROM probe GROUP BY 1")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo(database.username());
                assertThat(rows.getInt(2)).isEqualTo(2);
            }
        }
    }

    @Test
    void errorRecordsLandInPostgres() throws Exception {
        context.createProducerTemplate().send("direct:filesync-error-record", exchange -> exchange.setProperty(
                org.apache.camel.Exchange.EXCEPTION_CAUGHT,
                new BadInputException("reports/x.csv", 3L, null, null, "row has 4 fields, header has 3")));

        try (Connection connection = dataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT source, line_number, reason, occurred_at FROM filesync_errors")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("reports/x.csv");
            assertThat(rows.getLong(2)).isEqualTo(3);
            assertThat(rows.getString(3)).isEqualTo("row has 4 fields, header has 3");
            assertThat(rows.getObject(4)).isNotNull();
        }
    }

    @Test
    void fileStateUpsertsOnPostgres() {
        FileVersionRepository repository = new FileVersionRepository(dataSource(), "postgres-it");
        repository.add(FileVersionRepository.key("a.csv", 1, 1));
        repository.add(FileVersionRepository.key("a.csv", 2, 2));
        assertThat(new FileVersionRepository(dataSource(), "postgres-it").snapshot()).containsExactly(java.util.Map.entry("a.csv", "2|2"));
    }

    @Test
    void fileStateKeepsTheSyncJobsContentVersionsOnPostgres() {
        // The sync client and server store size|mtime|SHA-256: 99 characters for a large file.
        String version = Long.MAX_VALUE + "|" + Long.MAX_VALUE + "|" + "ab".repeat(32);
        FileVersionRepository repository = new FileVersionRepository(dataSource(), "postgres-it-sync");
        repository.writeBatch(Map.of("big.bin", version), List.of());
        assertThat(new FileVersionRepository(dataSource(), "postgres-it-sync").version("big.bin")).isEqualTo(version);
    }

    @Test
    void aFileStateTableOfAnEarlierVersionIsWidenedOnPostgres() throws Exception {
        String table = "widen_probe";
        try (Connection connection = dataSource().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + table + " (path VARCHAR(2000) NOT NULL PRIMARY KEY, version VARCHAR(64))");
            ManagedTable managed = new ManagedTable(table,
                    sql -> "path VARCHAR(2000) NOT NULL PRIMARY KEY, version " + sql.textType()).widening("version");
            managed.prepare(connection);
            String long99 = "x".repeat(99);
            ManagedTable.execute(connection, "INSERT INTO " + table + " VALUES (?, ?)", "a", long99);
            try (ResultSet rows = statement.executeQuery("SELECT version FROM " + table)) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo(long99);
            }
        }
    }

    private static DataSource dataSource() {
        return context.getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class);
    }
}
