package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, typing, naming and replacing tables on SQLite. */
class CsvTablesTest {

    @TempDir
    Path tempDir;

    private CsvFixture db;
    private CsvTables tables;

    @BeforeEach
    void setUp() throws IOException {
        db = CsvFixture.sqlite(tempDir);
        tables = db.tables();
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    /** Rows as lists of strings, so assertions do not depend on the driver's choice of Integer or Long. */
    static List<List<String>> values(List<Map<String, Object>> rows) {
        List<List<String>> values = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            values.add(row.values().stream().map(value -> value == null ? null : value.toString()).toList());
        }
        return values;
    }

    @Test
    void columnTypesAreInferredFromTheWholeColumnAndEmptyCellsAreNull() throws Exception {
        db.write("types.csv", """
                id,price,active,day,at,zip,name,late_text,nothing
                1,1.5,true,2024-01-31,2024-01-31T10:15:30,007,alice,1,
                2,2,FALSE,2024-02-29,2024-02-29 08:00:00,010,bob,2,
                3,,true,,,,,three,
                """);

        assertThat(tables.sync("types.csv")).isEqualTo(SyncOutcome.LOADED);

        assertThat(db.columns("types")).containsExactly(Map.entry("_row", "INTEGER"), Map.entry("id", "INTEGER"),
                Map.entry("price", "DECIMAL_TEXT"), Map.entry("active", "BOOLEAN"), Map.entry("day", "DATE"),
                Map.entry("at", "TIMESTAMP"), Map.entry("zip", "TEXT"), Map.entry("name", "TEXT"),
                Map.entry("late_text", "TEXT"), Map.entry("nothing", "TEXT"));
        assertThat(values(db.rows("types"))).containsExactly(
                Arrays.asList("0", "1", "1.5", "1", "2024-01-31", "2024-01-31T10:15:30", "007", "alice", "1", null),
                Arrays.asList("1", "2", "2", "0", "2024-02-29", "2024-02-29T08:00:00", "010", "bob", "2", null),
                Arrays.asList("2", "3", null, "1", null, null, null, null, "three", null));
        assertThat(db.query("SELECT typeof(id) AS t FROM types")).allSatisfy(row -> assertThat(row).containsEntry("t", "integer"));
    }

    @Test
    void allTextModeKeepsEveryValueAsWritten() throws Exception {
        CsvTables text = db.tables(CsvOptions.defaults().withAllText(true));
        db.write("t.csv", "n,flag\n1,true\n2.50,\n");

        text.sync("t.csv");

        assertThat(db.columns("t")).containsEntry("n", "TEXT").containsEntry("flag", "TEXT");
        assertThat(values(db.rows("t"))).containsExactly(Arrays.asList("0", "1", "true"), Arrays.asList("1", "2.50", null));
    }

    @Test
    void headerNamesAreSanitisedDeduplicatedAndKeywordsWork() throws Exception {
        db.write("h.csv", "a,b,b,,select,A B,_row,\"x\"\" ); DROP TABLE t; --\"\n1,2,3,4,5,6,7,8\n");

        tables.sync("h.csv");

        assertThat(db.columns("h").keySet())
                .containsExactly("_row", "a", "b", "b_2", "column_4", "select", "a_b", "row", "x_drop_table_t");
        assertThat(values(db.query("SELECT \"select\", b_2, column_4 FROM h"))).containsExactly(List.of("5", "3", "4"));
    }

    @Test
    void bomCrlfAndQuotedFieldsWithNewlinesAndDelimitersLoad() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        bytes.write("name,note\r\nalice,\"line1\r\nline2, with comma\"\r\nbob,\"say \"\"hi\"\"\"\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        db.write("bom.csv", bytes.toByteArray());

        tables.sync("bom.csv");

        assertThat(db.columns("bom").keySet()).containsExactly("_row", "name", "note");
        assertThat(values(db.rows("bom"))).containsExactly(List.of("0", "alice", "line1\r\nline2, with comma"),
                List.of("1", "bob", "say \"hi\""));
    }

    @Test
    void withoutHeaderColumnsAreNumberedAndShortRowsArePaddedWithNull() throws Exception {
        db.write("raw.csv", "1,a\n2,b,c\n");

        db.tables(CsvOptions.defaults().withHeader(false)).sync("raw.csv");

        assertThat(db.columns("raw").keySet()).containsExactly("_row", "column_1", "column_2", "column_3");
        assertThat(values(db.rows("raw"))).containsExactly(Arrays.asList("0", "1", "a", null), List.of("1", "2", "b", "c"));
    }

    @Test
    void delimiterQuoteAndCharsetAreConfigurable() throws Exception {
        Charset windows = Charset.forName("windows-1252");
        db.write("latin.csv", "name;city\n'Zoë';'a;b'\n".getBytes(windows));

        db.tables(CsvOptions.of(";", "'", "windows-1252", true, false, "relative-path", "")).sync("latin.csv");

        assertThat(values(db.rows("latin"))).containsExactly(List.of("0", "Zoë", "a;b"));
    }

    @Test
    void tableNamesFollowTheConfiguredMode() throws Exception {
        db.write("sales/2024/q1.csv", "v\n1\n");

        tables.sync("sales/2024/q1.csv");
        db.tables(CsvOptions.defaults().withTableNames(CsvOptions.TableNames.FILE_NAME)).sync("sales/2024/q1.csv");

        assertThat(db.userTables()).containsExactly("q1");
        assertThat(db.registry("sales/2024/q1.csv")).containsEntry("table_name", "q1");
    }

    @Test
    void anUnchangedFileIsNotReloaded() throws Exception {
        db.write("same.csv", "v\n1\n");
        tables.sync("same.csv");
        Object loadedAt = db.registry("same.csv").get("loaded_at");

        db.write("same.csv", "v\n1\n");

        assertThat(tables.sync("same.csv")).isEqualTo(SyncOutcome.UNCHANGED);
        assertThat(db.registry("same.csv")).containsEntry("loaded_at", loadedAt);
    }

    @Test
    void aChangedFileReplacesItsTableWithTheNewColumnsAndRows() throws Exception {
        db.write("c.csv", "a,b\n1,2\n3,4\n");
        tables.sync("c.csv");

        db.write("c.csv", "x\nhello\n");

        assertThat(tables.sync("c.csv")).isEqualTo(SyncOutcome.LOADED);
        assertThat(values(db.rows("c"))).containsExactly(List.of("0", "hello"));
        assertThat(db.registry("c.csv")).containsEntry("row_count", 1);
        assertThat(db.userTables()).containsExactly("c");
    }

    @Test
    void aHeaderOnlyFileGivesAnEmptyTableWithItsColumns() throws Exception {
        db.write("empty.csv", "a,b\n1,2\n");
        tables.sync("empty.csv");

        db.write("empty.csv", "a,b,c\n");

        assertThat(tables.sync("empty.csv")).isEqualTo(SyncOutcome.LOADED);
        assertThat(db.rows("empty")).isEmpty();
        assertThat(db.columns("empty").keySet()).containsExactly("_row", "a", "b", "c");
    }

    @Test
    void fileNamesCarryingSqlCannotInjectIt() throws Exception {
        db.query("SELECT 1");
        try (var connection = db.dataSource.getConnection(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE students (name TEXT)");
        }
        List<String> hostile = List.of("Robert'); DROP TABLE students;--.csv", "a\"b;c.csv", "spaced name.csv",
                "Zoë ünïcode.csv", "日本.csv", "select * from students.csv", "x' OR '1'='1.csv");
        for (String name : hostile) {
            db.write(name, "v\n" + name.length() + "\n");
            assertThat(tables.sync(name)).isEqualTo(SyncOutcome.LOADED);
        }

        assertThat(db.userTables()).contains("students", "robert_drop_table_students", "a_b_c", "spaced_name",
                "zoe_unicode", "select_from_students", "x_or_1_1").hasSize(hostile.size() + 1);
        assertThat(values(db.rows(tables.tableName("日本.csv")))).containsExactly(List.of("0", "6"));
        assertThat(db.registry("Robert'); DROP TABLE students;--.csv")).containsEntry("table_name", "robert_drop_table_students");
    }

    @Test
    void relativePathsAreNormalised() throws Exception {
        db.write("sub/n.csv", "v\n1\n");

        tables.sync("./sub/../sub/n.csv");

        assertThat(db.registry("sub/n.csv")).containsEntry("table_name", "sub_n");
    }

    @Test
    void aLoadedFileOnlyWritesItsOwnTableAndTheRegistry() throws Exception {
        db.write("one.csv", "v\n1\n");

        tables.sync("one.csv");

        assertThat(db.userTables()).containsExactly("one");
        assertThat(db.registry("one.csv")).containsEntry("source_key", "test").containsEntry("size_bytes", 4)
                .containsEntry("content_sha256", CsvScanner.sha256Of(db.folder.resolve("one.csv")));
        assertThat(Files.list(db.folder).map(Path::getFileName).map(Path::toString)).containsExactly("one.csv");
    }
}
