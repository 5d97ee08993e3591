package io.filesync.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.main.Main;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.OutputNode;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSV job as routes/ shows it: one change source on the CSV folder routing each kind of change to a route of its
 * own, each route in the file named after its id. Loaded, not started: the shape alone is asserted.
 */
class CsvRoutesShapeTest {

    @TempDir
    Path tempDir;

    private Main main;
    private CamelContext context;

    @BeforeEach
    void load() throws Exception {
        main = new Main();
        main.configure().withRoutesIncludePattern("file:routes/filesync-*.camel.yaml,file:routes/csv-*.camel.yaml");
        main.addInitialProperty("filesync.db.url", "jdbc:sqlite:" + tempDir.resolve("filesync.db"));
        main.addInitialProperty("csv.dir", Files.createDirectories(tempDir.resolve("csv")).toString());
        main.addInitialProperty("csv.enabled", "false");
        main.start();
        context = main.getCamelContext();
    }

    @AfterEach
    void stop() {
        main.stop();
    }

    @Test
    void oneConsumerWatchesTheCsvFolderAndNothingElseReadsIt() {
        List<String> consumers = new ArrayList<>();
        for (Route route : context.getRoutes()) {
            String uri = route.getEndpoint().getEndpointUri();
            if (uri.contains(tempDir.resolve("csv").toString()) || uri.contains("csv-to-table")) {
                consumers.add(route.getRouteId() + " " + uri.substring(0, uri.indexOf(':')));
            }
        }
        assertThat(consumers).containsExactly("csv-changes filesync-watch");
    }

    @Test
    void theChangeSourceSendsEachKindOfChangeToItsOwnDirectRoute() {
        RouteDefinition changes = context.getCamelContextExtension().getContextPlugin(ModelCamelContext.class)
                .getRouteDefinition("csv-changes");
        assertThat(changes).isNotNull();
        assertThat(sentTo(changes.getOutputs())).containsExactlyInAnyOrder("direct:csv-table-load",
                "direct:csv-table-drop", "direct:csv-table-rename", "direct:csv-reconcile");

        Map<String, String> directRoutes = new TreeMap<>();
        for (Route route : context.getRoutes()) {
            if (route.getEndpoint().getEndpointUri().startsWith("direct://csv-")) {
                directRoutes.put(route.getRouteId(), route.getEndpoint().getEndpointUri());
            }
        }
        assertThat(directRoutes).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                "csv-reconcile", "direct://csv-reconcile",
                "csv-table-drop", "direct://csv-table-drop",
                "csv-table-load", "direct://csv-table-load",
                "csv-table-rename", "direct://csv-table-rename")));
    }

    @Test
    void everyCsvRouteIsInTheFileNamedAfterItsIdAndInTheCsvGroup() {
        List<String> csvRoutes = new ArrayList<>();
        for (RouteDefinition route : context.getCamelContextExtension().getContextPlugin(ModelCamelContext.class)
                .getRouteDefinitions()) {
            if (route.getId().startsWith("csv-")) {
                csvRoutes.add(route.getId());
                assertThat(route.getResource().getLocation()).as(route.getId()).endsWith("/" + route.getId() + ".camel.yaml");
                assertThat(route.getGroup()).as(route.getId()).isEqualTo("csv");
                assertThat(sentTo(route.getOutputs())).as("the sink Kamelet is for users' own routes")
                        .noneMatch(uri -> uri.startsWith("kamelet:"));
            }
        }
        assertThat(csvRoutes).containsExactlyInAnyOrder("csv-changes", "csv-table-load", "csv-table-drop",
                "csv-table-rename", "csv-reconcile", "csv-reconcile-at-start");
    }

    /** Every endpoint a route's own steps send to, at any depth (inside choices too). */
    private static List<String> sentTo(List<ProcessorDefinition<?>> steps) {
        List<String> uris = new ArrayList<>();
        for (ProcessorDefinition<?> step : steps) {
            if (step instanceof org.apache.camel.model.OnExceptionDefinition) {
                continue; // the shared error handling, applied to the route
            }
            if (step instanceof ToDefinition to) {
                uris.add(to.getUri());
            }
            if (step instanceof org.apache.camel.model.ChoiceDefinition choice) {
                choice.getWhenClauses().forEach(when -> uris.addAll(sentTo(when.getOutputs())));
                if (choice.getOtherwise() != null) {
                    uris.addAll(sentTo(choice.getOtherwise().getOutputs()));
                }
            } else if (step instanceof OutputNode) {
                uris.addAll(sentTo(step.getOutputs()));
            }
        }
        return uris;
    }
}
