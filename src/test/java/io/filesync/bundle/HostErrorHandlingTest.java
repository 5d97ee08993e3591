package io.filesync.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host runtime (camel-main's own Main, none of filesync's configuration) loads filesync's routes from the classpath
 * beside a route of its own. filesync's error handling is filesync's: a failure of the CSV job is recorded in
 * filesync_errors, a failure of the host's route is left to the host's error handler.
 */
class HostErrorHandlingTest {

    @TempDir
    Path work;

    private Main main;

    @AfterEach
    void stop() {
        if (main != null) {
            main.stop();
        }
    }

    @Test
    void aHostRouteBesideFilesyncDoesNotGetFilesyncErrorHandling() throws Exception {
        Path csv = Files.createDirectories(work.resolve("csv"));
        // Two header fields, one row of three: bad input the shared error handling records at once.
        Files.writeString(csv.resolve("broken.csv"), "id,name\n1,alpha,extra\n");
        Path hostRoutes = work.resolve("host.camel.yaml");
        Files.writeString(hostRoutes, """
                - route:
                    id: host-failing
                    from:
                      uri: timer:host-failing
                      parameters:
                        repeatCount: 1
                      steps:
                        - throwException:
                            exceptionType: java.lang.IllegalStateException
                            message: host route failed on its own
                """);

        main = new Main();
        main.addOverrideProperty("camel.main.routes-include-pattern",
                "classpath:filesync/routes/filesync-*.camel.yaml,classpath:filesync/routes/csv-*.camel.yaml,file:" + hostRoutes);
        main.addOverrideProperty("filesync.db.url", "jdbc:sqlite:" + work.resolve("filesync.db"));
        main.addOverrideProperty("filesync.errors.max-redeliveries", "0");
        main.addOverrideProperty("csv.enabled", "true");
        main.addOverrideProperty("csv.dir", csv.toString());
        main.addOverrideProperty("csv.settle-time-ms", "50");
        main.start();
        NotifyBuilder hostFailed = new NotifyBuilder(main.getCamelContext()).fromRoute("host-failing").whenFailed(1).create();
        assertThat(main.getCamelContext().getRoutes()).as("routes loaded").hasSizeGreaterThan(3);

        assertThat(hostFailed.matches(30, java.util.concurrent.TimeUnit.SECONDS)).as("host route failed").isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> errorSources().stream().anyMatch(s -> s.contains("broken.csv")));
        // The CSV failure was recorded after the host's (the file must settle first), so a record would be there.
        assertThat(errorReasons()).noneMatch(reason -> reason.contains("host route failed on its own"));
    }

    private List<String> errorSources() throws Exception {
        return column("source");
    }

    private List<String> errorReasons() throws Exception {
        return column("reason");
    }

    private List<String> column(String name) throws Exception {
        DataSource dataSource = main.getCamelContext().getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class);
        List<String> values = new ArrayList<>();
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery("SELECT " + name + " FROM filesync_errors")) {
                while (rows.next()) {
                    values.add(String.valueOf(rows.getString(1)));
                }
            }
        } catch (java.sql.SQLException noTableYet) {
            return values;
        }
        return values;
    }
}
