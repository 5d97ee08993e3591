package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.filesync.bench.CsvLoadBench;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory does not grow with the file: a 2,000,000-row CSV (about 90 MB) loads into SQLite in a JVM whose heap is
 * capped at 48 MB, a fraction of the file. Any code path holding the file or its rows would fail with
 * OutOfMemoryError. The heap cannot be set inside a test JVM, so the load runs in a child JVM.
 */
class CsvStreamingTest {

    private static final long ROWS = 2_000_000;

    @TempDir
    Path tempDir;

    @Test
    void aFileMuchLargerThanTheHeapLoads() throws Exception {
        Path folder = Files.createDirectories(tempDir.resolve("csv"));
        Path file = folder.resolve("big.csv");
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("id,amount,day,label\n");
            for (long i = 0; i < ROWS; i++) {
                out.write(i + "," + (i % 1000) + "." + (i % 100) + ",2024-01-" + (10 + i % 20) + ",\"label, number " + i + "\"\n");
            }
        }
        assertThat(Files.size(file)).isGreaterThan(80L * 1024 * 1024);
        Path database = tempDir.resolve("big.db");
        String classpath = System.getProperty("java.class.path");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = tempDir.resolve("child.log");

        Process child = new ProcessBuilder(List.of(java, "-Xmx48m", "-XX:+UseSerialGC", "-cp", classpath,
                CsvLoadBench.class.getName(), "jdbc:sqlite:" + database, "-", "-", folder.toString(), "big.csv"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = child.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            child.destroyForcibly();
        }

        String output = Files.readString(log);
        assertThat(finished).as("load finished in time").isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).contains("outcome=LOADED").doesNotContain("OutOfMemoryError");
        try (CsvFixture db = CsvFixture.on(tempDir, io.filesync.core.db.DataSources.pooled("jdbc:sqlite:" + database, null, null, 1))) {
            // amount is a decimal column, whose digits SQLite keeps as text: compared as a number only when cast.
            assertThat(CsvTablesTest.values(db.query("SELECT count(*), max(\"_row\"), max(id), sum(CAST(amount AS REAL) >= 1000) FROM big")))
                    .containsExactly(List.of(String.valueOf(ROWS), String.valueOf(ROWS - 1), String.valueOf(ROWS - 1), "0"));
            assertThat(CsvTablesTest.values(db.query("SELECT label FROM big WHERE id = 1234567")))
                    .containsExactly(List.of("label, number 1234567"));
        }
    }
}
