package io.filesync.bench;

import java.nio.file.Path;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import io.filesync.csv.CsvOptions;
import io.filesync.csv.CsvTables;

/**
 * Loads one CSV file through {@link CsvTables}, the way the ingest route does, and prints how long it took: used by
 * {@code bench/csv-bench.sh} and by the streaming test, which runs it in a JVM with a small heap.
 * <p>
 * Arguments: JDBC URL, user (or "-"), password (or "-"), watched folder, file path relative to it. Prints one line:
 * {@code outcome=LOADED millis=1234}.
 */
public final class CsvLoadBench {

    private CsvLoadBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: CsvLoadBench <jdbc-url> <user|-> <password|-> <folder> <relative-path>");
            System.exit(2);
        }
        String user = args[1].equals("-") ? null : args[1];
        String password = args[2].equals("-") ? null : args[2];
        try (HikariDataSource dataSource = DataSources.pooled(args[0], user, password, 2)) {
            CsvTables tables = new CsvTables(dataSource, Path.of(args[3]).toString(), "bench", CsvOptions.defaults());
            long start = System.nanoTime();
            Object outcome = tables.sync(args[4]);
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.println("outcome=" + outcome + " millis=" + millis);
        }
    }
}
