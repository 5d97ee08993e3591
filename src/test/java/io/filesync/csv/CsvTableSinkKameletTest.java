package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import io.filesync.testing.Rows;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSV table sink Kamelet in a user's own route, fed by the watch source Kamelet: files already there, moved,
 * deleted and not CSV at all, with the outcomes leaving the sink as plain text.
 */
class CsvTableSinkKameletTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path tempDir;

    private Main main;

    @AfterEach
    void stop() {
        if (main != null) {
            main.stop();
        }
    }

    @Test
    void aUsersWatchToSinkRouteKeepsTheTablesAndSaysWhatItDid() throws Exception {
        Path folder = Files.createDirectories(tempDir.resolve("csv"));
        Path outcomes = tempDir.resolve("outcomes");
        Files.writeString(folder.resolve("before.csv"), "city;people\nOslo;709000\n");
        Path route = tempDir.resolve("my-csv.camel.yaml");
        Files.writeString(route, """
                - route:
                    id: my-csv
                    routeConfigurationId: filesync-error-handling
                    from:
                      uri: kamelet:filesync-watch-source
                      parameters:
                        target: "%1$s"
                        stateKey: my-csv
                        emitExisting: true
                        settleTime: 100
                      steps:
                        - to:
                            uri: kamelet:filesync-csv-table-sink
                            parameters:
                              directory: "%1$s"
                              sourceKey: my-csv
                              delimiter: semicolon
                        - transform:
                            simple:
                              expression: "${body}\\n"
                              trim: false
                        - to:
                            uri: "file:%2$s"
                            parameters:
                              fileName: outcomes.txt
                              fileExist: Append
                """.formatted(folder, outcomes));
        main = new Main();
        main.configure().withRoutesIncludePattern("file:routes/filesync-*.camel.yaml,file:" + route);
        main.addInitialProperty("filesync.db.url", "jdbc:sqlite:" + tempDir.resolve("filesync.db"));
        main.addInitialProperty("filesync.errors.max-redeliveries", "0");
        main.start();
        DataSource db = main.getCamelContext().getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class);

        await().atMost(PATIENCE).ignoreExceptions().until(() -> Rows.column(db, "SELECT city FROM before"), rows -> rows.equals(List.of("Oslo")));
        Files.move(folder.resolve("before.csv"), folder.resolve("after.csv"));
        await().atMost(PATIENCE).ignoreExceptions().until(() -> Rows.column(db, "SELECT city FROM after"), rows -> rows.equals(List.of("Oslo")));
        Files.writeString(folder.resolve("notes.txt"), "not a table\n");
        Files.delete(folder.resolve("after.csv"));
        await().atMost(PATIENCE).until(() -> Rows.column(db,
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('before', 'after', 'notes')"), rows -> rows.equals(List.of("0")));

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(Files.readAllLines(outcomes.resolve("outcomes.txt")))
                .containsSubsequence("LOADED", "RENAMED", "DROPPED").contains("IGNORED"));
    }
}
