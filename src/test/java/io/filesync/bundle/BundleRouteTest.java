package io.filesync.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.filesync.core.error.BadInputException;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Boots the real configuration (config/application.properties and every routes/*.camel.yaml) against a SQLite file,
 * as {@code camel:run} does. Starting at all proves every route file is valid YAML the DSL accepts.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:config/application.properties",
        properties = {
                "filesync.db.url=jdbc:sqlite:target/bundle-route-test/filesync.db",
                "filesync.errors.max-redeliveries=2",
                "filesync.errors.initial-delay-ms=10",
                "filesync.errors.max-delay-ms=20",
                "camel.main.routes-include-pattern=file:routes/*.camel.yaml"
        })
class BundleRouteTest {

    @BeanInject
    CamelContext context;

    ProducerTemplate template;

    @BeforeEach
    void emptyErrorTable() throws Exception {
        template = context.createProducerTemplate();
        try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("DELETE FROM filesync_errors WHERE 1 = 1");
        } catch (java.sql.SQLException noTableYet) {
            // The first test runs before the recorder created its table; nothing to empty then.
        }
    }

    @Test
    void everyRouteFileDefinesTheRouteItIsNamedAfter() throws IOException {
        List<String> expectedIds = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                String yaml = Files.readString(file);
                if (yaml.contains("- route:")) {
                    expectedIds.add(file.getFileName().toString().replace(".camel.yaml", ""));
                }
            }
        }
        assertThat(expectedIds).isNotEmpty();
        for (String id : expectedIds) {
            // A file that is the map of several routes (a rest: block, a route per verb) is named after their group.
            assertThat(context.getRoute(id) != null || !context.getRoutesByGroup(id).isEmpty())
                    .as("route or route group %s from routes/%s.camel.yaml", id, id).isTrue();
        }
    }

    @Test
    void badInputIsRecordedOnceWithoutRedeliveryAndTheCallerGoesOn() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        addRoute("test-bad-input", () -> {
            attempts.incrementAndGet();
            throw new BadInputException("data/csv/q1.csv", 7L, 120L, "a,\"b", "unbalanced quote");
        });

        template.sendBody("direct:test-bad-input", "ignored");

        assertThat(attempts).hasValue(1);
        assertThat(errorRows()).singleElement().satisfies(row -> {
            assertThat(row).containsEntry("JOB", "test-bad-input")
                    .containsEntry("SOURCE", "data/csv/q1.csv")
                    .containsEntry("LINE_NUMBER", "7")
                    .containsEntry("BYTE_OFFSET", "120")
                    .containsEntry("CONTENT", "a,\"b")
                    .containsEntry("REASON", "unbalanced quote")
                    .containsEntry("RETRIED", "0");
        });
    }

    @Test
    void transientFailureIsRetriedWithBackoffAndSucceedsWhenItPasses() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        addRoute("test-flaky", () -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IOException("connection refused");
            }
        });

        template.sendBody("direct:test-flaky", "x");

        assertThat(attempts).hasValue(3);
        assertThat(errorRows()).isEmpty();
    }

    @Test
    void lastingFailureIsRecordedAndLeftUnacknowledgedForTheSourceToRetry() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        addRoute("test-down", () -> {
            attempts.incrementAndGet();
            throw new IOException("database is down");
        });

        assertThatThrownBy(() -> template.sendBodyAndHeader("direct:test-down", "x", "CamelFilePath", "data/csv/b.csv"))
                .isInstanceOf(CamelExecutionException.class)
                .hasRootCauseMessage("database is down");

        assertThat(attempts).hasValue(3);
        assertThat(errorRows()).singleElement().satisfies(row -> assertThat(row)
                .containsEntry("JOB", "test-down")
                .containsEntry("SOURCE", "data/csv/b.csv")
                .containsEntry("REASON", "database is down")
                .containsEntry("ERROR_TYPE", "java.io.IOException")
                .containsEntry("RETRIED", "1"));
    }

    private interface Body {
        void run() throws Exception;
    }

    private void addRoute(String id, Body body) throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // A route of one's own gets filesync's error handling by naming it, as filesync's routes do.
                from("direct:" + id).routeId(id).routeConfigurationId("filesync-error-handling").process(exchange -> body.run());
            }
        });
    }

    private DataSource dataSource() {
        return context.getRegistry().lookupByNameAndType("filesyncDataSource", DataSource.class);
    }

    private List<Map<String, String>> errorRows() throws Exception {
        List<Map<String, String>> rows = new ArrayList<>();
        try (Connection connection = dataSource().getConnection();
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT * FROM filesync_errors ORDER BY id")) {
            while (result.next()) {
                Map<String, String> row = new java.util.HashMap<>();
                for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
                    row.put(result.getMetaData().getColumnName(i).toUpperCase(java.util.Locale.ROOT), result.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
