package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.filesync.core.error.BadInputException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files longer than the sample load in one pass on the sample's types; whenever the rest of the file says
 * otherwise, the result must still be exactly what inference over the whole column gives.
 */
class CsvSpeculationTest {

    private static final int PAST_THE_SAMPLE = (int) CsvTables.SPECULATION_ROWS + 500;

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

    /** A file of {@code rows} rows "i,i*2" with one different line at {@code at} (0-based data row). */
    private void writeRows(String name, String header, int rows, int at, String different) throws IOException {
        StringBuilder text = new StringBuilder(header == null ? "" : header + "\n");
        for (int i = 0; i < rows; i++) {
            text.append(i == at ? different : i + "," + (i * 2)).append('\n');
        }
        Files.writeString(db.folder.resolve(name), text);
    }

    @Test
    void typesThatHoldForTheWholeFileLoadInOnePass() throws Exception {
        writeRows("steady.csv", "a,b", PAST_THE_SAMPLE, -1, null);
        assertThat(tables.sync("steady.csv")).isEqualTo(SyncOutcome.LOADED);
        assertThat(db.columns("steady")).containsEntry("a", "INTEGER").containsEntry("b", "INTEGER");
        assertThat(db.query("SELECT count(*) AS n, max(a) AS m FROM steady")).singleElement()
                .satisfies(row -> assertThat(row.get("n").toString()).isEqualTo(String.valueOf(PAST_THE_SAMPLE)));
    }

    @Test
    void aTextValueAfterTheSampleMakesTheColumnText() throws Exception {
        writeRows("late_text.csv", "a,b", PAST_THE_SAMPLE, PAST_THE_SAMPLE - 3, "n/a,7");
        assertThat(tables.sync("late_text.csv")).isEqualTo(SyncOutcome.LOADED);
        assertThat(db.columns("late_text")).containsEntry("a", "TEXT").containsEntry("b", "INTEGER");
        assertThat(db.query("SELECT a FROM late_text WHERE b = 7")).extracting(row -> row.get("a")).contains("n/a");
        assertThat(db.query("SELECT count(*) AS n FROM late_text")).singleElement()
                .satisfies(row -> assertThat(row.get("n").toString()).isEqualTo(String.valueOf(PAST_THE_SAMPLE)));
    }

    @Test
    void aColumnEmptyInTheSampleTakesTheTypeOfItsLaterValues() throws Exception {
        StringBuilder text = new StringBuilder("a,late\n");
        for (int i = 0; i < PAST_THE_SAMPLE; i++) {
            text.append(i).append(',').append(i > CsvTables.SPECULATION_ROWS ? String.valueOf(i) : "").append('\n');
        }
        Files.writeString(db.folder.resolve("late.csv"), text);
        tables.sync("late.csv");
        assertThat(db.columns("late")).containsEntry("late", "INTEGER");
    }

    @Test
    void aWiderRowAfterTheSampleIsBadInputAndTheOldTableStays() throws Exception {
        writeRows("wide.csv", "a,b", 10, -1, null);
        tables.sync("wide.csv");
        writeRows("wide.csv", "a,b", PAST_THE_SAMPLE, PAST_THE_SAMPLE - 1, "1,2,3");

        assertThatThrownBy(() -> tables.sync("wide.csv")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("line " + (PAST_THE_SAMPLE + 1)).hasMessageContaining("header has 2 columns");
        assertThat(db.query("SELECT count(*) AS n FROM wide")).singleElement()
                .satisfies(row -> assertThat(row.get("n").toString()).isEqualTo("10"));
    }

    @Test
    void withoutAHeaderAWiderRowAfterTheSampleWidensTheTable() throws Exception {
        CsvTables noHeader = db.tables(CsvOptions.of(",", "double", "UTF-8", false, false, "relative-path", ""));
        writeRows("bare.csv", null, PAST_THE_SAMPLE, PAST_THE_SAMPLE - 1, "1,2,3");
        noHeader.sync("bare.csv");
        assertThat(db.columns("bare")).containsOnlyKeys("_row", "column_1", "column_2", "column_3");
    }

    @Test
    void aMalformedRowAfterTheSampleKeepsTheOldTable() throws Exception {
        writeRows("broken.csv", "a,b", 3, -1, null);
        tables.sync("broken.csv");
        writeRows("broken.csv", "a,b", PAST_THE_SAMPLE, PAST_THE_SAMPLE - 1, "\"unterminated,1");

        assertThatThrownBy(() -> tables.sync("broken.csv")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("broken.csv");
        assertThat(db.columns("broken")).isEqualTo(Map.of("_row", "INTEGER", "a", "INTEGER", "b", "INTEGER"));
        assertThat(db.query("SELECT count(*) AS n FROM broken")).singleElement()
                .satisfies(row -> assertThat(row.get("n").toString()).isEqualTo("3"));
    }
}
