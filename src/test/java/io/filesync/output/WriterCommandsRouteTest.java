package io.filesync.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.filesync.BundleBoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real bundle: command files are applied under the output root, and a hostile one is recorded, not obeyed. */
class WriterCommandsRouteTest {

    @TempDir
    Path work;

    @Test
    void commandsAreAppliedAndARefusedOneIsRecordedWhileTheOthersGoOn() throws Exception {
        try (BundleBoot bundle = BundleBoot.start(work, Map.of())) {
            assertThat(bundle.main().getCamelContext().getRoute("writer-commands")).isNotNull();
            Path commands = work.resolve("commands");
            Files.createDirectories(commands);
            Files.writeString(commands.resolve("batch.jsonl"), String.join("\n",
                    "{\"op\":\"create\",\"path\":\"r/a.txt\",\"content\":\"one\"}",
                    "{\"op\":\"append\",\"path\":\"../escaped.txt\",\"content\":\"evil\"}",
                    "{\"op\":\"append\",\"path\":\"r/a.txt\",\"content\":\"+two\"}", ""));
            Files.writeString(commands.resolve("single.json"), "{\n  \"op\": \"overwrite\",\n  \"path\": \"b.txt\",\n  \"content\": \"B\"\n}\n");

            Path output = work.resolve("output");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(output.resolve("b.txt"))
                    && Files.exists(output.resolve("r/a.txt")) && Files.readString(output.resolve("r/a.txt")).equals("one+two"));
            assertThat(work.resolve("escaped.txt")).doesNotExist();
            await().atMost(Duration.ofSeconds(30)).until(() -> !errors().isEmpty());
            assertThat(errors()).singleElement().satisfies(row -> {
                assertThat(row).startsWith("writer-commands|../escaped.txt|");
                assertThat(row).contains("'..' segment").endsWith("|0");
            });
        }
    }

    private List<String> errors() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + work.resolve("filesync.db"));
             ResultSet r = c.createStatement().executeQuery("SELECT job, source, reason, retried FROM filesync_errors")) {
            while (r.next()) {
                rows.add(r.getString(1) + "|" + r.getString(2) + "|" + r.getString(3) + "|" + r.getInt(4));
            }
        } catch (java.sql.SQLException e) {
            return List.of();
        }
        return rows;
    }
}
