package io.filesync.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Locale;

import javax.sql.DataSource;

import io.filesync.FilesyncMain;
import org.apache.camel.main.Main;

/**
 * Latency of the CSV job as configured by default (run by bench/csv-bench.sh): from closing a small CSV to its
 * table being visible, through the real routes on SQLite. Prints {@code latency median=<ms> p90=<ms> max=<ms>}.
 */
public final class CsvLatencyBench {

    public static void main(String[] args) throws Exception {
        int files = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Path work = Files.createTempDirectory("filesync-csv-latency-");
        Path csv = Files.createDirectories(work.resolve("csv"));
        System.setProperty("filesync.db.url", "jdbc:sqlite:" + work.resolve("latency.db"));
        System.setProperty("csv.dir", csv.toString());
        System.setProperty("camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml,file:routes/csv-*.camel.yaml");
        Main main = FilesyncMain.create(Path.of("config/application.properties"));
        main.start();
        DataSource dataSource = main.getCamelContext().getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class);
        double[] millis = new double[files];
        for (int i = 0; i < files; i++) {
            Path temporary = work.resolve("t" + i + ".csv");
            Files.writeString(temporary, "id,reading,at\n1,20.5,2024-05-01T10:00:00\n2,21.0,2024-05-01T10:01:00\n");
            long closed = System.nanoTime();
            Files.move(temporary, csv.resolve("t" + i + ".csv"), StandardCopyOption.ATOMIC_MOVE);
            while (!tableExists(dataSource, "t" + i)) {
                Thread.sleep(2);
            }
            millis[i] = (System.nanoTime() - closed) / 1e6;
        }
        main.stop();
        Arrays.sort(millis);
        System.out.printf(Locale.ROOT, "latency median=%.0f p90=%.0f max=%.0f%n", millis[files / 2],
                millis[(int) (files * 0.9)], millis[files - 1]);
        System.exit(0);
    }

    private static boolean tableExists(DataSource dataSource, String table) throws Exception {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'")) {
            return rows.next() && rows.getInt(1) == 1;
        }
    }
}
