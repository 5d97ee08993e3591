package io.filesync.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;

import javax.sql.DataSource;

import io.filesync.FilesyncMain;
import io.filesync.servers.PostgresServer.TestDatabase;
import io.filesync.servers.TestServers;
import io.filesync.tail.TailLine;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.Main;

/**
 * Benchmark of tail to rows (run by bench/tail-bench.sh, not by the test suite). Throughput: N lines already
 * appended to 10 files, from start to the last row committed, into SQLite and into PostgreSQL, against
 * {@code sqlite3 .import} and {@code psql \copy} of the same files. Latency: append to committed row at a steady
 * rate. Prints one line per figure, the ratios last.
 */
public final class TailBench {

    private static final int FILES = 10;

    public static void main(String[] args) throws Exception {
        int lines = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        Path work = Files.createTempDirectory("filesync-tail-bench-");
        Path data = generate(work.resolve("data"), lines);

        double sqliteFilesync = filesyncThroughput("jdbc:sqlite:" + work.resolve("bench.db"), null, null, data, lines);
        double sqlitePeer = timedLines(lines, List.of("bash", "-c", sqliteImport(work.resolve("peer.db"), data)), null);

        TestDatabase postgres = TestServers.postgres().createDatabase();
        double postgresFilesync = filesyncThroughput(postgres.jdbcUrl(), postgres.username(), postgres.password(), data, lines);
        double postgresPeer = timedLines(lines, List.of("bash", "-c", psqlCopy(postgres, data)), postgres.password());

        double[] latency = latency(work.resolve("latency"), 1000, 10);

        System.out.printf(Locale.ROOT, "sqlite   filesync %,.0f lines/s   sqlite3 .import %,.0f lines/s%n", sqliteFilesync, sqlitePeer);
        System.out.printf(Locale.ROOT, "postgres filesync %,.0f lines/s   psql \\copy %,.0f lines/s%n", postgresFilesync, postgresPeer);
        System.out.printf(Locale.ROOT, "latency at 1000 lines/s: median %.1f ms, p99 %.1f ms (%d lines)%n", latency[0], latency[1], (int) latency[2]);
        System.out.printf(Locale.ROOT, "ratio filesync/peer throughput: sqlite %.2f, postgres %.2f%n",
                sqliteFilesync / sqlitePeer, postgresFilesync / postgresPeer);
        System.exit(0);
    }

    /** 10 files of "sensor,value,text" lines. */
    private static Path generate(Path folder, int lines) throws IOException {
        Files.createDirectories(folder);
        List<BufferedWriter> writers = new ArrayList<>();
        for (int f = 0; f < FILES; f++) {
            writers.add(Files.newBufferedWriter(folder.resolve("part" + f + ".log"), StandardCharsets.UTF_8));
        }
        for (int i = 0; i < lines; i++) {
            writers.get(i % FILES).write(i + "," + (i % 1000) / 10.0 + ",reading number " + i + "\n");
        }
        for (BufferedWriter writer : writers) {
            writer.close();
        }
        return folder;
    }

    private static double filesyncThroughput(String url, String user, String password, Path data, int lines) throws Exception {
        System.setProperty("filesync.db.url", url);
        if (user != null) {
            System.setProperty("filesync.db.username", user);
            System.setProperty("filesync.db.password", password);
        }
        System.setProperty("camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml,file:routes/tail-to-rows.camel.yaml");
        System.setProperty("tail.dir", data.toString());
        System.setProperty("tail.template", "INSERT INTO readings (sensor, value, note) VALUES (:#field1, :#field2, :#field3)");
        System.setProperty("tail.setup-sql", "CREATE TABLE IF NOT EXISTS readings (sensor BIGINT, value NUMERIC, note TEXT)");
        long start = System.nanoTime();
        Main main = FilesyncMain.create(Path.of("config/application.properties"));
        main.start();
        DataSource dataSource = main.getCamelContext().getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class);
        long bytes = 0;
        try (var files = Files.list(data)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                bytes += Files.size(file);
            }
        }
        // Polls the committed positions (10 rows), not the growing table: a count(*) would cost the load itself.
        while (committedBytes(dataSource) < bytes) {
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        main.stop();
        for (String key : List.of("filesync.db.url", "filesync.db.username", "filesync.db.password", "tail.dir", "tail.template",
                "tail.setup-sql", "camel.main.routes-include-pattern")) {
            System.clearProperty(key);
        }
        return lines / seconds;
    }

    private static String sqliteImport(Path db, Path data) {
        StringBuilder script = new StringBuilder("sqlite3 " + db + " 'CREATE TABLE readings (sensor INTEGER, value REAL, note TEXT)'");
        script.append(" && sqlite3 ").append(db).append(" <<'EOF'\n.mode csv\n");
        for (int f = 0; f < FILES; f++) {
            script.append(".import ").append(data.resolve("part" + f + ".log")).append(" readings\n");
        }
        return script.append("EOF\n").toString();
    }

    private static String psqlCopy(TestDatabase db, Path data) {
        String connect = "psql -q -h 127.0.0.1 -p " + TestServers.postgres().port() + " -U " + db.username() + " -d " + db.name();
        StringBuilder script = new StringBuilder(connect + " -c 'CREATE TABLE peer (sensor BIGINT, value NUMERIC, note TEXT)'");
        for (int f = 0; f < FILES; f++) {
            script.append(" && ").append(connect).append(" -c \"\\copy peer FROM '").append(data.resolve("part" + f + ".log"))
                    .append("' WITH (FORMAT csv)\"");
        }
        return script.toString();
    }

    private static double timedLines(int lines, List<String> command, String password) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        if (password != null) {
            builder.environment().put("PGPASSWORD", password);
        }
        long start = System.nanoTime();
        int exit = builder.start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (exit != 0) {
            throw new IllegalStateException("peer command failed with exit code " + exit + ": " + command);
        }
        return lines / seconds;
    }

    /** Appends lines carrying their own write time at a steady rate; measures write to commit. */
    private static double[] latency(Path folder, int perSecond, int seconds) throws Exception {
        Files.createDirectories(folder);
        System.setProperty("filesync.db.url", "jdbc:sqlite:" + folder.resolve("latency.db"));
        System.setProperty("camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml");
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        Main main = FilesyncMain.create(Path.of("config/application.properties"));
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                from("kamelet:filesync-tail-source?directory=" + folder + "&stateKey=latency&include=*.log")
                        .to("kamelet:filesync-rows-sink?template=RAW(INSERT INTO lat (t) VALUES (:#field1))"
                                + "&setupSql=RAW(CREATE TABLE IF NOT EXISTS lat (t BIGINT))")
                        .process(exchange -> {
                            long now = System.nanoTime();
                            for (Object line : exchange.getMessage().getBody(List.class)) {
                                latencies.add(now - Long.parseLong(((TailLine) line).text()));
                            }
                        });
            }
        });
        main.start();
        Path file = folder.resolve("steady.log");
        Files.writeString(file, "");
        Thread.sleep(2000); // let the source start following the file before the clock starts
        long intervalNanos = 1_000_000_000L / perSecond;
        long next = System.nanoTime();
        try (var out = Files.newOutputStream(file, StandardOpenOption.APPEND)) {
            for (int i = 0; i < perSecond * seconds; i++) {
                while (System.nanoTime() < next) {
                    Thread.onSpinWait();
                }
                out.write((System.nanoTime() + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                next += intervalNanos;
            }
        }
        while (latencies.size() < perSecond * seconds) {
            Thread.sleep(20);
        }
        main.stop();
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return new double[] {sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6, sorted.length};
    }

    private static long committedBytes(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT coalesce(sum(byte_offset), 0) FROM filesync_tail_offsets")) {
            rows.next();
            return rows.getLong(1);
        } catch (Exception notYet) {
            return 0;
        }
    }
}
