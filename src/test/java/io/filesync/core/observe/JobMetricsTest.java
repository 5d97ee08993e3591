package io.filesync.core.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.filesync.BundleBoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local jobs of the real bundle, watched through the management server while they work: CSV loads, tailed lines
 * (good, bad and not yet complete), change events and error records move their metrics, and a watched or tailed
 * folder that vanishes turns readiness DOWN until it is back.
 */
class JobMetricsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path work;

    @Test
    void metricsMoveAsTheLocalJobsWork() throws Exception {
        Path csv = Files.createDirectories(work.resolve("csv"));
        Path tail = Files.createDirectories(work.resolve("tail"));
        Path watch = Files.createDirectories(work.resolve("watch"));
        Map<String, String> settings = Map.of("csv.dir", csv.toString(), "csv.settle-time-ms", "100",
                "tail.dir", tail.toString(), "tail.max-line-bytes", "100");
        try (BundleBoot bundle = BundleBoot.start(work, settings)) {
            Scrape scrape = Scrape.of(bundle.main().getCamelContext());

            Files.writeString(csv.resolve("sales.csv"), "region,amount\nnorth,10\nsouth,20\neast,30\n");
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(scrape.value("filesync_csv_files_loaded_total", "table=\"sales\"")).isEqualTo(1);
                assertThat(scrape.value("filesync_csv_rows_written_total", "table=\"sales\"")).isEqualTo(3);
            });
            // A row with a cell too many: an error record, and the table keeps its three rows.
            Files.writeString(csv.resolve("sales.csv"), "region,amount\nnorth,10\nsouth,20,extra\n");
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(scrape.value("filesync_errors_recorded_total", "job=\"csv\"")).isEqualTo(1);
                assertThat(scrape.value("filesync_csv_files_loaded_total", "table=\"sales\"")).isEqualTo(1);
                assertThat(scrape.value("filesync_csv_rows_written_total", "table=\"sales\"")).isEqualTo(3);
            });

            // Two good lines, one longer than tail.max-line-bytes, and a line still being written (no newline yet).
            Files.writeString(tail.resolve("app.log"), "first\nsecond\n" + "x".repeat(200) + "\npartial");
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(scrape.value("filesync_tail_lines_ingested_total", "file=\"app.log\"")).isEqualTo(2);
                assertThat(scrape.value("filesync_tail_lines_bad_total", "file=\"app.log\"")).isEqualTo(1);
                assertThat(scrape.value("filesync_tail_lag_bytes", "file=\"app.log\"")).isEqualTo("partial".length());
                assertThat(scrape.value("filesync_errors_recorded_total", "job=\"tail-to-rows\"")).isEqualTo(1);
            });
            Files.writeString(tail.resolve("app.log"), "\n", java.nio.file.StandardOpenOption.APPEND);
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(scrape.value("filesync_tail_lines_ingested_total", "file=\"app.log\"")).isEqualTo(3);
                assertThat(scrape.value("filesync_tail_lag_bytes", "file=\"app.log\"")).isZero();
            });

            // Listed from the start, before any event.
            double before = scrape.value("filesync_watch_events_emitted_total", "source=\"watch-events\"");
            assertThat(before).isNotNegative();
            Files.writeString(watch.resolve("note.txt"), "hello");
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(scrape.value("filesync_watch_events_emitted_total",
                    "source=\"watch-events\"")).isEqualTo(before + 1));
        }
    }

    @Test
    void aWatchedOrTailedFolderThatVanishesMakesReadinessDownUntilItIsBack() throws Exception {
        Path watch = Files.createDirectories(work.resolve("watch"));
        Path tail = Files.createDirectories(work.resolve("tail"));
        try (BundleBoot bundle = BundleBoot.start(work, Map.of("tail.dir", tail.toString()))) {
            Scrape scrape = Scrape.of(bundle.main().getCamelContext());
            for (var folder : Map.of(watch, "folder:watch-events", tail, "folder:tail-to-rows").entrySet()) {
                await().atMost(PATIENCE).untilAsserted(() -> assertThat(scrape.get("/observe/health/ready").statusCode()).isEqualTo(200));

                Files.delete(folder.getKey());
                await().atMost(PATIENCE).untilAsserted(() -> {
                    var ready = scrape.get("/observe/health/ready");
                    assertThat(ready.statusCode()).isEqualTo(503);
                    assertThat(ready.body()).contains(folder.getValue()).contains("vanished");
                });

                Files.createDirectories(folder.getKey());
                await().atMost(PATIENCE).untilAsserted(() -> assertThat(scrape.get("/observe/health/ready").statusCode()).isEqualTo(200));
            }
        }
    }
}
