package io.filesync.tail;

import io.filesync.testing.Bundle;
import io.filesync.testing.Rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.filesync.servers.PostgresServer.TestDatabase;
import io.filesync.servers.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Tail to rows into a real PostgreSQL: typed columns, rejected values, and exactly once across a restart. */
@ExtendWith(TestServers.class)
class TailPostgresIT {

    @TempDir
    Path tail;

    private TestDatabase database;
    private Bundle bundle;

    @AfterEach
    void stop() throws Exception {
        if (bundle != null) {
            bundle.close();
        }
    }

    private void startBundle() throws Exception {
        bundle = Bundle.onPostgres(database, Map.of(
                "tail.dir", tail.toString(),
                "tail.include", "*.csv",
                "tail.template", "INSERT INTO readings (sensor, value, file, line_number)"
                        + " VALUES (:#field1, :#field2, :#file, :#line_number)",
                "tail.setup-sql", "CREATE TABLE IF NOT EXISTS readings (sensor INTEGER NOT NULL,"
                        + " value NUMERIC(10, 2), file TEXT NOT NULL, line_number BIGINT NOT NULL, UNIQUE (file, line_number))"));
    }

    @Test
    void typedRowsRejectedValuesAndExactlyOnceAcrossARestart() throws Exception {
        database = TestServers.postgres().createDatabase();
        startBundle();
        Path file = tail.resolve("sensors.csv");
        append(file, "1,20.5\nnot-a-sensor,3\n2,21.25\n");

        await().atMost(Duration.ofSeconds(30)).until(() -> query("SELECT sensor || '=' || value FROM readings ORDER BY sensor"),
                rows -> rows.equals(List.of("1=20.50", "2=21.25")));
        assertThat(query("SELECT line_number || ' ' || reason FROM filesync_errors"))
                .singleElement().asString().startsWith("2 rejected by the database").contains("integer");

        bundle.close();
        bundle = null;
        append(file, "3,22\n4,23\n");
        startBundle();

        await().atMost(Duration.ofSeconds(30)).until(() -> query("SELECT sensor FROM readings ORDER BY sensor"),
                rows -> rows.equals(List.of("1", "2", "3", "4")));
        assertThat(query("SELECT count(*) FROM filesync_errors")).containsExactly("1");
        assertThat(query("SELECT byte_offset || '/' || line_number FROM filesync_tail_offsets"))
                .containsExactly(Files.size(file) + "/5");
    }

    private static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private List<String> query(String sql) throws SQLException {
        return Rows.column(database.dataSource(), sql);
    }
}
