package io.filesync.csv;

import static io.filesync.csv.CsvTablesTest.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import io.filesync.core.db.SqlDialect;
import io.filesync.core.error.BadInputException;
import io.filesync.servers.PostgresServer.TestDatabase;
import io.filesync.servers.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The CSV engine against a real PostgreSQL: COPY loading, the atomic swap under a reader, rename, drop, reconcile. */
@ExtendWith(TestServers.class)
class CsvTablesPostgresIT {

    @TempDir
    Path tempDir;

    private HikariDataSource pool;
    private CsvFixture db;
    private CsvTables tables;

    @BeforeEach
    void setUp() throws Exception {
        TestDatabase database = TestServers.postgres().createDatabase();
        pool = DataSources.pooled(database.jdbcUrl(), database.username(), database.password(), 4);
        db = CsvFixture.on(tempDir, pool);
        tables = db.tables();
    }

    @AfterEach
    void tearDown() {
        pool.close();
    }

    @Test
    void postgresLoadsWithCopy() {
        assertThat(TableLoader.forDialect(SqlDialect.of(SqlDialect.Kind.POSTGRESQL))).isInstanceOf(PostgresCopyLoader.class);
    }

    @Test
    void copyLoadsTypedColumnsAndAwkwardTextExactly() throws Exception {
        db.write("sales/2024/q1.csv", "\uFEFFid,price,ok,day,at,at_tz,note\r\n"
                + "1,1.50,true,2024-01-31,2024-01-31 10:15:30,2024-01-31T10:15:30Z,\"a, \"\"quoted\"\"\r\nline\"\r\n"
                + "2,-2e3,False,2024-02-29,2024-02-29T00:00:00,2024-02-29T01:00:00+01:00,back\\slash \\.\r\n"
                + "3,,,,,,\r\n");

        assertThat(tables.sync("sales/2024/q1.csv")).isEqualTo(SyncOutcome.LOADED);

        assertThat(db.columns("sales_2024_q1")).containsExactly(Map.entry("_row", "INT8"), Map.entry("id", "INT8"),
                Map.entry("price", "NUMERIC"), Map.entry("ok", "BOOL"), Map.entry("day", "DATE"),
                Map.entry("at", "TIMESTAMP"), Map.entry("at_tz", "TIMESTAMPTZ"), Map.entry("note", "TEXT"));
        assertThat(values(db.query("SELECT _row, id, price::text, ok::text, day::text, at::text,"
                + " (at_tz AT TIME ZONE 'UTC')::text, note FROM sales_2024_q1 ORDER BY _row"))).containsExactly(
                List.of("0", "1", "1.50", "true", "2024-01-31", "2024-01-31 10:15:30", "2024-01-31 10:15:30", "a, \"quoted\"\r\nline"),
                List.of("1", "2", "-2000", "false", "2024-02-29", "2024-02-29 00:00:00", "2024-02-29 00:00:00", "back\\slash \\."),
                Arrays.asList("2", "3", null, null, null, null, null, null));
    }

    @Test
    void decimalsKeepEveryDigitAsExactNumeric() throws Exception {
        CsvDecimalsTest.assertDecimalsKeepEveryDigit(db, tables);

        assertThat(db.columns("money")).containsEntry("amount", "NUMERIC").containsEntry("big", "NUMERIC");
        assertThat(values(db.query("SELECT (SUM(amount) = 0.3)::text AS exact FROM money WHERE id IN (1, 2)")))
                .containsExactly(List.of("true"));
    }

    @Test
    void theDelimiterIsDetectedAndAnEarlierRegistryGetsItsColumn() throws Exception {
        CsvDelimiterTest.assertRegistryFromAnEarlierVersionGetsTheDelimiter(db, tables, "TIMESTAMP WITH TIME ZONE");

        db.write("semi.csv", "id;amount\n1;0,5\n");
        tables.sync("semi.csv");
        assertThat(values(db.rows("semi"))).containsExactly(List.of("0", "1", "0,5"));
        assertThat(db.registry("semi.csv")).containsEntry("delimiter", "semicolon");
    }

    @Test
    void aConcurrentReaderAlwaysSeesOneCompleteVersion() throws Exception {
        CsvConcurrentReaderTest.assertReaderSeesOnlyCompleteVersions(db, tables);
    }

    @Test
    void badInputKeepsTheLastGoodTable() throws Exception {
        db.write("data.csv", "id,name\n1,alice\n");
        tables.sync("data.csv");
        db.write("data.csv", "id,name\n1,alice\n2,bob,extra\n");

        Throwable thrown = catchThrowable(() -> tables.sync("data.csv"));

        assertThat(thrown).isInstanceOf(BadInputException.class).hasMessageStartingWith("data.csv line 3: ");
        assertThat(values(db.rows("data"))).containsExactly(List.of("0", "1", "alice"));
        assertThat(db.userTables()).containsExactly("data");
    }

    @Test
    void aValueTheServerRejectsIsBadInputAndRollsBackTheWholeLoad() throws Exception {
        db.write("data.csv", "id,name\n1,alice\n");
        tables.sync("data.csv");
        // ISO-valid for the first pass, but PostgreSQL has no year 0: the server fails the COPY mid-stream.
        db.write("data.csv", "id,day\n1,2024-01-01\n2,0000-01-01\n");

        Throwable thrown = catchThrowable(() -> tables.sync("data.csv"));

        assertThat(thrown).isInstanceOf(BadInputException.class).hasMessageContaining("data.csv")
                .hasMessageContaining("rejected");
        assertThat(values(db.rows("data"))).containsExactly(List.of("0", "1", "alice"));
        assertThat(db.userTables()).containsExactly("data");
    }

    @Test
    void renameDropAndReconcileWork() throws Exception {
        db.write("a.csv", "v\n1\n");
        db.write("gone.csv", "v\n2\n");
        db.write("offline.csv", "v\n3\n");
        tables.sync("a.csv");
        tables.sync("gone.csv");
        tables.sync("offline.csv");
        Object loadedAt = db.registry("a.csv").get("loaded_at");

        Files.createDirectories(db.folder.resolve("sub"));
        Files.move(db.folder.resolve("a.csv"), db.folder.resolve("sub/b.csv"));
        assertThat(tables.rename("a.csv", "sub/b.csv")).isEqualTo(SyncOutcome.RENAMED);
        Files.delete(db.folder.resolve("gone.csv"));
        assertThat(tables.drop("gone.csv")).isEqualTo(SyncOutcome.DROPPED);
        Files.move(db.folder.resolve("offline.csv"), db.folder.resolve("moved offline.csv"));
        assertThat(db.tables().reconcile()).isEqualTo(1);

        assertThat(db.userTables()).containsExactly("moved_offline", "sub_b");
        assertThat(db.registry("sub/b.csv")).containsEntry("loaded_at", loadedAt);
        assertThat(values(db.rows("sub_b"))).containsExactly(List.of("0", "1"));
        assertThat(values(db.rows("moved_offline"))).containsExactly(List.of("0", "3"));
    }
}
