package io.filesync.csv;

import static io.filesync.csv.CsvTablesTest.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.filesync.core.db.SqlDialect;
import io.filesync.core.error.BadInputException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input: a BadInputException naming the file, the line and the reason, and the table keeping its
 * last good content.
 */
class CsvBadInputTest {

    private static final String GOOD = "id,name\n1,alice\n2,bob\n";

    @TempDir
    Path tempDir;

    private CsvFixture db;
    private CsvTables tables;

    @BeforeEach
    void loadAGoodVersion() throws Exception {
        db = CsvFixture.sqlite(tempDir);
        tables = db.tables();
        db.write("data.csv", GOOD);
        tables.sync("data.csv");
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private void assertGoodVersionKept() throws SQLException {
        assertThat(values(db.rows("data"))).containsExactly(List.of("0", "1", "alice"), List.of("1", "2", "bob"));
        assertThat(db.registry("data.csv")).containsEntry("row_count", 2);
        assertThat(db.userTables()).containsExactly("data");
    }

    private BadInputException rejected(ThrowingCallable sync) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(sync);
        assertThat(thrown).isInstanceOf(BadInputException.class);
        return (BadInputException) thrown;
    }

    @Test
    void anUnbalancedQuoteNamesTheLineTheFieldOpensOn() throws Exception {
        db.write("data.csv", "id,name\n1,alice\n2,\"bob\n3,carol\n");

        BadInputException e = rejected(() -> tables.sync("data.csv"));

        assertThat(e.source()).isEqualTo("data.csv");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.reason()).contains("unbalanced quote");
        assertThat(e.getMessage()).startsWith("data.csv line 3: ");
        assertGoodVersionKept();
    }

    @Test
    void textAfterAClosingQuoteIsRejected() throws Exception {
        db.write("data.csv", "id,name\n1,\"ali\"ce\n");

        BadInputException e = rejected(() -> tables.sync("data.csv"));

        assertThat(e.line()).isEqualTo(2);
        assertThat(e.reason()).contains("quote");
        assertGoodVersionKept();
    }

    @Test
    void aRowWithMoreFieldsThanTheHeaderIsRejected() throws Exception {
        db.write("data.csv", "id,name\n1,alice\n2,bob\n3,carol,extra\n");

        BadInputException e = rejected(() -> tables.sync("data.csv"));

        assertThat(e.line()).isEqualTo(4);
        assertThat(e.reason()).contains("3 fields").contains("2 columns");
        assertThat(e.content()).isEqualTo("3,carol,extra");
        assertGoodVersionKept();
    }

    @Test
    void bytesInvalidInTheCharsetAreRejectedNotReplaced() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("id,name\n1,alice\n2,bo".getBytes(StandardCharsets.UTF_8));
        bytes.write(0xFF);
        bytes.write("b\n".getBytes(StandardCharsets.UTF_8));
        db.write("data.csv", bytes.toByteArray());

        BadInputException e = rejected(() -> tables.sync("data.csv"));

        assertThat(e.line()).isEqualTo(3);
        assertThat(e.offset()).isEqualTo(20);
        assertThat(e.reason()).contains("invalid in UTF-8").contains("FF");
        assertGoodVersionKept();
    }

    @Test
    void aBinaryFileNamedCsvIsRejected() throws Exception {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        db.write("data.csv", png);

        BadInputException e = rejected(() -> tables.sync("data.csv"));

        assertThat(e.line()).isEqualTo(1);
        assertThat(e.reason()).contains("binary");
        assertGoodVersionKept();
    }

    @Test
    void nulCharactersInOtherwiseValidTextAreRejected() throws Exception {
        db.write("data.csv", "id,name\n1,alice\n2,b\0b\n");

        BadInputException e = rejected(() -> tables.sync("data.csv"));

        assertThat(e.line()).isEqualTo(3);
        assertThat(e.reason()).contains("binary content");
        assertGoodVersionKept();
    }

    @Test
    void aZeroByteFileIsRejected() throws Exception {
        db.write("data.csv", new byte[0]);

        BadInputException e = rejected(() -> tables.sync("data.csv"));

        assertThat(e.reason()).contains("empty (0 bytes)");
        assertGoodVersionKept();
    }

    @Test
    void aFileOfBlankLinesIsRejected() throws Exception {
        db.write("data.csv", "\n\r\n\n");

        assertThat(rejected(() -> tables.sync("data.csv")).reason()).contains("no header");
        assertGoodVersionKept();
    }

    @Test
    void aFileDeletedBeforeItIsReadIsRejected() throws Exception {
        assertThat(rejected(() -> tables.sync("gone.csv")).reason()).contains("deleted");
        assertGoodVersionKept();
    }

    @Test
    void aFileDeletedBetweenTheTwoPassesKeepsTheOldTable() throws Exception {
        db.write("data.csv", "id,name\n1,carol\n");
        TableSwap swap = swap();
        CsvScan scan = new CsvScanner(CsvOptions.defaults()).scan(db.folder.resolve("data.csv"), "data.csv", sqlite());
        Files.delete(db.folder.resolve("data.csv"));

        try (var connection = db.dataSource.getConnection()) {
            assertThatThrownBy(() -> swap.load(connection, "data.csv", "data", scan, null))
                    .isInstanceOf(BadInputException.class).hasMessageContaining("data.csv").hasMessageContaining("deleted");
        }
        assertGoodVersionKept();
    }

    @Test
    void aFileRewrittenBetweenTheTwoPassesKeepsTheOldTable() throws Exception {
        db.write("data.csv", "id,name\n1,carol\n");
        TableSwap swap = swap();
        CsvScan scan = new CsvScanner(CsvOptions.defaults()).scan(db.folder.resolve("data.csv"), "data.csv", sqlite());
        db.write("data.csv", "id,name\nx,carol\n3,dave\n");

        try (var connection = db.dataSource.getConnection()) {
            assertThatThrownBy(() -> swap.load(connection, "data.csv", "data", scan, null))
                    .isInstanceOf(BadInputException.class).hasMessageContaining("changed while it was being loaded");
        }
        assertGoodVersionKept();
    }

    @Test
    void twoFilesMappingToOneTableIsAnErrorForTheSecond() throws Exception {
        CsvTables byFileName = db.tables(CsvOptions.defaults().withTableNames(CsvOptions.TableNames.FILE_NAME));
        db.write("x/q1.csv", "v\nfirst\n");
        db.write("y/q1.csv", "v\nsecond\n");
        byFileName.sync("x/q1.csv");

        BadInputException e = rejected(() -> byFileName.sync("y/q1.csv"));

        assertThat(e.source()).isEqualTo("y/q1.csv");
        assertThat(e.reason()).contains("'q1'").contains("x/q1.csv").contains("relative path");
        assertThat(values(db.rows("q1"))).containsExactly(List.of("0", "first"));
        db.write("a_b.csv", "v\n1\n");
        db.write("a/b.csv", "v\n2\n");
        tables.sync("a_b.csv");
        assertThat(rejected(() -> tables.sync("a/b.csv")).reason()).contains("a_b.csv");
    }

    @Test
    void aTableFilesyncDidNotCreateIsNeverReplaced() throws Exception {
        try (var connection = db.dataSource.getConnection(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE mine (precious TEXT)");
            statement.execute("INSERT INTO mine VALUES ('keep')");
        }
        db.write("Mine.csv", "v\n1\n");

        assertThat(rejected(() -> tables.sync("Mine.csv")).reason()).contains("not loaded by filesync");
        assertThat(db.query("SELECT precious FROM mine")).containsExactly(Map.of("precious", "keep"));
    }

    @Test
    void reservedAndEscapingNamesAreRejected() throws Exception {
        db.write("filesync_errors.csv", "v\n1\n");

        assertThat(rejected(() -> tables.sync("filesync_errors.csv")).reason()).contains("reserved");
        assertThat(rejected(() -> tables.sync("../outside.csv")).reason()).contains("outside the watched folder");
    }

    @Test
    void aDatabaseThatIsDownIsNotBadInput() throws Exception {
        DataSource down = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, arguments) -> {
                    throw new SQLException("Connection refused", "08001");
                });
        CsvTables unreachable = new CsvTables(down, db.folder.toString(), "test", CsvOptions.defaults());

        assertThatThrownBy(() -> unreachable.sync("data.csv")).isInstanceOf(SQLException.class)
                .isNotInstanceOf(BadInputException.class).hasMessageContaining("refused");
    }

    @Test
    void theNextGoodVersionLoadsAfterBadOnes() throws Exception {
        db.write("data.csv", "id,name\n1,\"broken\n");
        rejected(() -> tables.sync("data.csv"));

        db.write("data.csv", "id,name\n9,zed\n");

        assertThat(tables.sync("data.csv")).isEqualTo(SyncOutcome.LOADED);
        assertThat(values(db.rows("data"))).containsExactly(List.of("0", "9", "zed"));
    }

    private TableSwap swap() throws SQLException, IOException {
        return new TableSwap(tables.schema(), "test", db.folder.toAbsolutePath().normalize(), CsvOptions.defaults());
    }

    private static SqlDialect sqlite() {
        return SqlDialect.of(SqlDialect.Kind.SQLITE);
    }
}
