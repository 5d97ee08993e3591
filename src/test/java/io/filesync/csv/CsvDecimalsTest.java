package io.filesync.csv;

import static io.filesync.csv.CsvTablesTest.values;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decimal columns keep every digit as written on SQLite (the same file is checked on PostgreSQL by
 * {@link CsvTablesPostgresIT}).
 */
class CsvDecimalsTest {

    /** Money, tiny and huge decimals, and integers beyond a long, each with the digits SELECT must give back. */
    static final String MONEY = """
            id,amount,big
            1,0.1,123456789012345678901234567890
            2,0.2,-98765432109876543210
            3,12.50,
            4,-0.000001,1
            5,123456789012345678.123456789,2
            """;

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

    /** Loads {@link #MONEY} and checks that SELECT gives back exactly the digits of the file, on any database. */
    static void assertDecimalsKeepEveryDigit(CsvFixture db, CsvTables tables) throws Exception {
        db.write("money.csv", MONEY);

        assertThat(tables.sync("money.csv")).isEqualTo(SyncOutcome.LOADED);

        assertThat(values(db.query("SELECT CAST(amount AS TEXT) AS amount, CAST(big AS TEXT) AS big FROM money"
                + " ORDER BY _row"))).containsExactly(
                List.of("0.1", "123456789012345678901234567890"),
                List.of("0.2", "-98765432109876543210"),
                Arrays.asList("12.50", null),
                List.of("-0.000001", "1"),
                List.of("123456789012345678.123456789", "2"));
    }

    @Test
    void decimalsKeepEveryDigitOnSqlite() throws Exception {
        assertDecimalsKeepEveryDigit(db, tables);

        // Stored as the text of the digits: SQLite's REAL would turn 12.50 into 12.5 and keep 15 significant digits.
        assertThat(db.columns("money")).containsEntry("amount", "DECIMAL_TEXT").containsEntry("big", "DECIMAL_TEXT");
        assertThat(db.query("SELECT DISTINCT typeof(amount) AS t FROM money")).containsExactly(java.util.Map.of("t", "text"));
        assertThat(values(db.query("SELECT amount FROM money WHERE id = 3"))).containsExactly(List.of("12.50"));
    }

    @Test
    void scientificNotationIsKeptAsWrittenAndStillComputes() throws Exception {
        db.write("sci.csv", "x\n1e-3\n-2E3\n6.02e23\n");

        tables.sync("sci.csv");

        assertThat(values(db.query("SELECT x, CAST(x AS REAL) * 2 AS twice FROM sci ORDER BY _row"))).containsExactly(
                List.of("1e-3", "0.002"), List.of("-2E3", "-4000.0"), List.of("6.02e23", "1.204E24"));
    }

    @Test
    void integerColumnsStayIntegers() throws Exception {
        db.write("ints.csv", "n\n1\n-9223372036854775808\n9223372036854775807\n");

        tables.sync("ints.csv");

        assertThat(db.columns("ints")).containsEntry("n", "INTEGER");
        assertThat(db.query("SELECT DISTINCT typeof(n) AS t FROM ints")).containsExactly(java.util.Map.of("t", "integer"));
    }
}
