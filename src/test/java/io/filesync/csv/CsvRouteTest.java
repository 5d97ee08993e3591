package io.filesync.csv;

import io.filesync.testing.Rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.apache.camel.builder.Builder.body;
import static org.apache.camel.builder.Builder.header;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;

/**
 * CSV to tables through the real routes (ingest, changes, reconcile) on SQLite: what a user sees in the database
 * after dropping, rewriting, renaming, moving and deleting files.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:config/application.properties",
        properties = {
                "filesync.db.url=jdbc:sqlite:target/csv-route-test/filesync.db",
                "filesync.errors.max-redeliveries=0",
                "csv.dir=target/csv-route-test/csv",
                "csv.settle-time-ms=200",
                "camel.main.routes-include-pattern=file:routes/*.camel.yaml"
        })
class CsvRouteTest {

    private static final Path BASE = Path.of("target/csv-route-test");
    private static final Path CSV = BASE.resolve("csv");
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    static {
        // Runs before the extension boots the context: every run starts from an empty database and folder.
        try {
            if (Files.exists(BASE)) {
                try (Stream<Path> paths = Files.walk(BASE)) {
                    for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                        Files.delete(path);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeanInject
    CamelContext context;

    @Test
    void aFileLivesAsATableThroughRewriteRenameMoveAndDelete() throws Exception {
        write("orders.csv", "id,item,price,shipped\n1,apple,2.50,true\n2,pear,3,false\n");
        awaitRows("SELECT id || ' ' || item || ' ' || price || ' ' || shipped FROM orders ORDER BY _row",
                "1 apple 2.50 1", "2 pear 3 0");

        write("orders.csv", "id,item,price,shipped\n7,plum,1.25,true\n");
        awaitRows("SELECT id || ' ' || item FROM orders", "7 plum");
        String loadedAt = single("SELECT loaded_at FROM filesync_csv_tables WHERE relative_path = 'orders.csv'");

        Files.move(CSV.resolve("orders.csv"), CSV.resolve("sales.csv"));
        awaitRows("SELECT id || ' ' || item FROM sales", "7 plum");
        awaitTableGone("orders");
        assertThat(single("SELECT loaded_at FROM filesync_csv_tables WHERE relative_path = 'sales.csv'"))
                .as("a rename is not a reload").isEqualTo(loadedAt);

        Files.createDirectories(CSV.resolve("2024"));
        Files.move(CSV.resolve("sales.csv"), CSV.resolve("2024/sales.csv"));
        awaitRows("SELECT id || ' ' || item FROM t_2024_sales", "7 plum");
        awaitTableGone("sales");

        Files.delete(CSV.resolve("2024/sales.csv"));
        awaitTableGone("t_2024_sales");
        assertThat(query("SELECT count(*) FROM filesync_csv_tables WHERE relative_path LIKE '%sales.csv'")).containsExactly("0");
    }

    @Test
    void aFolderRenamedKeepsItsTablesUnderTheNewNamesAndAFolderDeletedDropsThem() throws Exception {
        write("north/jan.csv", "v\n1\n");
        write("north/feb.csv", "v\n2\n");
        awaitRows("SELECT v FROM north_jan", "1");
        awaitRows("SELECT v FROM north_feb", "2");
        String loadedAt = single("SELECT loaded_at FROM filesync_csv_tables WHERE relative_path = 'north/jan.csv'");

        Files.move(CSV.resolve("north"), CSV.resolve("south"));
        awaitRows("SELECT v FROM south_jan", "1");
        awaitRows("SELECT v FROM south_feb", "2");
        awaitTableGone("north_jan");
        awaitTableGone("north_feb");
        assertThat(single("SELECT loaded_at FROM filesync_csv_tables WHERE relative_path = 'south/jan.csv'"))
                .as("a folder rename is not a reload").isEqualTo(loadedAt);

        Files.delete(CSV.resolve("south/jan.csv"));
        Files.delete(CSV.resolve("south/feb.csv"));
        Files.delete(CSV.resolve("south"));
        awaitTableGone("south_jan");
        awaitTableGone("south_feb");
    }

    @Test
    void malformedVersionsAreRecordedAndTheLastGoodTableStays() throws Exception {
        write("stock.csv", "sku,qty\nA1,5\n");
        awaitRows("SELECT sku || '=' || qty FROM stock", "A1=5");

        write("stock.csv", "sku,qty\nA1,6\n\"B2,7\n");
        await().atMost(PATIENCE).until(() -> query("SELECT source || ' ' || line_number FROM filesync_errors"
                + " WHERE job = 'csv' AND source LIKE '%stock.csv'"), rows -> rows.size() == 1);
        assertThat(single("SELECT reason FROM filesync_errors WHERE job = 'csv' AND source LIKE '%stock.csv'"))
                .containsIgnoringCase("quote");
        assertThat(query("SELECT sku || '=' || qty FROM stock")).containsExactly("A1=5");

        write("stock.csv", "sku,qty\nA1,6\nB2,7\n");
        awaitRows("SELECT sku || '=' || qty FROM stock ORDER BY _row", "A1=6", "B2=7");
    }

    @Test
    void semicolonAndTabFilesInTheDefaultSetupBecomeTablesWithTheirColumns() throws Exception {
        write("invoices.csv", "id;amount\n1;0,5\n2;12,50\n");
        write("people.tsv", "name\tcity\nZoë\tKöln\n");

        awaitRows("SELECT id || '=' || amount FROM invoices ORDER BY _row", "1=0,5", "2=12,50");
        awaitRows("SELECT name || '@' || city FROM people", "Zoë@Köln");
        assertThat(single("SELECT delimiter FROM filesync_csv_tables WHERE relative_path = 'invoices.csv'")).isEqualTo("semicolon");
    }

    @Test
    void aLatin1FileIsRecordedWithTheSettingThatFixesItAndItsPosition() throws Exception {
        Path file = CSV.resolve("latin1.csv");
        Files.createDirectories(CSV);
        Path temporary = CSV.resolve(".latin1.csv.tmp");
        Files.write(temporary, "name,city\nZoë,Köln\n".getBytes(java.nio.charset.Charset.forName("windows-1252")));
        Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);

        await().atMost(PATIENCE).until(() -> query("SELECT line_number || ' ' || byte_offset FROM filesync_errors"
                + " WHERE job = 'csv' AND source LIKE '%latin1.csv'"), rows -> rows.equals(List.of("2 12")));
        assertThat(single("SELECT reason FROM filesync_errors WHERE source LIKE '%latin1.csv'"))
                .contains("invalid in UTF-8").contains("csv.charset").contains("windows-1252");
    }

    @Test
    void filesThatAreNotCsvAreLeftAloneQuietly() throws Exception {
        Files.createDirectories(CSV);
        // Waits for the change source (through csv-table-load) to have judged the text file, so the assertions below
        // follow its outcome.
        NotifyBuilder judged = new NotifyBuilder(context).fromRoute("csv-changes")
                .filter(header("FilesyncWatchPath").isEqualTo("notes.txt")).filter(body().isEqualTo("IGNORED"))
                .whenCompleted(1).create();
        Files.writeString(CSV.resolve("notes.txt"), "not,a\ntable,here\n");
        write("after-notes.csv", "a\n1\n");
        awaitRows("SELECT a FROM after_notes", "1");
        assertThat(judged.matches(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("notes.txt judged IGNORED").isTrue();
        assertThat(query("SELECT count(*) FROM sqlite_master WHERE name = 'notes'")).containsExactly("0");
        assertThat(query("SELECT count(*) FROM filesync_csv_tables WHERE relative_path = 'notes.txt'")).containsExactly("0");
    }

    @Test
    void aSmallCsvIsATableWellWithinASecondOfBeingClosed() throws Exception {
        long closed = System.nanoTime();
        write("quick.csv", "a\n1\n");
        awaitRows("SELECT a FROM quick", "1");
        // Not a benchmark (bench/ measures latency): a generous bound that catches a mis-set settle time or delay.
        assertThat(Duration.ofNanos(System.nanoTime() - closed)).isLessThan(Duration.ofSeconds(5));
    }

    private static void write(String relative, String content) throws IOException {
        Path file = CSV.resolve(relative);
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(temporary, content);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void awaitRows(String sql, String... expected) {
        await().atMost(PATIENCE).until(() -> query(sql), rows -> rows.equals(List.of(expected)));
    }

    private void awaitTableGone(String table) {
        await().atMost(PATIENCE).until(() -> query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'"),
                rows -> rows.equals(List.of("0")));
    }

    private String single(String sql) throws SQLException {
        List<String> rows = query(sql);
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    private List<String> query(String sql) throws SQLException {
        return Rows.column(context.getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class), sql);
    }
}
