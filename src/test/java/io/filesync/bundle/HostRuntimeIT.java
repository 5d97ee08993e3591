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
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar inside a host Camel runtime: camel-main's own Main in a separate JVM, none of filesync's configuration
 * files. A host that loads every route of the jar without a filesync setting runs none of filesync's jobs and writes
 * nothing; a host with only the dependencies README lists for the CSV job runs that job.
 */
class HostRuntimeIT {

    /** README, "Deploying into an existing Camel runtime": what a host adds for the CSV job, beside camel-main and camel-yaml-dsl. */
    private static final List<String> CSV_JOB_DEPENDENCIES = List.of(
            "org.apache.camel:camel-bean",
            "org.apache.camel:camel-direct",
            "org.apache.camel:camel-timer",
            "org.apache.camel:camel-health",
            "org.apache.camel:camel-micrometer",
            "org.apache.camel:camel-csv:" + System.getProperty("filesync.it.camel-csv-version"),
            "com.zaxxer:HikariCP:" + System.getProperty("filesync.it.hikaricp-version"),
            "org.xerial:sqlite-jdbc:" + System.getProperty("filesync.it.sqlite-jdbc-version"));

    @TempDir
    Path host;

    @TempDir
    Path outside;

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
    void aHostLoadingEveryRouteWithoutFilesyncSettingsRunsNoJobAndWritesNothing() throws Exception {
        String dependencies = Files.readString(Path.of(System.getProperty("filesync.it.classpath"))).strip();
        Path hostRoutes = outside.resolve("host.camel.yaml");
        // Fires once the context has run for a while: by then a started job would have created its folders.
        Files.writeString(hostRoutes, """
                - route:
                    id: host-timer
                    from:
                      uri: timer:host-timer
                      parameters:
                        repeatCount: 1
                        delay: 2000
                      steps:
                        - log: "host route ran"
                """);

        start(jar() + File.pathSeparator + dependencies,
                "classpath:filesync/routes/*.camel.yaml,file:" + hostRoutes, "-Dorg.apache.logging.log4j.level=INFO");

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(process.isAlive()).as("host JVM alive; log:%n%s", log()).isTrue();
            assertThat(log()).contains("host route ran");
        });
        assertThat(log()).contains("Started host-timer").contains("Started filesync-error-record")
                .doesNotContain("Started csv-changes").doesNotContain("tailing");
        assertThat(filesUnder(host)).as("written under the host's working directory").isEmpty();
    }

    @Test
    void aHostWithOnlyTheCsvJobDependenciesLoadsACsvIntoATable() throws Exception {
        Files.createDirectories(host.resolve("data/csv"));
        Files.writeString(host.resolve("data/csv/people.csv"), "id,name\n1,alpha\n2,beta\n");

        start(jar() + File.pathSeparator + resolve(CSV_JOB_DEPENDENCIES),
                "classpath:filesync/routes/filesync-*.camel.yaml,classpath:filesync/routes/csv-*.camel.yaml",
                "-Dcsv.enabled=true");

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(process.isAlive()).as("host JVM alive; log:%n%s", log()).isTrue();
            assertThat(names()).as("log:%n%s", log()).containsExactly("alpha", "beta");
        });
    }

    private Path jar() {
        Path jar = Path.of(System.getProperty("filesync.it.jar"));
        assertThat(jar).exists();
        return jar;
    }

    private void start(String classpath, String routes, String... settings) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath,
                "-Dcamel.main.routes-include-pattern=" + routes));
        command.addAll(List.of(settings));
        command.add("org.apache.camel.main.Main");
        process = new ProcessBuilder(command)
                .directory(host.toFile())
                .redirectErrorStream(true)
                .redirectOutput(outside.resolve("host.log").toFile())
                .start();
    }

    /**
     * The classpath a host gets from camel-main, camel-yaml-dsl and these dependencies: Maven resolves a host project
     * of exactly those, with a logging binding so the host's log shows what went wrong.
     */
    private String resolve(List<String> dependencies) throws Exception {
        Path project = Files.createDirectories(outside.resolve("host-project"));
        List<String> all = new ArrayList<>(List.of("org.apache.camel:camel-main", "org.apache.camel:camel-yaml-dsl",
                "org.slf4j:slf4j-api:" + System.getProperty("filesync.it.slf4j-version"),
                "org.slf4j:slf4j-simple:" + System.getProperty("filesync.it.slf4j-version")));
        all.addAll(dependencies);
        String declared = all.stream().map(HostRuntimeIT::dependency).collect(Collectors.joining("\n"));
        Files.writeString(project.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>host</groupId>
                  <artifactId>host</artifactId>
                  <version>1</version>
                  <dependencyManagement>
                    <dependencies>
                      <dependency>
                        <groupId>org.apache.camel</groupId>
                        <artifactId>camel-bom</artifactId>
                        <version>%s</version>
                        <type>pom</type>
                        <scope>import</scope>
                      </dependency>
                    </dependencies>
                  </dependencyManagement>
                  <dependencies>
                %s
                  </dependencies>
                </project>
                """.formatted(System.getProperty("filesync.it.camel-version"), declared));
        Path classpath = project.resolve("classpath.txt");
        Process maven = new ProcessBuilder("mvn", "-B", "-q", "dependency:build-classpath",
                "-Dmdep.outputFile=" + classpath, "-Dmdep.includeScope=runtime")
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(project.resolve("maven.log").toFile())
                .start();
        assertThat(maven.waitFor(5, TimeUnit.MINUTES)).as("maven finished").isTrue();
        assertThat(maven.exitValue()).as("maven log:%n%s", Files.readString(project.resolve("maven.log"))).isZero();
        return Files.readString(classpath).strip();
    }

    private static String dependency(String coordinates) {
        String[] parts = coordinates.split(":");
        String version = parts.length > 2 ? "<version>" + parts[2] + "</version>" : "";
        return "    <dependency><groupId>%s</groupId><artifactId>%s</artifactId>%s</dependency>"
                .formatted(parts[0], parts[1], version);
    }

    private List<String> names() throws Exception {
        Path database = host.resolve("data/filesync.db");
        List<String> names = new ArrayList<>();
        if (!Files.exists(database)) {
            return names;
        }
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT name FROM people ORDER BY id")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        } catch (java.sql.SQLException notLoadedYet) {
            return List.of();
        }
        return names;
    }

    private static List<Path> filesUnder(Path folder) throws Exception {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(path -> !path.equals(folder)).toList();
        }
    }

    private String log() throws Exception {
        Path log = outside.resolve("host.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }
}
