package io.filesync.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deploys the built jar into a plain Camel runtime, as a user with an existing Camel installation would: a separate
 * JVM running camel-main's own Main (not filesync's), with the jar and its runtime dependencies on the classpath. The
 * host loads the routes that ride in the jar from the classpath, and a few lines of YAML of its own instantiate the
 * jar's file-source Kamelet.
 */
class DeployableJarIT {

    @TempDir
    Path host;

    private Process process;

    @AfterEach
    void stopHost() throws Exception {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void plainCamelHostRunsTheKameletAndRoutesFromTheJar() throws Exception {
        Path jar = Path.of(System.getProperty("filesync.it.jar"));
        String dependencies = Files.readString(Path.of(System.getProperty("filesync.it.classpath"))).strip();
        assertThat(jar).exists();

        Files.writeString(host.resolve("host.camel.yaml"), """
                - route:
                    id: host-copy
                    from:
                      uri: kamelet:filesync-file-source
                      parameters:
                        directory: in
                        stateKey: host-copy
                        settleTime: 100
                        scanDelay: 100
                      steps:
                        - to:
                            uri: file:out
                """);
        Files.createDirectories(host.resolve("in/sub"));
        Files.writeString(host.resolve("in/sub/report.txt"), "quarterly numbers\n");

        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar + File.pathSeparator + dependencies,
                "-Dcamel.main.routes-include-pattern=classpath:filesync/routes/*.camel.yaml,file:host.camel.yaml",
                "-Dorg.apache.logging.log4j.level=INFO",
                "org.apache.camel.main.Main"));
        process = new ProcessBuilder(command)
                .directory(host.toFile())
                .redirectErrorStream(true)
                .redirectOutput(host.resolve("host.log").toFile())
                .start();

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(process.isAlive()).as("host JVM alive; log:%n%s", log()).isTrue();
            assertThat(host.resolve("out/sub/report.txt")).exists().hasContent("quarterly numbers\n");
        });

        // The jar's own beans route built the default SQLite database in the host's working folder, and the Kamelet
        // recorded the handled version there.
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + host.resolve("data/filesync.db"));
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT state_key, path FROM filesync_file_state")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("host-copy");
            assertThat(rows.getString(2)).isEqualTo("sub/report.txt");
        }
        assertThat(log()).contains("Started filesync-error-record").contains("Started host-copy");
    }

    private String log() throws Exception {
        Path log = host.resolve("host.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
