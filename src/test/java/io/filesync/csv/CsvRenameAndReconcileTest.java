package io.filesync.csv;

import static io.filesync.csv.CsvTablesTest.values;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.filesync.core.FileVersionRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deletes, renames and moves, live and while filesync was stopped, on SQLite. */
class CsvRenameAndReconcileTest {

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

    private void move(String from, String to) throws Exception {
        Path target = db.folder.resolve(to);
        Files.createDirectories(target.getParent());
        Files.move(db.folder.resolve(from), target);
    }

    @Test
    void aMoveRenamesTheTableWithoutReloading() throws Exception {
        db.write("a.csv", "v\n1\n2\n");
        tables.sync("a.csv");
        Object loadedAt = db.registry("a.csv").get("loaded_at");

        move("a.csv", "sub/b.csv");

        assertThat(tables.rename("a.csv", "sub/b.csv")).isEqualTo(SyncOutcome.RENAMED);
        assertThat(db.userTables()).containsExactly("sub_b");
        assertThat(values(db.rows("sub_b"))).containsExactly(List.of("0", "1"), List.of("1", "2"));
        assertThat(db.registry("a.csv")).isNull();
        assertThat(db.registry("sub/b.csv")).containsEntry("table_name", "sub_b").containsEntry("loaded_at", loadedAt);
    }

    @Test
    void aMoveSeenOnlyAsANewFileIsStillRecognisedByItsContent() throws Exception {
        db.write("a.csv", "v\n1\n");
        tables.sync("a.csv");
        Object loadedAt = db.registry("a.csv").get("loaded_at");
        move("a.csv", "c.csv");

        assertThat(tables.sync("c.csv")).isEqualTo(SyncOutcome.RENAMED);
        assertThat(tables.drop("a.csv")).isEqualTo(SyncOutcome.IGNORED);

        assertThat(db.userTables()).containsExactly("c");
        assertThat(db.registry("c.csv")).containsEntry("loaded_at", loadedAt);
    }

    @Test
    void aMoveWithChangedContentLoadsTheNewPathAndDropsTheOldTable() throws Exception {
        db.write("a.csv", "v\n1\n");
        tables.sync("a.csv");
        move("a.csv", "b.csv");
        db.write("b.csv", "v\n2\n");

        assertThat(tables.rename("a.csv", "b.csv")).isEqualTo(SyncOutcome.LOADED);

        assertThat(db.userTables()).containsExactly("b");
        assertThat(values(db.rows("b"))).containsExactly(List.of("0", "2"));
        assertThat(db.registry("a.csv")).isNull();
    }

    @Test
    void aMoveOverAnotherFileReplacesThatFilesTable() throws Exception {
        db.write("a.csv", "v\nfrom a\n");
        db.write("b.csv", "v\nfrom b\n");
        tables.sync("a.csv");
        tables.sync("b.csv");
        Files.move(db.folder.resolve("a.csv"), db.folder.resolve("b.csv"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThat(tables.rename("a.csv", "b.csv")).isEqualTo(SyncOutcome.RENAMED);

        assertThat(db.userTables()).containsExactly("b");
        assertThat(values(db.rows("b"))).containsExactly(List.of("0", "from a"));
    }

    @Test
    void aDeleteDropsTheTableOnlyOnceTheFileIsReallyGone() throws Exception {
        db.write("d.csv", "v\n1\n");
        tables.sync("d.csv");

        assertThat(tables.drop("d.csv")).isEqualTo(SyncOutcome.IGNORED);
        assertThat(db.userTables()).containsExactly("d");

        Files.delete(db.folder.resolve("d.csv"));
        assertThat(tables.drop("d.csv")).isEqualTo(SyncOutcome.DROPPED);
        assertThat(db.userTables()).isEmpty();
        assertThat(db.registry("d.csv")).isNull();
        assertThat(tables.drop("d.csv")).isEqualTo(SyncOutcome.IGNORED);
    }

    @Test
    void reconcileDropsTablesOfFilesDeletedAndRenamesTablesOfFilesMovedWhileStopped() throws Exception {
        db.write("deleted.csv", "v\ngone\n");
        db.write("moved.csv", "v\nmoving\n");
        db.write("kept.csv", "v\nstaying\n");
        db.write("same-size.csv", "v\nmoving\n".replace("moving", "mov1ng"));
        for (String path : List.of("deleted.csv", "moved.csv", "kept.csv")) {
            tables.sync(path);
        }
        Object movedLoadedAt = db.registry("moved.csv").get("loaded_at");
        Object keptLoadedAt = db.registry("kept.csv").get("loaded_at");

        // filesync is stopped; meanwhile:
        Files.delete(db.folder.resolve("deleted.csv"));
        move("moved.csv", "archive/2024/moved.csv");

        CsvTables restarted = db.tables();
        assertThat(restarted.reconcile()).isEqualTo(2);

        assertThat(db.userTables()).containsExactly("archive_2024_moved", "kept");
        assertThat(values(db.rows("archive_2024_moved"))).containsExactly(List.of("0", "moving"));
        assertThat(db.registry("archive/2024/moved.csv")).containsEntry("loaded_at", movedLoadedAt);
        assertThat(db.registry("kept.csv")).containsEntry("loaded_at", keptLoadedAt);
        assertThat(restarted.sync("archive/2024/moved.csv")).isEqualTo(SyncOutcome.UNCHANGED);
        assertThat(restarted.sync("kept.csv")).isEqualTo(SyncOutcome.UNCHANGED);
        assertThat(restarted.reconcile()).isZero();
    }

    @Test
    void reconcileDropsStagingTablesLeftByAnInterruptedLoad() throws Exception {
        db.write("a.csv", "v\n1\n");
        tables.sync("a.csv");
        try (var connection = db.dataSource.getConnection(); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE filesync_staging_0123456789ab (x TEXT)");
        }

        db.tables().reconcile();

        assertThat(db.userTables()).containsExactly("a");
    }

    @Test
    void renamesAndDeletesAreCarriedToTheIngestVersionStore() throws Exception {
        FileVersionRepository versions = new FileVersionRepository(db.dataSource, "test");
        CsvTables withVersions = new CsvTables(db.dataSource, db.folder.toString(), "test", CsvOptions.defaults(), versions);
        db.write("a.csv", "v\n1\n");
        db.write("gone.csv", "v\n2\n");
        versions.add(FileVersionRepository.key("a.csv", 4, 1000));
        versions.add(FileVersionRepository.key("gone.csv", 4, 2000));
        withVersions.sync("a.csv");
        withVersions.sync("gone.csv");
        move("a.csv", "b.csv");
        Files.delete(db.folder.resolve("gone.csv"));

        withVersions.rename("a.csv", "b.csv");
        withVersions.drop("gone.csv");

        assertThat(versions.snapshot()).containsOnlyKeys("b.csv").containsEntry("b.csv", "4|1000");
    }

    @Test
    void everyOperationWorksOnAPoolOfOneConnection() throws Exception {
        try (var single = io.filesync.core.db.DataSources.pooled("jdbc:sqlite:" + tempDir.resolve("single.db"), null, null, 1)) {
            FileVersionRepository versions = new FileVersionRepository(single, "test");
            CsvTables oneConnection = new CsvTables(single, db.folder.toString(), "test", CsvOptions.defaults(), versions);
            db.write("a.csv", "v\n1\n");
            db.write("b.csv", "v\n2\n");
            oneConnection.sync("a.csv");
            oneConnection.sync("b.csv");
            move("a.csv", "c.csv");
            assertThat(oneConnection.sync("c.csv")).isEqualTo(SyncOutcome.RENAMED);
            move("c.csv", "d.csv");
            Files.delete(db.folder.resolve("b.csv"));

            assertThat(oneConnection.reconcile()).isEqualTo(2);
            assertThat(oneConnection.drop("b.csv")).isEqualTo(SyncOutcome.IGNORED);
            assertThat(oneConnection.tableName("d.csv")).isEqualTo("d");
            assertThat(versions.snapshot()).isEmpty();
        }
    }

    @Test
    void reconcileLeavesEveryTableAloneWhenTheWatchedFolderIsMissing() throws Exception {
        db.write("a.csv", "v\n1\n");
        tables.sync("a.csv");
        Files.delete(db.folder.resolve("a.csv"));
        Files.delete(db.folder);

        assertThat(db.tables().reconcile()).isZero();

        assertThat(db.userTables()).containsExactly("a");
    }

    @Test
    void aFileRenamedToANameCsvIncludeLeavesOutLosesItsTableAndOneRenamedToACsvNameGetsOne() throws Exception {
        db.write("a.csv", "v\n1\n");
        tables.sync("a.csv");

        move("a.csv", "a.csv.bak");
        assertThat(tables.rename("a.csv", "a.csv.bak")).isEqualTo(SyncOutcome.DROPPED);
        assertThat(db.userTables()).isEmpty();
        assertThat(db.registry("a.csv")).isNull();
        assertThat(tables.sync("a.csv.bak")).as("a created or changed file that is not a CSV").isEqualTo(SyncOutcome.IGNORED);

        move("a.csv.bak", "b.csv");
        assertThat(tables.rename("a.csv.bak", "b.csv")).isEqualTo(SyncOutcome.LOADED);
        assertThat(db.userTables()).containsExactly("b");
    }
}
