package io.filesync.csv;

import static io.filesync.csv.CsvTablesTest.values;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delimiter of each file is detected from its first lines unless one is configured, and recorded. */
class CsvDelimiterTest {

    @TempDir
    Path tempDir;

    private CsvFixture db;
    private CsvTables tables;

    @BeforeEach
    void setUp() throws Exception {
        db = CsvFixture.sqlite(tempDir);
        tables = db.tables();
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    @Test
    void byDefaultTheDelimiterIsDetected() {
        assertThat(CsvOptions.defaults().delimiter()).isNull();
        assertThat(CsvOptions.of("auto", "double", "UTF-8", true, false, "relative-path", "").delimiter()).isNull();
        assertThat(CsvOptions.of("", "double", "UTF-8", true, false, "relative-path", "").delimiter()).isNull();
    }

    @Test
    void semicolonTabAndPipeFilesBecomeTablesWithTheirColumns() throws Exception {
        db.write("semi.csv", "id;name;price\n1;alice;1,5\n2;bob;2,5\n");
        db.write("tabs.tsv", "id\tname\n1\talice\n");
        db.write("pipes.csv", "id|name\n1|alice\n");

        tables.sync("semi.csv");
        tables.sync("tabs.tsv");
        tables.sync("pipes.csv");

        // Decimal commas stay text: they are not the delimiter, and not numbers filesync can read without a locale.
        assertThat(values(db.rows("semi"))).containsExactly(List.of("0", "1", "alice", "1,5"), List.of("1", "2", "bob", "2,5"));
        assertThat(values(db.rows("tabs"))).containsExactly(List.of("0", "1", "alice"));
        assertThat(values(db.rows("pipes"))).containsExactly(List.of("0", "1", "alice"));
        assertThat(db.registry("semi.csv")).containsEntry("delimiter", "semicolon");
        assertThat(db.registry("tabs.tsv")).containsEntry("delimiter", "tab");
        assertThat(db.registry("pipes.csv")).containsEntry("delimiter", "pipe");
    }

    @Test
    void commaFilesStayCommaFiles() throws Exception {
        db.write("plain.csv", "id,name\n1,alice\n");

        tables.sync("plain.csv");

        assertThat(values(db.rows("plain"))).containsExactly(List.of("0", "1", "alice"));
        assertThat(db.registry("plain.csv")).containsEntry("delimiter", "comma");
    }

    @Test
    void headerlessDecimalCommasInASemicolonFileSplitOnTheSemicolon() throws Exception {
        db.write("n.csv", "1,5;2,5\n3,5;4,5\n");

        db.tables(CsvOptions.defaults().withHeader(false)).sync("n.csv");

        assertThat(values(db.rows("n"))).containsExactly(List.of("0", "1,5", "2,5"), List.of("1", "3,5", "4,5"));
    }

    @Test
    void delimitersInsideQuotedFieldsDoNotCount() throws Exception {
        db.write("c.csv", "name,note\n\"a;b\",\"c|d;e\"\n\"f;g\",\"h\tj\"\n");
        db.write("s.csv", "name;note\n\"a,b\";\"c,d,e\"\n\"multi\nline, with commas\";x\n");

        tables.sync("c.csv");
        tables.sync("s.csv");

        assertThat(values(db.rows("c"))).containsExactly(List.of("0", "a;b", "c|d;e"), List.of("1", "f;g", "h\tj"));
        assertThat(values(db.rows("s"))).containsExactly(List.of("0", "a,b", "c,d,e"), List.of("1", "multi\nline, with commas", "x"));
    }

    @Test
    void aOneColumnFileIsOneColumnAndFallsBackToComma() throws Exception {
        db.write("one.csv", "name\nalice\nbob, jr\n");

        // "bob, jr" is one more field under a comma, but the header has one column: the comma fallback reports it.
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> tables.sync("one.csv")))
                .isInstanceOf(io.filesync.core.error.BadInputException.class).hasMessageContaining("one.csv line 3");
        assertThat(db.userTables()).isEmpty();
        db.write("one.csv", "name\nalice\nbob\n");
        tables.sync("one.csv");
        assertThat(values(db.rows("one"))).containsExactly(List.of("0", "alice"), List.of("1", "bob"));
        assertThat(db.registry("one.csv")).containsEntry("delimiter", "comma");
    }

    @Test
    void aHeaderOnlyFileIsDetectedFromItsHeader() throws Exception {
        db.write("h.csv", "a;b;c\n");

        tables.sync("h.csv");

        assertThat(db.columns("h").keySet()).containsExactly("_row", "a", "b", "c");
    }

    @Test
    void aByteOrderMarkAndCrlfLineEndsDoNotConfuseDetection() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        bytes.writeBytes("id;name\r\n1;Zoë\r\n2;\"a;b\"\r\n".getBytes(StandardCharsets.UTF_8));
        db.write("bom.csv", bytes.toByteArray());

        tables.sync("bom.csv");

        assertThat(db.columns("bom").keySet()).containsExactly("_row", "id", "name");
        assertThat(values(db.rows("bom"))).containsExactly(List.of("0", "1", "Zoë"), List.of("1", "2", "a;b"));
    }

    @Test
    void aConfiguredDelimiterAlwaysWins() throws Exception {
        db.write("semi.csv", "a;b\n1;2\n");

        db.tables(CsvOptions.defaults().withDelimiter(',')).sync("semi.csv");

        assertThat(db.columns("semi").keySet()).containsExactly("_row", "a_b");
        assertThat(db.registry("semi.csv")).containsEntry("delimiter", "comma");
    }

    @Test
    void aTsvFileWithOneColumnFallsBackToTab() throws Exception {
        db.write("one.tsv", "note\nhello, world\n");

        tables.sync("one.tsv");

        assertThat(values(db.rows("one"))).containsExactly(List.of("0", "hello, world"));
        assertThat(db.registry("one.tsv")).containsEntry("delimiter", "tab");
        assertThat(CsvOptions.defaults().includes("one.TSV")).isTrue();
    }

    @Test
    void aQuotedFieldCutAtTheEndOfTheSampleStillDetects() throws Exception {
        String longNote = "x, ".repeat(DelimiterSniffer.SAMPLE_CHARS);
        db.write("long.csv", "id;note\n1;short\n2;\"" + longNote + "\"\n3;end\n");

        tables.sync("long.csv");

        assertThat(values(db.query("SELECT id, length(note) AS n FROM long ORDER BY _row"))).containsExactly(
                List.of("1", "5"), List.of("2", Integer.toString(longNote.length())), List.of("3", "3"));
    }

    @Test
    void detectionReadsABoundedSampleNotTheWholeFile() throws Exception {
        Path big = db.folder.resolve("big.csv");
        try (var out = Files.newBufferedWriter(big)) {
            out.write("a;b\n");
            for (int i = 0; i < 200_000; i++) {
                out.write(i + ";" + i + "\n");
            }
        }
        CountingStream counted = new CountingStream(Files.newInputStream(big));

        char detected = DelimiterSniffer.detect(counted, "big.csv", CsvOptions.defaults());

        assertThat(detected).isEqualTo(';');
        assertThat(counted.count).isLessThanOrEqualTo(4L * DelimiterSniffer.SAMPLE_CHARS + 64 * 1024);
        assertThat(Files.size(big)).isGreaterThan(counted.count * 4);
    }

    @Test
    void theDelimiterSurvivesARenameAndARegistryFromAnEarlierVersionGetsTheColumn() throws Exception {
        assertRegistryFromAnEarlierVersionGetsTheDelimiter(db, tables, "TEXT");
    }

    /**
     * Starts from the registry as an earlier version created it (no delimiter column), then loads and renames a
     * pipe-separated file.
     *
     * @param timestampType the earlier version's loaded_at type on this database
     */
    static void assertRegistryFromAnEarlierVersionGetsTheDelimiter(CsvFixture db, CsvTables tables, String timestampType)
            throws Exception {
        try (Connection connection = db.dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE filesync_csv_tables (source_key VARCHAR(255) NOT NULL,"
                    + " relative_path VARCHAR(2000) NOT NULL, table_name VARCHAR(255) NOT NULL,"
                    + " content_sha256 CHAR(64) NOT NULL, size_bytes BIGINT NOT NULL, row_count BIGINT NOT NULL,"
                    + " loaded_at " + timestampType + " NOT NULL, PRIMARY KEY (source_key, relative_path))");
            statement.execute("INSERT INTO filesync_csv_tables VALUES ('test', 'old.csv', 'old', 'x', 1, 0, '2024-01-01')");
        }
        db.write("a.csv", "x|y\n1|2\n");
        tables.sync("a.csv");

        Files.move(db.folder.resolve("a.csv"), db.folder.resolve("b.csv"));
        assertThat(tables.rename("a.csv", "b.csv")).isEqualTo(SyncOutcome.RENAMED);

        assertThat(db.registry("b.csv")).containsEntry("delimiter", "pipe");
        assertThat(db.registry("old.csv")).containsEntry("delimiter", null);
        assertThat(values(db.rows("b"))).containsExactly(Arrays.asList("0", "1", "2"));
    }

    /** Counts the bytes read through it. */
    private static final class CountingStream extends java.io.FilterInputStream {
        long count;

        CountingStream(java.io.InputStream in) {
            super(in);
        }

        @Override
        public int read() throws java.io.IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws java.io.IOException {
            int n = super.read(buffer, offset, length);
            count += Math.max(n, 0);
            return n;
        }
    }
}
