package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.filesync.BundleBoot;
import io.filesync.core.DryRunRecords;
import io.filesync.testing.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code filesync.dry-run=true} through the real routes: a CSV deleted live, a folder of CSVs deleted, and a file
 * deleted while filesync was stopped keep their tables; each gives one "would drop table" record naming table and file,
 * however often it is reported again (the folder's deletion and each start reconcile it once more).
 */
class CsvDryRunTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path work;

    @Test
    void deletedFilesAndFoldersKeepTheirTablesAndRecordWouldDrop() throws Exception {
        Path csv = Files.createDirectories(work.resolve("csv"));
        Files.createDirectories(csv.resolve("region"));
        try (BundleBoot bundle = BundleBoot.start(work, settings(csv))) {
            DataSource db = dataSource(bundle);
            Files.writeString(csv.resolve("sales.csv"), "id,amount\n1,10\n2,20\n");
            Files.writeString(csv.resolve("region/north.csv"), "id\n7\n");
            await().atMost(PATIENCE).ignoreExceptions().until(
                    () -> Rows.count(db, "SELECT count(*) FROM sales") + Rows.count(db, "SELECT count(*) FROM region_north") == 3);

            Files.delete(csv.resolve("sales.csv"));
            Files.delete(csv.resolve("region/north.csv"));
            Files.delete(csv.resolve("region"));

            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> assertThat(wouldDrop(db))
                    .containsExactlyInAnyOrder("csv drop table sales: file sales.csv deleted",
                            "csv drop table region_north: file region/north.csv deleted"));
            assertThat(Rows.count(db, "SELECT count(*) FROM sales")).isEqualTo(2);
            assertThat(Rows.count(db, "SELECT count(*) FROM region_north")).isEqualTo(1);
        }
    }

    @Test
    void aFileDeletedWhileStoppedKeepsItsTableAtTheNextStart() throws Exception {
        Path csv = Files.createDirectories(work.resolve("csv"));
        try (BundleBoot bundle = BundleBoot.start(work, settings(csv))) {
            DataSource db = dataSource(bundle);
            Files.writeString(csv.resolve("stock.csv"), "sku\na\nb\n");
            await().atMost(PATIENCE).ignoreExceptions().until(() -> Rows.count(db, "SELECT count(*) FROM stock") == 2);
        }
        Files.delete(csv.resolve("stock.csv"));
        try (BundleBoot bundle = BundleBoot.start(work, settings(csv))) {
            DataSource db = dataSource(bundle);
            await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> assertThat(wouldDrop(db))
                    .containsExactly("csv drop table stock: file stock.csv deleted"));
            assertThat(Rows.count(db, "SELECT count(*) FROM stock")).isEqualTo(2);
        }
    }

    private static Map<String, String> settings(Path csv) {
        return Map.of("csv.dir", csv.toString(), "csv.settle-time-ms", "100",
                "filesync.dry-run", "true");
    }

    private static DataSource dataSource(BundleBoot bundle) {
        return bundle.main().getCamelContext().getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class);
    }

    private static List<String> wouldDrop(DataSource db) throws Exception {
        return Rows.column(db, "SELECT job || ' ' || action || ' ' || subject || ': ' || detail FROM "
                + DryRunRecords.TABLE);
    }
}
