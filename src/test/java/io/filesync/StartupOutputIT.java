package io.filesync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts filesync as a process, with the shipped logging configuration, on configurations that cannot start, and
 * checks everything it prints: the one line naming file, setting and value, and no stack trace unless debug logging
 * is on.
 */
class StartupOutputIT {

    private static final List<String> SHARED_ROUTES = List.of("filesync-beans.camel.yaml",
            "filesync-error-handling.camel.yaml", "filesync-error-record.camel.yaml");

    @TempDir
    Path work;

    private Path config;

    private record Run(int exitCode, String output) {

        /** What a user reads on the console, without the INFO lines of a normal start. */
        List<String> problems() {
            return output.lines().filter(line -> !line.contains(" INFO ")).filter(line -> !line.isBlank()).toList();
        }
    }

    private Run start(Map<String, String> settings, Map<String, String> environment, String... routeFiles) throws Exception {
        Path routes = Files.createDirectories(work.resolve("routes"));
        for (String file : SHARED_ROUTES) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        for (String file : routeFiles) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put("camel.main.routes-include-pattern", "file:routes/*.camel.yaml");
        all.put("camel.main.duration-max-seconds", "20");
        all.put("camel.main.shutdown-timeout", "2");
        // The jobs config/application.properties enables; inline they are off.
        for (String job : List.of("csv", "tail", "watch", "writer")) {
            all.put(job + ".enabled", "true");
        }
        all.putAll(settings);
        StringBuilder properties = new StringBuilder();
        all.forEach((key, value) -> properties.append(key).append(" = ").append(value).append('\n'));
        Path configDir = Files.createDirectories(work.resolve("config"));
        config = configDir.resolve("application.properties");
        Files.writeString(config, properties);
        Files.copy(Path.of("config/log4j2.properties"), configDir.resolve("log4j2.properties"));

        String dependencies = Files.readString(Path.of(System.getProperty("filesync.it.classpath"))).strip();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", Path.of("target/classes").toAbsolutePath() + File.pathSeparator + dependencies,
                "io.filesync.FilesyncMain", "config/application.properties"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("output.txt").toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("filesync did not stop: " + Files.readString(work.resolve("output.txt")));
        }
        return new Run(process.exitValue(), Files.readString(work.resolve("output.txt")));
    }

    private void misspellComponent() throws IOException {
        Files.createDirectories(work.resolve("routes"));
        Files.writeString(work.resolve("routes/csv-changes.camel.yaml"),
                Files.readString(Path.of("routes/csv-changes.camel.yaml")).replace("filesync-watch:", "filesync-wach:"));
    }

    @Test
    void misspeltComponentPrintsOneLineAndNoStackTrace() throws Exception {
        misspellComponent();
        Run run = start(Map.of("csv.dir", work.resolve("csv").toString()), Map.of());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.problems()).as(run.output()).containsExactly("filesync could not start: routes/csv-changes.camel.yaml:11:"
                + " route 'csv-changes': no component for scheme 'filesync-wach:' (misspelt, or its component is not on the classpath)");
    }

    @Test
    void portInUsePrintsOneLineAndNoStackTrace() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Run run = start(Map.of("sync.server.enabled", "true", "sync.server.port", String.valueOf(port)), Map.of(),
                    "sync-server.camel.yaml");
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.problems()).as(run.output()).hasSize(1);
            assertThat(run.problems().get(0)).startsWith("filesync could not start: routes/sync-server.camel.yaml:")
                    .endsWith("route 'sync-server': setting 'sync.server.port' = '" + port
                            + "' (from config/application.properties): cannot listen on 127.0.0.1:" + port + ": Address already in use");
        }
    }

    @Test
    void debugLoggingShowsTheStackTrace() throws Exception {
        misspellComponent();
        Path debugLogging = work.resolve("log4j2-debug.properties");
        Files.writeString(debugLogging, Files.readString(Path.of("config/log4j2.properties"))
                + "\nlogger.filesync.name = io.filesync\nlogger.filesync.level = DEBUG\n");
        // A logging configuration named by the standard system property wins over the one beside the config file.
        Run run = start(Map.of("csv.dir", work.resolve("csv").toString()),
                Map.of("JAVA_TOOL_OPTIONS", "-Dlog4j2.configurationFile=" + debugLogging));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.output()).contains("filesync could not start: routes/csv-changes.camel.yaml:11:")
                .contains("Startup failure in full")
                .containsPattern("Caused by: org\\.apache\\.camel\\.[A-Za-z.]+Exception: .*filesync-wach")
                .containsPattern("\n\tat org\\.apache\\.camel\\.");
    }

    @Test
    void unreachablePostgresNamesTheSettingHostAndPortButNeverThePassword() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/filesync";
        Run run = start(Map.of("filesync.db.username", "filesync",
                        "watch.target", work.resolve("watch").toString(), "watch.events-dir", work.resolve("events").toString()),
                Map.of("FILESYNC_DB_URL", url, "FILESYNC_DB_PASSWORD", "hunter2-secret"), "watch-events.camel.yaml");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.output()).contains("filesync could not start: ")
                .contains("setting 'filesync.db.url' = '" + url + "' (from environment variable FILESYNC_DB_URL): ")
                .contains("Connection to 127.0.0.1:" + port + " refused")
                .doesNotContain("hunter2-secret");
    }
}
