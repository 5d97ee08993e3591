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
 * Arguments: JDBC URL, user (or "-"), password (or "-"), watched folder, file path relative to it, and optionally a
 * second file of the folder to load first, untimed, as a running filesync would have loaded other files before
 * (the JIT compiler has then warmed up). Prints one line: {@code outcome=LOADED millis=1234}.
 */
public final class CsvLoadBench {

    private CsvLoadBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 6) {
            System.err.println("usage: CsvLoadBench <jdbc-url> <user|-> <password|-> <folder> <relative-path> [warm-up-path]");
            System.exit(2);
        }
        String user = args[1].equals("-") ? null : args[1];
        String password = args[2].equals("-") ? null : args[2];
        try (HikariDataSource dataSource = DataSources.pooled(args[0], user, password, 2)) {
            CsvTables tables = new CsvTables(dataSource, Path.of(args[3]).toString(), "bench", CsvOptions.defaults());
            if (args.length == 6) {
                tables.sync(args[5]);
            }
            long start = System.nanoTime();
            Object outcome = tables.sync(args[4]);
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.println("outcome=" + outcome + " millis=" + millis);
        }
    }
}
