package io.filesync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the real Main on the real routes with one bad setting or file each, and checks the one line it prints: the
 * file (and line) at fault, the setting and its value as the user wrote them, never a secret and never an internal
 * route id.
 */
class FilesyncMainStartupTest {

    /** The routes every start needs: the shared beans and the error handling. */
    private static final List<String> SHARED_ROUTES = List.of("filesync-beans.camel.yaml",
            "filesync-error-handling.camel.yaml", "filesync-error-record.camel.yaml");

    @TempDir
    Path dir;

    private Path config;

    /** The line printed by a start that must fail, with the given route files copied from routes/ and settings. */
    private String failedStart(Map<String, String> settings, String... routeFiles) throws Exception {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        for (String file : SHARED_ROUTES) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        for (String file : routeFiles) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");
        all.put("camel.main.duration-max-seconds", "10");
        all.put("filesync.db.url", "jdbc:sqlite:" + dir.resolve("filesync.db"));
        all.put("csv.dir", dir.resolve("csv").toString());
        all.put("watch.target", dir.resolve("watch").toString());
        all.put("watch.events-dir", dir.resolve("events").toString());
        // The jobs config/application.properties enables; inline they are off.
        for (String job : List.of("csv", "tail", "watch", "writer")) {
            all.put(job + ".enabled", "true");
        }
        all.putAll(settings);
        StringBuilder properties = new StringBuilder();
        all.forEach((key, value) -> properties.append(key).append(" = ").append(value.replace("\\", "\\\\")).append('\n'));
        config = dir.resolve("application.properties");
        Files.writeString(config, properties);

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int exitCode = FilesyncMain.run(FilesyncMain.create(config), new PrintStream(printed, true, StandardCharsets.UTF_8));
        String output = printed.toString(StandardCharsets.UTF_8).strip();
        assertThat(exitCode).as("exit code; printed: %s", output).isEqualTo(1);
        assertThat(output.lines()).as("one line").hasSize(1);
        return output;
    }

    /** Replaces text in a route file copied into the test's routes folder. */
    private void edit(String routeFile, String from, String to) throws Exception {
        Path file = dir.resolve("routes").resolve(routeFile);
        String text = Files.readString(file);
        assertThat(text).contains(from);
        Files.writeString(file, text.replace(from, to));
    }

    private String routeFile(String name) {
        return dir.resolve("routes").resolve(name).toString();
    }

    @Test
    void misspeltComponentNamesTheRouteFileAndLineThatUseIt() throws Exception {
        misspellWatchComponent();
        String line = failedStart(Map.of());
        assertThat(line).startsWith("filesync could not start: " + routeFile("csv-changes.camel.yaml")
                + ":11: route 'csv-changes': no component for scheme 'filesync-wach:' (misspelt, or its component is not on the classpath)");
    }

    @Test
    void failedStartClosesTheDatabasePoolBeforeTheJvmExits() throws Exception {
        misspellWatchComponent();
        failedStart(Map.of());
        // A pool left open goes on connecting in the background; during JVM exit that made the SQLite driver fail
        // and the pool log the driver's stack trace after the one-line message.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                .extracting(Thread::getName).noneMatch(name -> name.startsWith("filesync-db")));
    }

    private void misspellWatchComponent() throws Exception {
        Files.createDirectories(dir.resolve("routes"));
        Files.writeString(dir.resolve("routes/csv-changes.camel.yaml"),
                Files.readString(Path.of("routes/csv-changes.camel.yaml")).replace("filesync-watch:", "filesync-wach:"));
    }

    @Test
    void badCsvDelimiterNamesTheSettingItsValueAndTheBeanFile() throws Exception {
        String line = failedStart(Map.of("csv.delimiter", "commaa"), "csv-beans.camel.yaml");
        assertThat(line).isEqualTo("filesync could not start: " + routeFile("csv-beans.camel.yaml")
                + ": setting 'csv.delimiter' = 'commaa' (from " + config + "): A CSV delimiter (csv.delimiter) is auto,"
                + " one character, or comma, semicolon, tab, pipe; not 'commaa'");
    }

    @Test
    void badCsvIncludePatternNamesItsSetting() throws Exception {
        assertThat(failedStart(Map.of("csv.include", "*.csv"), "csv-beans.camel.yaml"))
                .startsWith("filesync could not start: " + routeFile("csv-beans.camel.yaml")
                        + ": setting 'csv.include' = '*.csv' (from " + config + "): ")
                .contains("Dangling meta character '*'");
    }

    @Test
    void badCsvTableNamingNamesItsSetting() throws Exception {
        assertThat(failedStart(Map.of("csv.table-names", "path"), "csv-beans.camel.yaml"))
                .isEqualTo("filesync could not start: " + routeFile("csv-beans.camel.yaml")
                        + ": setting 'csv.table-names' = 'path' (from " + config + "): Unknown table naming 'path':"
                        + " use relative-path or file-name");
    }

    @Test
    void malformedDatabaseUrlNamesTheSettingAndTheUrlButNotItsPassword() throws Exception {
        String line = failedStart(Map.of("filesync.db.url", "jdbc:postgres://127.0.0.1:1/filesync?user=fs&password=hunter22"));
        assertThat(line).contains(routeFile("filesync-beans.camel.yaml"))
                .contains("setting 'filesync.db.url' = 'jdbc:postgres://127.0.0.1:1/filesync?user=fs&password=****'")
                .contains("No JDBC driver accepts")
                .doesNotContain("hunter22");
    }

    @Test
    void unwritableDataFolderNamesTheDatabaseSettingAndTheFolder() throws Exception {
        Files.writeString(dir.resolve("blocker"), "a file where the database folder should be");
        String line = failedStart(Map.of("filesync.db.url", "jdbc:sqlite:" + dir.resolve("blocker/filesync.db")));
        assertThat(line).contains("setting 'filesync.db.url' = 'jdbc:sqlite:" + dir.resolve("blocker/filesync.db") + "'")
                .endsWith(dir.resolve("blocker") + " already exists and is not a folder");
    }

    @Test
    void badBooleanNamesTheSettingAndItsValue() throws Exception {
        String line = failedStart(Map.of("csv.recursive", "yes"), "csv-changes.camel.yaml");
        assertThat(line).startsWith("filesync could not start: " + routeFile("csv-changes.camel.yaml")
                        + ":11: route 'csv-changes': setting 'csv.recursive' = 'yes' (from " + config + "): ")
                .endsWith("Cannot convert the String value: yes to type: boolean as the value is not true or false");
    }

    @Test
    void badNumberNamesTheSettingAndItsValue() throws Exception {
        String line = failedStart(Map.of("watch.settle-time-ms", "soon"), "watch-events.camel.yaml");
        assertThat(line).isEqualTo("filesync could not start: " + routeFile("watch-events.camel.yaml")
                + ":9: route 'watch-events': setting 'watch.settle-time-ms' = 'soon' (from " + config + "): 'soon' is not a number");
    }

    @Test
    void wordForANumberOfAGeneratedConfigurerNamesTheSettingAndItsValue() throws Exception {
        // filesync-writer's maxBytes is set by its generated configurer, which reads numbers as durations too.
        String line = failedStart(Map.of("writer.max-bytes", "soon", "writer.commands-dir", dir.resolve("commands").toString()),
                "writer-commands.camel.yaml");
        assertThat(line).startsWith("filesync could not start: " + routeFile("writer-commands.camel.yaml"))
                .endsWith("setting 'writer.max-bytes' = 'soon' (from " + config + "): 'soon' is not a number");
    }

    @Test
    void wordThatCamelsDurationParserReadsAsZeroIsStillNotANumber() throws Exception {
        // Camel's duration parser reads "plenty" as 0: without a check the writer would have started with maxBytes=0.
        String line = failedStart(Map.of("writer.max-bytes", "plenty", "writer.commands-dir", dir.resolve("commands").toString()),
                "writer-commands.camel.yaml");
        assertThat(line).startsWith("filesync could not start: " + routeFile("writer-commands.camel.yaml"))
                .endsWith("setting 'writer.max-bytes' = 'plenty' (from " + config + "): 'plenty' is not a number");
    }

    @Test
    void badEnumValueListsTheAllowedValues() throws Exception {
        String line = failedStart(Map.of("watch.content", "txt"), "watch-events.camel.yaml");
        assertThat(line).isEqualTo("filesync could not start: " + routeFile("watch-events.camel.yaml")
                + ":9: route 'watch-events': setting 'watch.content' = 'txt' (from " + config + "): 'txt' is not one of none, text, bytes");
    }

    @Test
    void badNumberForABeanNamesTheSettingThoughCamelQuotesNoValue() throws Exception {
        String line = failedStart(Map.of("sync.server.max-file-bytes", "lots"), "sync-server.camel.yaml");
        assertThat(line).isEqualTo("filesync could not start: " + routeFile("sync-server.camel.yaml")
                + ": setting 'sync.server.max-file-bytes' = 'lots' (from " + config + "): 'lots' is not a number");
    }

    @Test
    void badSwitchOfTheSyncServerNamesTheSettingThoughCamelReadsItBuildingTheRestBlock() throws Exception {
        // The rest: block's disabled switch is read while Camel builds its routes, before any route exists to blame.
        String line = failedStart(Map.of("sync.server.enabled", "yes"), "sync-server.camel.yaml");
        assertThat(line).startsWith("filesync could not start: ")
                .contains("setting 'sync.server.enabled' = 'yes' (from " + config + "): ");
    }

    @Test
    void misspeltEndpointOptionNamesTheOptionAndTheLineNotTheWholeUri() throws Exception {
        Files.createDirectories(dir.resolve("routes"));
        Files.copy(Path.of("routes/writer-commands.camel.yaml"), dir.resolve("routes/writer-commands.camel.yaml"));
        edit("writer-commands.camel.yaml", "readLockMinAge:", "readLockMinAgee:");
        String line = failedStart(Map.of("writer.commands-dir", dir.resolve("commands").toString()));
        assertThat(line).isEqualTo("filesync could not start: " + routeFile("writer-commands.camel.yaml") + ":11:"
                + " route 'writer-commands': unknown endpoint option readLockMinAgee=500 (misspelt, or not an option of this endpoint)");
    }

    @Test
    void missingRoutesFolderNamesTheSettingAndTheFolder() throws Exception {
        Path missing = dir.resolve("no-such-routes");
        String line = failedStart(Map.of("camel.main.routes-include-pattern", "file:" + missing + "/*.camel.yaml"));
        assertThat(line).isEqualTo("filesync could not start: setting 'camel.main.routes-include-pattern' = 'file:" + missing
                + "/*.camel.yaml' (from " + config + "): no such file or folder: " + missing);
    }

    @Test
    void yamlSyntaxErrorNamesFileLineAndColumn() throws Exception {
        Files.createDirectories(dir.resolve("routes"));
        Files.writeString(dir.resolve("routes/broken.camel.yaml"), """
                - route:
                    id: broken
                    from:
                      uri: timer:x
                      steps:
                        - log: hi
                   - log: misaligned
                """);
        String line = failedStart(Map.of());
        assertThat(line).startsWith("filesync could not start: " + routeFile("broken.camel.yaml") + ":7:4: ")
                .doesNotContain("setting '");
    }

    @Test
    void portInUseNamesTheRouteTheSettingAndTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            String line = failedStart(Map.of("sync.server.enabled", "true", "sync.server.port", String.valueOf(port),
                    "sync.server.root", dir.resolve("server/files").toString(),
                    "sync.server.store", dir.resolve("server/store").toString()), "sync-server.camel.yaml");
            assertThat(line).startsWith("filesync could not start: " + routeFile("sync-server.camel.yaml") + ":")
                    .contains("route 'sync-server': setting 'sync.server.port' = '" + port + "' (from " + config + "): ")
                    .endsWith("cannot listen on 127.0.0.1:" + port + ": Address already in use");
        }
    }
}
