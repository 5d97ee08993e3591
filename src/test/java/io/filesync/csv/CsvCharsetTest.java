package io.filesync.csv;

import static io.filesync.csv.CsvTablesTest.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import io.filesync.core.error.BadInputException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files in another charset than configured: an error that names the setting which fixes it, and a byte order mark,
 * which says what the file is, read whatever the setting.
 */
class CsvCharsetTest {

    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

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

    private BadInputException rejected(String path) {
        Throwable thrown = catchThrowable(() -> tables.sync(path));
        assertThat(thrown).isInstanceOf(BadInputException.class);
        return (BadInputException) thrown;
    }

    private static byte[] bytes(byte[] prefix, String text, Charset charset) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(prefix);
        out.writeBytes(text.getBytes(charset));
        return out.toByteArray();
    }

    @Test
    void aLatin1FileReadAsUtf8NamesTheSettingThatFixesItWithLineAndByteOffset() throws Exception {
        db.write("latin.csv", "name,city\nZoe,Paris\nZoë,Köln\n".getBytes(WINDOWS_1252));

        BadInputException e = rejected("latin.csv");

        assertThat(e.source()).isEqualTo("latin.csv");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.offset()).isEqualTo(22);
        assertThat(e.reason()).contains("invalid in UTF-8").contains("EB").contains("csv.charset")
                .contains("windows-1252");
        assertThat(e.getMessage()).startsWith("latin.csv line 3 offset 22: ");
    }

    @Test
    void theSuggestedSettingLoadsTheFile() throws Exception {
        db.write("latin.csv", "name,city\nZoë,Köln\n".getBytes(WINDOWS_1252));

        db.tables(CsvOptions.defaults().withCharset(WINDOWS_1252)).sync("latin.csv");

        assertThat(values(db.rows("latin"))).containsExactly(List.of("0", "Zoë", "Köln"));
    }

    @Test
    void bytesInvalidInAnotherConfiguredCharsetNameItsCurrentValue() throws Exception {
        // 0x81 is one of the five bytes windows-1252 leaves undefined.
        db.write("odd.csv", new byte[] {'a', '\n', 'x', (byte) 0x81, '\n'});
        tables = db.tables(CsvOptions.defaults().withCharset(WINDOWS_1252));

        BadInputException e = rejected("odd.csv");

        assertThat(e.reason()).contains("invalid in windows-1252").contains("csv.charset is windows-1252");
    }

    @Test
    void utf16WithAByteOrderMarkLoadsWhateverTheSetting() throws Exception {
        db.write("le.csv", bytes(new byte[] {(byte) 0xFF, (byte) 0xFE}, "name,n\nZoë,1\n日本,2\n", StandardCharsets.UTF_16LE));
        db.write("be.csv", bytes(new byte[] {(byte) 0xFE, (byte) 0xFF}, "name,n\r\nZoë,1\r\n", StandardCharsets.UTF_16BE));

        tables.sync("le.csv");
        tables.sync("be.csv");

        assertThat(values(db.rows("le"))).containsExactly(List.of("0", "Zoë", "1"), List.of("1", "日本", "2"));
        assertThat(values(db.rows("be"))).containsExactly(List.of("0", "Zoë", "1"));
        assertThat(db.columns("le")).containsEntry("n", "INTEGER");
    }

    @Test
    void aUtf8ByteOrderMarkWinsOverASingleByteCharsetSetting() throws Exception {
        db.write("bom.csv", bytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, "id,name\n1,Zoë\n", StandardCharsets.UTF_8));

        db.tables(CsvOptions.defaults().withCharset(WINDOWS_1252)).sync("bom.csv");

        assertThat(db.columns("bom").keySet()).containsExactly("_row", "id", "name");
        assertThat(values(db.rows("bom"))).containsExactly(List.of("0", "1", "Zoë"));
    }

    @Test
    void utf16WithoutAByteOrderMarkIsRejectedWithTheSettingToUse() throws Exception {
        db.write("le.csv", "name,n\nZoe,1\n".getBytes(StandardCharsets.UTF_16LE));

        BadInputException e = rejected("le.csv");

        assertThat(e.line()).isEqualTo(1);
        assertThat(e.reason()).contains("NUL").contains("csv.charset").contains("UTF-16LE");
    }

    @Test
    void anUnknownCharsetNameNamesTheSetting() {
        assertThatThrownBy(() -> CsvOptions.of("comma", "double", "latin-1", true, false, "relative-path", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("csv.charset")
                .hasMessageContaining("'latin-1'").hasMessageContaining("ISO-8859-1");
    }
}
