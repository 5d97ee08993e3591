package io.filesync.tail;

import io.filesync.testing.Rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * filesync in a JVM of its own is killed with SIGKILL twice while lines are being appended, and restarted: every
 * line must end up in the table exactly once.
 */
class TailCrashIT {

    private static final int FILES = 3;
    private static final int LINES_PER_FILE = 4000;

    @TempDir
    Path work;

    private Process filesync;

    @AfterEach
    void stop() throws Exception {
        if (filesync != null && filesync.isAlive()) {
            filesync.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyLineIsStoredExactlyOnceThroughTwoKillNines() throws Exception {
        Path tail = Files.createDirectories(work.resolve("tail"));
        Path routes = Path.of("routes").toAbsolutePath();
        Path config = work.resolve("application.properties");
        Files.writeString(config, String.join("\n",
                "camel.main.routes-include-pattern = file:" + routes + "/filesync-*.camel.yaml,file:" + routes + "/tail-to-rows.camel.yaml",
                "filesync.db.url = jdbc:sqlite:" + work.resolve("filesync.db"),
                "tail.dir = " + tail,
                "tail.enabled = true",
                "") );

        AtomicInteger written = new AtomicInteger();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> appendSteadily(tail, written, writing), "appender");
        filesync = start(config);
        writer.start();

        for (int kill = 1; kill <= 2; kill++) {
            int threshold = kill * FILES * LINES_PER_FILE / 3;
            await().atMost(Duration.ofSeconds(120)).until(() -> storedCount() >= threshold);
            assertThat(writing.get()).as("kill %d lands while lines are still appended", kill).isTrue();
            filesync.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            // Lines keep arriving while filesync is dead; some of them half-written at the moment of the kill.
            int before = written.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > before + 200 || !writing.get());
            filesync = start(config);
        }
        writer.join(TimeUnit.MINUTES.toMillis(2));

        int total = FILES * LINES_PER_FILE;
        await().atMost(Duration.ofSeconds(120)).until(() -> storedCount() == total);
        assertThat(query("SELECT line FROM tail_lines GROUP BY line HAVING count(*) > 1")).as("duplicated lines").isEmpty();
        List<String> expected = new ArrayList<>();
        for (int file = 0; file < FILES; file++) {
            for (int line = 1; line <= LINES_PER_FILE; line++) {
                expected.add("f" + file + "-" + line);
            }
        }
        assertThat(query("SELECT line FROM tail_lines")).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(query("SELECT count(*) FROM tail_lines WHERE line_number <> CAST(substr(line, instr(line, '-') + 1) AS INTEGER)"))
                .as("line numbers match the lines").containsExactly("0");
    }

    /** Appends lines round-robin to the files, writing every seventh line in two halves. */
    private static void appendSteadily(Path tail, AtomicInteger written, AtomicBoolean writing) {
        try {
            List<OutputStream> outputs = new ArrayList<>();
            for (int file = 0; file < FILES; file++) {
                outputs.add(Files.newOutputStream(tail.resolve("f" + file + ".log"), StandardOpenOption.CREATE, StandardOpenOption.APPEND));
            }
            for (int line = 1; line <= LINES_PER_FILE; line++) {
                for (int file = 0; file < FILES; file++) {
                    byte[] bytes = ("f" + file + "-" + line + "\n").getBytes(StandardCharsets.UTF_8);
                    OutputStream out = outputs.get(file);
                    if (line % 7 == 0) {
                        out.write(bytes, 0, bytes.length / 2);
                        out.flush();
                        out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
                    } else {
                        out.write(bytes);
                    }
                    out.flush();
                    written.incrementAndGet();
                }
                if (line % 4 == 0) {
                    // Pacing a steady producer (about 10 s in all), not synchronisation: the kills must land while
                    // lines are still being appended.
                    Thread.sleep(10);
                }
            }
            for (OutputStream out : outputs) {
                out.close();
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        } finally {
            writing.set(false);
        }
    }

    private Process start(Path config) throws IOException {
        String dependencies = Files.readString(Path.of(System.getProperty("filesync.it.classpath"))).strip();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", Path.of("target/classes").toAbsolutePath() + File.pathSeparator + dependencies,
                "io.filesync.FilesyncMain", config.toString());
        return new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("filesync.log").toFile())).start();
    }

    private int storedCount() throws SQLException {
        List<String> count = query("SELECT count(*) FROM tail_lines");
        return count.isEmpty() ? 0 : Integer.parseInt(count.get(0));
    }

    private List<String> query(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + work.resolve("filesync.db") + "?busy_timeout=10000")) {
            return Rows.column(connection, sql);
        }
    }
}
