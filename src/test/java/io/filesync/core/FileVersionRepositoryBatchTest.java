package io.filesync.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The general methods added for snapshots: put, batch writes and prefix snapshots, next to the idempotent keys. */
class FileVersionRepositoryBatchTest {

    @TempDir
    Path dir;
    HikariDataSource dataSource;
    FileVersionRepository repository;

    @BeforeEach
    void open() {
        dataSource = DataSources.pooled("jdbc:sqlite:" + dir.resolve("state.db"), null, null, 4);
        repository = new FileVersionRepository(dataSource, "batch");
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    @Test
    void aBatchOf20000RowsIsWrittenInOneGoAndReadBackByPrefix() {
        Map<String, String> rows = new LinkedHashMap<>();
        for (int i = 0; i < 20_000; i++) {
            rows.put((i % 2 == 0 ? "even/" : "odd/") + i, "v" + i);
        }
        repository.writeBatch(rows, List.of());

        assertThat(repository.snapshot()).hasSize(20_000);
        assertThat(repository.snapshot("odd/")).hasSize(10_000).containsEntry("odd/1", "v1");
        assertThat(repository.snapshot("ODD/")).as("prefixes are case-sensitive").isEmpty();
    }

    @Test
    void aBatchReplacesAndRemovesAndOtherKeysAreUntouched() {
        FileVersionRepository other = new FileVersionRepository(dataSource, "other");
        other.put("a", "theirs");
        repository.put("a", "1");
        repository.put("b", "1");
        repository.put("100%_done", "1");

        repository.writeBatch(Map.of("a", "2", "c", "1"), List.of("b"));

        assertThat(repository.snapshot()).containsOnly(Map.entry("a", "2"), Map.entry("c", "1"), Map.entry("100%_done", "1"));
        assertThat(repository.snapshot("100%")).containsOnlyKeys("100%_done");
        assertThat(other.snapshot()).containsOnly(Map.entry("a", "theirs"));
    }

    @Test
    void putKeepsTheIdempotentSemantics() {
        String key = FileVersionRepository.key("x.csv", 10, 1000);
        repository.add(key);
        assertThat(repository.contains(key)).isTrue();

        repository.put("x.csv", "11|2000");

        assertThat(repository.contains(key)).as("the cached old version is forgotten").isFalse();
        assertThat(repository.contains(FileVersionRepository.key("x.csv", 11, 2000))).isTrue();
    }
}
