package io.filesync.csv;

import io.filesync.testing.Bundle;
import io.filesync.testing.Rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * The CSV job in the real bundle against PostgreSQL, across a restart: what changed while filesync was stopped is
 * reconciled, and what did not change is not reloaded.
 */
@ExtendWith(TestServers.class)
class CsvBundlePostgresIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path csv;

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
                "csv.dir", csv.toString(),
                "csv.settle-time-ms", "200",
                "camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml,file:routes/csv-*.camel.yaml"));
    }

    @Test
    void changesMadeWhileStoppedAreReconciledAndUnchangedFilesAreNotReloaded() throws Exception {
        database = TestServers.postgres().createDatabase();
        startBundle();
        Files.writeString(csv.resolve("gone.csv"), "x\n1\n");
        Files.writeString(csv.resolve("moved.csv"), "city,people\nOslo,709000\n");
        Files.writeString(csv.resolve("changed.csv"), "v\nold\n");
        Files.writeString(csv.resolve("same.csv"), "k,v\na,1\n");
        await().atMost(PATIENCE).until(() -> query("SELECT count(*) FROM filesync_csv_tables"), rows -> rows.equals(List.of("4")));
        assertThat(query("SELECT city || ' ' || people FROM moved")).containsExactly("Oslo 709000");
        String movedLoadedAt = single("SELECT loaded_at FROM filesync_csv_tables WHERE relative_path = 'moved.csv'");
        String sameLoadedAt = single("SELECT loaded_at FROM filesync_csv_tables WHERE relative_path = 'same.csv'");

        bundle.close();
        bundle = null;
        Files.delete(csv.resolve("gone.csv"));
        Files.createDirectories(csv.resolve("archive"));
        Files.move(csv.resolve("moved.csv"), csv.resolve("archive/cities.csv"));
        Files.writeString(csv.resolve("changed.csv"), "v\nnew\nnewer\n");
        Files.writeString(csv.resolve("added.csv"), "n\n42\n");
        startBundle();

        await().atMost(PATIENCE).until(() -> query("SELECT relative_path FROM filesync_csv_tables ORDER BY relative_path"),
                rows -> rows.equals(List.of("added.csv", "archive/cities.csv", "changed.csv", "same.csv")));
        await().atMost(PATIENCE).until(() -> query("SELECT v FROM changed ORDER BY _row"), rows -> rows.equals(List.of("new", "newer")));
        assertThat(query("SELECT city || ' ' || people FROM archive_cities")).containsExactly("Oslo 709000");
        assertThat(query("SELECT n FROM added")).containsExactly("42");
        assertThat(query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('gone', 'moved')")).isEmpty();
        assertThat(single("SELECT loaded_at FROM filesync_csv_tables WHERE relative_path = 'archive/cities.csv'"))
                .as("a file moved while stopped is renamed, not reloaded").isEqualTo(movedLoadedAt);
        assertThat(single("SELECT loaded_at FROM filesync_csv_tables WHERE relative_path = 'same.csv'"))
                .as("an unchanged file is not reloaded after a restart").isEqualTo(sameLoadedAt);
    }

    private String single(String sql) throws SQLException {
        List<String> rows = query(sql);
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    private List<String> query(String sql) throws SQLException {
        return Rows.column(database.dataSource(), sql);
    }
}
