package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;

import io.filesync.core.db.SqlDialect;
import io.filesync.core.error.BadInputException;
import org.junit.jupiter.api.Test;

class CsvNamingTest {

    private final SqlNames sqlite = new SqlNames(SqlDialect.of(SqlDialect.Kind.SQLITE));
    private final SqlNames postgres = new SqlNames(SqlDialect.of(SqlDialect.Kind.POSTGRESQL));

    @Test
    void relativePathModeJoinsFoldersAndDropsTheExtension() {
        assertThat(sqlite.tableFor("sales/2024/q1.csv", CsvOptions.TableNames.RELATIVE_PATH)).isEqualTo("sales_2024_q1");
        assertThat(sqlite.tableFor("sales/2024/q1.csv", CsvOptions.TableNames.FILE_NAME)).isEqualTo("q1");
        assertThat(sqlite.tableFor("Q1 Report (final).CSV", CsvOptions.TableNames.FILE_NAME)).isEqualTo("q1_report_final");
    }

    @Test
    void hostileAndForeignNamesBecomeSafeIdentifiers() {
        assertThat(sqlite.tableFor("Robert'); DROP TABLE students;--.csv", CsvOptions.TableNames.RELATIVE_PATH))
                .isEqualTo("robert_drop_table_students");
        assertThat(sqlite.tableFor("a\"b;c.csv", CsvOptions.TableNames.RELATIVE_PATH)).isEqualTo("a_b_c");
        assertThat(sqlite.tableFor("Zoë Ünïcode.csv", CsvOptions.TableNames.RELATIVE_PATH)).isEqualTo("zoe_unicode");
        assertThat(sqlite.tableFor("2024.csv", CsvOptions.TableNames.RELATIVE_PATH)).isEqualTo("t_2024");
        assertThat(sqlite.tableFor("日本.csv", CsvOptions.TableNames.RELATIVE_PATH)).matches("t_[0-9a-f]{8}")
                .isNotEqualTo(sqlite.tableFor("中国.csv", CsvOptions.TableNames.RELATIVE_PATH));
        assertThat(sqlite.tableFor("select.csv", CsvOptions.TableNames.RELATIVE_PATH)).isEqualTo("select");
    }

    @Test
    void namesOfFilesyncAndTheDatabaseAreRefused() {
        assertThatThrownBy(() -> sqlite.tableFor("filesync_errors.csv", CsvOptions.TableNames.RELATIVE_PATH))
                .isInstanceOf(BadInputException.class).hasMessageContaining("filesync_errors.csv").hasMessageContaining("reserved");
        assertThatThrownBy(() -> sqlite.tableFor("sqlite_master.csv", CsvOptions.TableNames.RELATIVE_PATH))
                .isInstanceOf(BadInputException.class);
    }

    @Test
    void longNamesFitTheLimitAndStayUniqueThroughAHashSuffix() {
        String prefix = "a".repeat(80) + "/";
        String first = postgres.tableFor(prefix + "first.csv", CsvOptions.TableNames.RELATIVE_PATH);
        String second = postgres.tableFor(prefix + "second.csv", CsvOptions.TableNames.RELATIVE_PATH);
        assertThat(first).hasSize(63).matches("a+_[0-9a-f]{8}");
        assertThat(second).hasSize(63).isNotEqualTo(first);
        assertThat(postgres.tableFor(prefix + "first.csv", CsvOptions.TableNames.RELATIVE_PATH)).isEqualTo(first);
        assertThat(sqlite.tableFor("b".repeat(300) + ".csv", CsvOptions.TableNames.RELATIVE_PATH)).hasSize(128);
    }

    @Test
    void duplicateEmptyAndKeywordColumnsAreDisambiguatedInOrder() {
        List<String> header = Arrays.asList("a", "b", "b", "", "select", "A B", "_row", "b_2", null, "1st");
        assertThat(sqlite.columnsFor(header, header.size()))
                .containsExactly("a", "b", "b_2", "column_4", "select", "a_b", "row", "b_2_2", "column_9", "c_1st");
        assertThat(sqlite.columnsFor(List.of("x"), 3)).containsExactly("x", "column_2", "column_3");
        assertThat(sqlite.numberedColumns(2)).containsExactly("column_1", "column_2");
    }

    @Test
    void duplicateLongColumnsStayWithinTheLimit() {
        String longName = "c".repeat(100);
        List<String> names = postgres.columnsFor(List.of(longName, longName, longName), 3);
        assertThat(names).doesNotHaveDuplicates().allSatisfy(name -> assertThat(name.length()).isLessThanOrEqualTo(63));
        assertThat(names.get(1)).endsWith("_2");
    }

    @Test
    void optionsAcceptCharactersByName() {
        CsvOptions named = CsvOptions.of("tab", "single", "ISO-8859-1", false, true, "FILE_NAME", "");
        assertThat(named.delimiter()).isEqualTo('\t');
        assertThat(named.quote()).isEqualTo('\'');
        assertThat(named.header()).isFalse();
        assertThat(named.tableNames()).isEqualTo(CsvOptions.TableNames.FILE_NAME);
        assertThat(named.includes("a.CSV")).isTrue();
        assertThat(CsvOptions.of("semicolon", "none", "UTF-8", true, false, "relative-path", ".*\\.txt").quote()).isNull();
        assertThat(CsvOptions.of("|", "\"", "UTF-8", true, false, "relative-path", null).delimiter()).isEqualTo('|');
        assertThatThrownBy(() -> CsvOptions.of(",,", "double", "UTF-8", true, false, "relative-path", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delimiter");
    }
}
