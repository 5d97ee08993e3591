package io.filesync.core.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import io.filesync.testing.CapturedLog;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the shared progress reporter says, tick by tick, with a clock the test moves. */
class ProgressTest {

    private static final String LOGGER = "io.filesync.progress-test";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final long MIB = 1024 * 1024;

    /** A clock that moves only when told. */
    static final class HandClock extends Clock {
        long millis = 1_000_000;

        void advance(Duration by) {
            millis += by.toMillis();
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private final HandClock clock = new HandClock();
    private final Progress progress = new Progress(null, clock, Duration.ofSeconds(5), true);
    private CapturedLog log;

    @BeforeEach
    void capture() {
        log = CapturedLog.of(LOGGER);
    }

    @AfterEach
    void release() {
        log.close();
    }

    private void tick() {
        clock.advance(Duration.ofSeconds(5));
        progress.report();
    }

    @Test
    void aWorkWithTotalsSaysFilesAndBytesDoneOfTotalTheRateOverTheLastIntervalAndTheTimeLeft() {
        Progress.Work work = progress.start(LOG, "mirror photos: initial sync", "files", 1000, 1000 * MIB);
        work.advance(100, 100 * MIB);
        tick();
        work.advance(50, 50 * MIB);
        tick();

        assertThat(log.lines()).containsExactly(
                "INFO mirror photos: initial sync: 100 of 1000 files, 100.0 MiB of 1000.0 MiB (10%), 20.0 MiB/s, about 45s left",
                "INFO mirror photos: initial sync: 150 of 1000 files, 150.0 MiB of 1000.0 MiB (15%), 10.0 MiB/s, about 1m 25s left");
    }

    @Test
    void aWorkWithoutTotalsSaysHowManySoFarAndTheRate() {
        Progress.Work load = progress.start(LOG, "csv sales.csv: loading", "rows", -1, 0);
        load.advance(250_000, 0);
        tick();

        assertThat(log.lines()).containsExactly("INFO csv sales.csv: loading: 250000 rows so far, 50000 rows/s");
    }

    @Test
    void partsOfAnUploadAreCountedOfTheirTotal() {
        Progress.Work upload = progress.start(LOG, "mirror photos: uploading big.iso", "parts", 80, 640 * MIB);
        upload.advance(12, 96 * MIB);
        tick();

        assertThat(log.lines()).containsExactly(
                "INFO mirror photos: uploading big.iso: 12 of 80 parts, 96.0 MiB of 640.0 MiB (15%), 19.2 MiB/s, about 29s left");
    }

    @Test
    void nothingIsSaidWhileIdleNorForWorkThatDidNotMoveNorOnceItEnded() {
        tick();
        Progress.Work stalled = progress.start(LOG, "sync: initial sync", "files", 10, 0);
        tick();
        tick();
        Progress.Work ended = progress.start(LOG, "csv: loading", "rows", -1, 0);
        ended.advance(10, 0);
        clock.advance(Duration.ofSeconds(6));
        ended.close();
        progress.report();

        assertThat(log.lines()).isEmpty();
        assertThat(stalled.done()).isZero();
    }

    @Test
    void workShorterThanAnIntervalSaysNothing() {
        Progress.Work quick = progress.start(LOG, "mirror photos: queue", "actions", 5, 0);
        quick.advance(3, 0);
        clock.advance(Duration.ofSeconds(2));
        progress.report();

        assertThat(log.lines()).isEmpty();
    }

    @Test
    void aBurstOfAThousandSmallFilesGivesOneLineForTheFirstAndOneSummaryPerInterval() {
        Progress.Tally mirrored = progress.tally(LOG, "mirror photos", "files mirrored");
        for (int i = 0; i < 1000; i++) {
            mirrored.completed("sent f" + i + ".txt (1024 bytes)", 1, 1024);
            if (i == 600) {
                tick();
            }
        }
        tick();
        tick();

        assertThat(log.lines()).containsExactly(
                "INFO mirror photos: sent f0.txt (1024 bytes)",
                "INFO mirror photos: 600 more files mirrored in the last 5 s (600.0 KiB)",
                "INFO mirror photos: 399 more files mirrored in the last 5 s (399.0 KiB)");
    }

    @Test
    void unitsFarApartAreEachSaidOnTheirOwnLine() {
        Progress.Tally committed = progress.tally(LOG, "tail app.log", "lines committed");
        committed.completed("committed 40 lines", 40, 0);
        tick();
        committed.completed("committed 7 lines", 7, 0);
        tick();

        assertThat(log.lines()).containsExactly("INFO tail app.log: committed 40 lines", "INFO tail app.log: committed 7 lines");
    }

    @Test
    void theFactsListTheOpenWorkWithItsFigures() {
        Progress.Work work = progress.start(LOG, "mirror photos: initial sync", "files", 1000, 1000 * MIB);
        work.advance(100, 100 * MIB);
        tick();

        List<Map<String, Object>> facts = progress.snapshot();
        assertThat(facts).hasSize(1);
        assertThat(facts.get(0)).containsEntry("name", "mirror photos: initial sync").containsEntry("done", 100L)
                .containsEntry("total", 1000L).containsEntry("bytes", 100 * MIB).containsEntry("bytesPerSecond", 20 * MIB)
                .containsEntry("etaSeconds", 45L);
        work.close();
        assertThat(progress.snapshot()).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theContextsReporterListsOpenWorkInTheFactsJsonAndStopsWithTheContext() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            context.start();
            assertThat((List<?>) FactsJson.of(context).get("progress")).isEmpty();
            Progress shared = Progress.of(context);
            assertThat(Progress.of(context)).isSameAs(shared);
            assertThat(shared.isStarted()).isTrue();
            try (Progress.Work work = shared.start(LOG, "sync: initial sync", "files", 3, 30)) {
                work.advance(1, 10);
                List<Map<String, Object>> listed = (List<Map<String, Object>>) FactsJson.of(context).get("progress");
                assertThat(listed).singleElement().satisfies(open -> assertThat(open)
                        .containsEntry("name", "sync: initial sync").containsEntry("done", 1L).containsEntry("total", 3L)
                        .containsEntry("bytes", 10L).containsEntry("totalBytes", 30L));
            }
            context.stop();
            assertThat(shared.isStopped()).isTrue();
        }
    }
}
