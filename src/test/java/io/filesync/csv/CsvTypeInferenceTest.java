package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsvTypeInferenceTest {

    private static ColumnType infer(String... cells) {
        TypeInference inference = new TypeInference(false);
        for (String cell : cells) {
            inference.accept(0, cell);
        }
        return inference.typeOf(0);
    }

    @Test
    void narrowestTypeAcceptingEveryCellWins() {
        assertThat(infer("1", "-2", "+3", "9223372036854775807")).isEqualTo(ColumnType.INTEGER);
        assertThat(infer("1", "2.5", "-1e3", ".5")).isEqualTo(ColumnType.DECIMAL);
        assertThat(infer("true", "FALSE", "True")).isEqualTo(ColumnType.BOOLEAN);
        assertThat(infer("2024-02-29", "1999-12-31")).isEqualTo(ColumnType.DATE);
        assertThat(infer("2024-02-29T10:15:30", "2024-03-01 00:00:00.123")).isEqualTo(ColumnType.TIMESTAMP);
        assertThat(infer("2024-02-29T10:15:30Z", "2024-03-01T00:00:00+02:00")).isEqualTo(ColumnType.TIMESTAMP_TZ);
    }

    @Test
    void oneOddCellAnywhereInTheColumnMakesItText() {
        assertThat(infer("1", "2", "3", "x")).isEqualTo(ColumnType.TEXT);
        assertThat(infer("2024-01-01", "2024-02-30")).isEqualTo(ColumnType.TEXT);
        assertThat(infer("2024-01-01T10:00:00", "2024-01-01T10:00:00Z")).isEqualTo(ColumnType.TEXT);
        assertThat(infer("9223372036854775808")).isEqualTo(ColumnType.DECIMAL);
    }

    @Test
    void doubtfulValuesStayText() {
        assertThat(infer("007", "010")).isEqualTo(ColumnType.TEXT);
        assertThat(infer("1", "0")).isEqualTo(ColumnType.INTEGER);
        assertThat(infer("yes", "no")).isEqualTo(ColumnType.TEXT);
        assertThat(infer("NaN")).isEqualTo(ColumnType.TEXT);
        assertThat(infer(" 1")).isEqualTo(ColumnType.TEXT);
        assertThat(infer("01/02/2024")).isEqualTo(ColumnType.TEXT);
    }

    @Test
    void emptyCellsDoNotDecideAndAnEmptyColumnIsText() {
        assertThat(infer(null, "1", null)).isEqualTo(ColumnType.INTEGER);
        assertThat(infer(null, null)).isEqualTo(ColumnType.TEXT);
    }

    @Test
    void allTextModeInfersNothing() {
        TypeInference inference = new TypeInference(true);
        inference.accept(0, "1");
        assertThat(inference.typeOf(0)).isEqualTo(ColumnType.TEXT);
    }
}
