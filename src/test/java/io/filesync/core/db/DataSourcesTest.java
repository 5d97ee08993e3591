package io.filesync.core.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSourcesTest {

    @TempDir
    Path dir;

    @Test
    void sqliteFolderIsCreatedAndTheDatabaseRunsInWalMode() throws Exception {
        Path file = dir.resolve("nested/deeper/filesync.db");
        try (HikariDataSource dataSource = DataSources.pooled("jdbc:sqlite:" + file, "", "", 2);
             Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet mode = statement.executeQuery("PRAGMA journal_mode")) {
            assertThat(mode.next()).isTrue();
            assertThat(mode.getString(1)).isEqualToIgnoringCase("wal");
        }
        assertThat(file).exists();
    }

    @Test
    void sqliteFileIsFoundInEveryUrlForm() {
        assertThat(DataSources.sqliteFile("jdbc:sqlite:data/filesync.db")).isEqualTo(Path.of("data/filesync.db"));
        assertThat(DataSources.sqliteFile("jdbc:sqlite:file:data/x.db?cache=shared")).isEqualTo(Path.of("data/x.db"));
        assertThat(DataSources.sqliteFile("jdbc:sqlite::memory:")).isNull();
        assertThat(DataSources.sqliteFile("jdbc:sqlite:")).isNull();
    }

    @Test
    void emptyUrlIsAClearError() {
        assertThatThrownBy(() -> DataSources.pooled(" ", null, null, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("filesync.db.url");
    }
}
