package io.filesync.tail;

import io.filesync.testing.CapturedLog;
import io.filesync.testing.Rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;

/**
 * Tail to rows inside the real bundle, on SQLite. Each test tails its own folder into its own table and checks the
 * exact multiset of rows: every line once, none lost, none repeated, through every rotation pattern.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:config/application.properties",
        properties = {
                "filesync.db.url=jdbc:sqlite:target/tail-route-test/filesync.db",
                "filesync.errors.max-redeliveries=1",
                "filesync.errors.initial-delay-ms=10",
                "filesync.errors.max-delay-ms=20",
                "tail.dir=target/tail-route-test/default",
                "camel.main.routes-include-pattern=file:routes/*.camel.yaml"
        })
class TailRouteTest {

    private static final Path BASE = Path.of("target/tail-route-test");
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    static {
        // Runs before the extension boots the context: every run starts from an empty database and folders.
        try {
            deleteTree(BASE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeanInject
    CamelContext context;

    @Test
    void theDefaultRouteStoresCompleteLinesAndLetsAPartialLineWait() throws Exception {
        Path file = BASE.resolve("default/app.log");
        Files.createDirectories(file.getParent());
        append(file, "started\nlistening on 8080\nhalf a li");
        await().atMost(PATIENCE).until(() -> query("SELECT line FROM tail_lines WHERE file = 'app.log' ORDER BY line_number"),
                lines -> lines.equals(List.of("started", "listening on 8080")));

        append(file, "ne\n");
        await().atMost(PATIENCE).until(() -> query("SELECT line FROM tail_lines WHERE file = 'app.log' ORDER BY line_number"),
                lines -> lines.equals(List.of("started", "listening on 8080", "half a line")));
        assertThat(query("SELECT line_number FROM tail_lines WHERE line = 'half a line'")).containsExactly("3");
    }

    @Test
    void renameAndCreateLosesNothingWrittenToTheOldFileAfterTheRename() throws Exception {
        Path folder = startTail("rename_create", "*.log", "");
        Path log = folder.resolve("app.log");
        append(log, lines(1, 50));
        awaitRows("rename_create", 50);

        Files.move(log, folder.resolve("app.log.1"));
        append(folder.resolve("app.log.1"), lines(51, 60));   // the writer still holds the old file
        append(log, lines(61, 100));                          // until it reopens the new one

        awaitExactly("rename_create", IntStream.rangeClosed(1, 100));
    }

    @Test
    void copyTruncateIsReadAgainFromTheStart() throws Exception {
        Path folder = startTail("copy_truncate", "*.log", "");
        Path log = folder.resolve("app.log");
        append(log, lines(1, 50));
        awaitRows("copy_truncate", 50);

        Files.copy(log, folder.resolve("app.log.1"));
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        append(log, lines(51, 70));
        awaitExactly("copy_truncate", IntStream.rangeClosed(1, 70));

        // Truncated again and at once rewritten longer than before: only the changed first bytes tell.
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        append(log, lines(1000, 1200));
        awaitExactly("copy_truncate", IntStream.concat(IntStream.rangeClosed(1, 70), IntStream.rangeClosed(1000, 1200)));
    }

    @Test
    void deleteAndRecreateAndReplacementByAShorterFileAreNewFiles() throws Exception {
        Path folder = startTail("delete_recreate", "*.log", "");
        Path log = folder.resolve("app.log");
        append(log, lines(1, 30));
        awaitRows("delete_recreate", 30);

        Files.delete(log);
        append(log, lines(31, 40));
        awaitExactly("delete_recreate", IntStream.rangeClosed(1, 40));

        Path shorter = Files.writeString(BASE.resolve("replacement.tmp"), lines(41, 41));
        Files.move(shorter, log, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        awaitExactly("delete_recreate", IntStream.rangeClosed(1, 41));
    }

    @Test
    void badLinesBecomeErrorRecordsAndTheRestIsStored() throws Exception {
        Path folder = BASE.resolve("bad_lines");
        Files.createDirectories(folder);
        addTailRoute("bad_lines", folder, "*.csv",
                "INSERT INTO readings (id, value) VALUES (:#field1, :#field2)",
                "CREATE TABLE IF NOT EXISTS readings (id INTEGER NOT NULL, value REAL) STRICT", "&maxLineBytes=64");
        byte[] invalidUtf8 = {'5', ',', (byte) 0xc3, '\n'};
        append(folder.resolve("r.csv"), "1,2.5\n2\n3,not-a-number\n" + "9,".repeat(40) + "\n");
        Files.write(folder.resolve("r.csv"), invalidUtf8, StandardOpenOption.APPEND);
        append(folder.resolve("r.csv"), "6,7.5\n");

        await().atMost(PATIENCE).until(() -> query("SELECT id || ':' || value FROM readings ORDER BY id"),
                rows -> rows.equals(List.of("1:2.5", "6:7.5")));
        List<String> errors = query("SELECT line_number || ' ' || reason FROM filesync_errors WHERE job = 'bad_lines' ORDER BY line_number");
        assertThat(errors).hasSize(4);
        assertThat(errors.get(0)).isEqualTo("2 line has 1 fields, the template needs field2");
        assertThat(errors.get(1)).startsWith("3 rejected by the database");
        assertThat(errors.get(2)).isEqualTo("4 line is 80 bytes, longer than the maximum of 64");
        assertThat(errors.get(3)).isEqualTo("5 bytes invalid in UTF-8 at byte 3 of the line");
    }

    @Test
    void aMissingTableHoldsEverythingBackUntilItExists() throws Exception {
        Path folder = BASE.resolve("missing_table");
        Files.createDirectories(folder);
        addTailRoute("missing_table", folder, "*.log", "INSERT INTO later (line) VALUES (:#line)", "", "");
        append(folder.resolve("a.log"), lines(1, 10));

        await().atMost(PATIENCE).until(() -> Rows.count(dataSource(), "SELECT count(*) FROM filesync_errors WHERE job = 'missing_table' AND retried = 1") > 0);
        assertThat(query("SELECT count(*) FROM filesync_tail_offsets WHERE state_key = 'missing_table'")).containsExactly("0");

        execute("CREATE TABLE later (line TEXT)");
        await().atMost(PATIENCE).until(() -> query("SELECT line FROM later ORDER BY CAST(substr(line, 6) AS INTEGER)"),
                rows -> rows.equals(IntStream.rangeClosed(1, 10).mapToObj(i -> "line-" + i).toList()));
    }

    @Test
    void aThousandFilesAppendedConcurrentlyAllFlow() throws Exception {
        Path folder = startTail("many_files", "*.log", "");
        for (int round = 0; round < 3; round++) {
            for (int file = 0; file < 1000; file++) {
                append(folder.resolve("f" + file + ".log"), "line-" + (file * 10 + round) + "\n");
            }
        }
        awaitExactly("many_files", IntStream.range(0, 1000).flatMap(file -> IntStream.range(0, 3).map(round -> file * 10 + round)));
    }

    @Test
    void aCommittedBatchIsOneInfoLineNamingTheFileAndItsCount() throws Exception {
        try (CapturedLog log = CapturedLog.of(TailRowWriter.class.getName())) {
            Path folder = startTail("said_lines", "*.log", "");
            append(folder.resolve("app.log"), "one\ntwo\nthree\n");
            awaitRows("said_lines", 3);
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(log.lines())
                    .containsExactly("INFO tail said_lines app.log: committed 3 lines, up to line 3"));
        }
    }

    private Path startTail(String name, String include, String options) throws Exception {
        Path folder = BASE.resolve(name);
        deleteTree(folder);
        Files.createDirectories(folder);
        addTailRoute(name, folder, include, "INSERT INTO " + name + " (line) VALUES (:#line)",
                "CREATE TABLE IF NOT EXISTS " + name + " (line TEXT NOT NULL)", options);
        return folder;
    }

    private void addTailRoute(String name, Path folder, String include, String template, String setupSql, String options)
            throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("kamelet:filesync-tail-source?directory=" + folder + "&stateKey=" + name + "&include=" + include
                        + "&pollInterval=200" + options)
                        .routeId(name)
                        .routeConfigurationId("filesync-error-handling")
                        .toF("kamelet:filesync-rows-sink?template=RAW(%s)&setupSql=RAW(%s)&job=%s", template, setupSql, name);
            }
        });
    }

    private void awaitRows(String table, int count) {
        await().atMost(PATIENCE).until(() -> Rows.count(dataSource(), "SELECT count(*) FROM " + table) >= count);
    }

    /** Waits until the table holds exactly these line numbers, each once, and checks it stays so. */
    private void awaitExactly(String table, IntStream expectedNumbers) throws Exception {
        List<String> expected = expectedNumbers.mapToObj(i -> "line-" + i).sorted().toList();
        await().atMost(PATIENCE).until(() -> query("SELECT line FROM " + table + " ORDER BY line"), expected::equals);
        assertThat(query("SELECT line FROM " + table + " ORDER BY line")).isEqualTo(expected);
    }

    private static String lines(int from, int to) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i <= to; i++) {
            text.append("line-").append(i).append('\n');
        }
        return text.toString();
    }

    private static void append(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private DataSource dataSource() {
        return context.getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class);
    }

    private List<String> query(String sql) throws SQLException {
        return Rows.column(dataSource(), sql);
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        if (Files.exists(folder)) {
            try (Stream<Path> paths = Files.walk(folder)) {
                for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(path);
                }
            }
        }
    }
}
