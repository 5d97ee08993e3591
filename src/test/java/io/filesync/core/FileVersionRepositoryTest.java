package io.filesync.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileVersionRepositoryTest {

    @TempDir
    Path dir;

    private HikariDataSource dataSource;
    private FileVersionRepository repository;

    @BeforeEach
    void open() {
        dataSource = DataSources.pooled("jdbc:sqlite:" + dir.resolve("state.db"), null, null, 2);
        repository = new FileVersionRepository(dataSource, "csv");
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    @Test
    void aNewVersionOfAFileReplacesTheOldOneInsteadOfAddingARow() {
        String first = FileVersionRepository.key("a/b.csv", 10, 1000);
        String second = FileVersionRepository.key("a/b.csv", 12, 2000);

        assertThat(repository.contains(first)).isFalse();
        assertThat(repository.add(first)).isTrue();
        assertThat(repository.contains(first)).isTrue();
        assertThat(repository.contains(second)).isFalse();

        assertThat(repository.add(second)).isTrue();
        assertThat(repository.contains(second)).isTrue();
        assertThat(repository.contains(first)).isFalse();
        assertThat(repository.snapshot()).containsExactly(java.util.Map.entry("a/b.csv", "12|2000"));
    }

    @Test
    void stateSurvivesANewRepositoryOnTheSameDatabase() {
        repository.add(FileVersionRepository.key("x.csv", 1, 1));
        FileVersionRepository afterRestart = new FileVersionRepository(dataSource, "csv");
        assertThat(afterRestart.contains(FileVersionRepository.key("x.csv", 1, 1))).isTrue();
    }

    @Test
    void removingAFailedVersionKeepsThePreviousGoodOne() {
        String good = FileVersionRepository.key("x.csv", 1, 1);
        repository.add(good);
        assertThat(repository.remove(FileVersionRepository.key("x.csv", 2, 2))).isFalse();
        assertThat(repository.contains(good)).isTrue();
        assertThat(repository.remove(good)).isTrue();
        assertThat(repository.contains(good)).isFalse();
    }

    @Test
    void pathsMayContainTheSeparator() {
        String key = FileVersionRepository.key("odd|name|1|2.csv", 5, 6);
        repository.add(key);
        assertThat(repository.snapshot()).containsEntry("odd|name|1|2.csv", "5|6");
        assertThat(repository.contains(key)).isTrue();
    }

    @Test
    void sourcesSharingADatabaseDoNotSeeEachOther() {
        FileVersionRepository other = new FileVersionRepository(dataSource, "mirror");
        repository.add(FileVersionRepository.key("same.csv", 1, 1));
        assertThat(other.contains(FileVersionRepository.key("same.csv", 1, 1))).isFalse();
        other.clear();
        assertThat(repository.snapshot()).containsKey("same.csv");
    }

    @Test
    void renameCarriesTheVersionToTheNewPathAndForgetDropsIt() {
        repository.add(FileVersionRepository.key("old.csv", 3, 4));
        repository.rename("old.csv", "new/place.csv");
        assertThat(repository.contains(FileVersionRepository.key("new/place.csv", 3, 4))).isTrue();
        assertThat(repository.contains(FileVersionRepository.key("old.csv", 3, 4))).isFalse();
        repository.forget("new/place.csv");
        assertThat(repository.snapshot()).isEmpty();
    }

    @Test
    void malformedKeysAndEmptyStateKeysAreRefused() {
        assertThatThrownBy(() -> repository.contains("no-version")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FileVersionRepository(dataSource, " ")).isInstanceOf(IllegalArgumentException.class);
    }
}
