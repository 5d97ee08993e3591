package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readers never see a missing, empty or half-loaded table while it is reloaded over and over, on SQLite. */
class CsvConcurrentReaderTest {

    static final int ROWS = 5_000;
    static final int RELOADS = 15;

    @TempDir
    Path tempDir;

    private CsvFixture db;

    @AfterEach
    void tearDown() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void aConcurrentReaderAlwaysSeesOneCompleteVersion() throws Exception {
        db = CsvFixture.sqlite(tempDir);
        assertReaderSeesOnlyCompleteVersions(db, db.tables());
    }

    /**
     * Loads version 0, then reloads versions 1..RELOADS while a reader counts rows and versions in a loop. Every
     * read must see exactly ROWS rows, all of one version.
     */
    static void assertReaderSeesOnlyCompleteVersions(CsvFixture db, CsvTables tables) throws Exception {
        db.write("live.csv", version(0));
        tables.sync("live.csv");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        List<String> anomalies = new CopyOnWriteArrayList<>();
        Set<Long> versionsSeen = ConcurrentHashMap.newKeySet();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            Future<?> reading = reader.submit(() -> read(db.dataSource, stop, reads, anomalies, versionsSeen));
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> reads.get() > 0 || reading.isDone());
            for (int version = 1; version <= RELOADS; version++) {
                db.write("live.csv", version(version));
                assertThat(tables.sync("live.csv")).isEqualTo(SyncOutcome.LOADED);
            }
            long readsAtEnd = reads.get();
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> reads.get() > readsAtEnd || reading.isDone());
            stop.set(true);
            reading.get(30, TimeUnit.SECONDS);
        } finally {
            stop.set(true);
            reader.shutdown();
            reader.awaitTermination(30, TimeUnit.SECONDS);
        }
        assertThat(anomalies).isEmpty();
        assertThat(versionsSeen).contains((long) RELOADS).hasSizeGreaterThan(1);
        assertThat(reads.get()).isGreaterThan(RELOADS);
    }

    private static void read(DataSource dataSource, AtomicBoolean stop, AtomicLong reads, List<String> anomalies,
                             Set<Long> versionsSeen) {
        while (!stop.get()) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
                 ResultSet row = statement.executeQuery("SELECT count(*), min(version), max(version), min(\"_row\"), max(\"_row\") FROM live")) {
                row.next();
                long count = row.getLong(1);
                long min = row.getLong(2);
                long max = row.getLong(3);
                if (count != ROWS || min != max || row.getLong(4) != 0 || row.getLong(5) != ROWS - 1) {
                    anomalies.add("read " + count + " rows of versions " + min + ".." + max);
                }
                versionsSeen.add(max);
            } catch (Exception e) {
                anomalies.add("read failed: " + e);
            }
            reads.incrementAndGet();
        }
    }

    static String version(int version) {
        StringBuilder csv = new StringBuilder("version,n,label\n");
        for (int i = 0; i < ROWS; i++) {
            csv.append(version).append(',').append(i).append(",row ").append(i).append(" of version ").append(version).append('\n');
        }
        return csv.toString();
    }
}
