package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.filesync.BundleBoot;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.BeanFactoryDefinition;
import org.apache.camel.model.ChoiceDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.OnExceptionDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.model.WhenDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** routes/sync-client-*.camel.yaml as loaded by Camel: the map of the client, one change source and a route per kind. */
class SyncClientRoutesTest {

    @TempDir
    Path work;

    @Test
    void oneChangeSourceHandsEachKindOfChangeToItsOwnRoute() throws Exception {
        // The server's port is never answered: only the shape is looked at, nothing needs to reach it.
        try (BundleBoot client = SyncBundles.client(work, "shape", 1, "secret", Map.of())) {
            CamelContext context = client.main().getCamelContext();
            Model model = context.getCamelContextExtension().getContextPlugin(Model.class);

            RouteDefinition changes = model.getRouteDefinition("sync-client-changes");
            assertThat(changes).as("route sync-client-changes").isNotNull();
            assertThat(changes.getInput().getEndpointUri()).startsWith("filesync-watch:");
            assertThat(fileOf(changes)).isEqualTo("sync-client-changes.camel.yaml");
            assertThat(model.getRouteDefinitions()).as("the folder has one change source")
                    .filteredOn(route -> route.getInput().getEndpointUri().startsWith("filesync-watch:")).hasSize(1);

            assertThat(steps(changes)).singleElement().isInstanceOf(ChoiceDefinition.class);
            ChoiceDefinition choice = (ChoiceDefinition) steps(changes).get(0);
            Map<String, String> targets = new LinkedHashMap<>();
            for (WhenDefinition when : choice.getWhenClauses()) {
                targets.put(when.getExpression().getExpression(), onlyTo(when.getOutputs()));
            }
            assertThat(targets).containsExactly(
                    Map.entry("${header.FilesyncWatchEventType} in 'FILE_CREATED,FILE_UPDATED,DIRECTORY_CREATED'", "direct:sync-client-send"),
                    Map.entry("${header.FilesyncWatchEventType} in 'FILE_DELETED,DIRECTORY_DELETED'", "direct:sync-client-delete"),
                    Map.entry("${header.FilesyncWatchEventType} in 'FILE_MOVED,DIRECTORY_MOVED'", "direct:sync-client-move"));
            // The watched folder itself appearing or vanishing goes to none of them.
            assertThat(choice.getOtherwise().getOutputs()).noneMatch(ToDefinition.class::isInstance);

            for (Map.Entry<String, String> kind : Map.of("send", "queueSend", "delete", "queueDelete", "move", "queueMove").entrySet()) {
                String id = "sync-client-" + kind.getKey();
                RouteDefinition route = model.getRouteDefinition(id);
                assertThat(route).as(id).isNotNull();
                assertThat(route.getInput().getEndpointUri()).isEqualTo("direct:" + id);
                assertThat(fileOf(route)).isEqualTo(id + ".camel.yaml");
                assertThat(route.getRouteConfigurationId()).isEqualTo("filesync-error-handling");
                assertThat(steps(route)).singleElement().isInstanceOfSatisfying(BeanDefinition.class, bean -> {
                    assertThat(bean.getRef()).isEqualTo("syncClient");
                    assertThat(bean.getMethod()).isEqualTo(kind.getValue());
                });
                assertThat(context.getRouteController().getRouteStatus(id).isStarted()).as(id).isTrue();
            }

            RouteDefinition drain = model.getRouteDefinition("sync-client-drain");
            assertThat(drain.getInput().getEndpointUri()).startsWith("timer:");

            BeanFactoryDefinition<?> syncClient = model.getCustomBeans().stream()
                    .filter(bean -> "syncClient".equals(bean.getName())).findFirst().orElseThrow();
            assertThat(syncClient.getConstructors()).as("named properties, no positional constructor").isNullOrEmpty();
            assertThat(syncClient.getProperties()).containsKeys("root", "transport", "dataSource", "errors",
                    "retryInitialDelayMs", "retryMaxDelayMs", "batchBytes", "dryRun");
        }
    }

    @Test
    void eachKindOfChangeReachesTheQueueThroughItsRouteAndAMoveKeepsItsOrigin() throws Exception {
        // No server answers: the initial sync keeps failing, so what the routes queued stays in the queue to be read.
        try (ServerSocket closed = new ServerSocket(0)) {
            int port = closed.getLocalPort();
            closed.close();
            try (BundleBoot bundle = SyncBundles.client(work, "kinds", port, "secret", Map.of())) {
                CamelContext context = bundle.main().getCamelContext();
                SyncClient client = context.getRegistry().lookupByNameAndType("syncClient", SyncClient.class);
                Path folder = work.resolve("folder");
                Files.createDirectories(folder.resolve("album"));
                Files.writeString(folder.resolve("album/a.txt"), "a");
                Files.writeString(folder.resolve("kept.txt"), "kept");
                Files.writeString(folder.resolve("gone.txt"), "gone");
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(queued(client)).containsKeys(
                        "album", "album/a.txt", "kept.txt", "gone.txt"));

                NotifyBuilder deleted = new NotifyBuilder(context).wereSentTo("direct:sync-client-delete").whenCompleted(1).create();
                NotifyBuilder moved = new NotifyBuilder(context).wereSentTo("direct:sync-client-move").whenCompleted(2).create();
                Files.move(folder.resolve("album"), folder.resolve("album-2024"));
                Files.move(folder.resolve("kept.txt"), folder.resolve("renamed.txt"));
                Files.delete(folder.resolve("gone.txt"));
                assertThat(deleted.matches(20, TimeUnit.SECONDS)).as("gone.txt through sync-client-delete").isTrue();
                assertThat(moved.matches(20, TimeUnit.SECONDS)).as("two moves through sync-client-move").isTrue();
                // A move is queued with where it came from, so the server moves what it holds instead of receiving it.
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(queued(client))
                        .containsEntry("album-2024", "album").containsEntry("renamed.txt", "kept.txt"));
            }
        }
    }

    /** Each queued path and the path it moved from ("" for none). */
    private static Map<String, String> queued(SyncClient client) {
        Map<String, String> paths = new LinkedHashMap<>();
        for (SyncQueue.Entry entry : client.queue().due(Long.MAX_VALUE, 1000)) {
            paths.put(entry.path(), entry.from() == null ? "" : entry.from());
        }
        return paths;
    }

    /** The route's own steps, without the error handling its route configuration adds. */
    private static List<ProcessorDefinition<?>> steps(RouteDefinition route) {
        return route.getOutputs().stream().filter(step -> !(step instanceof OnExceptionDefinition)).toList();
    }

    private static String onlyTo(List<ProcessorDefinition<?>> outputs) {
        assertThat(outputs).singleElement().isInstanceOf(ToDefinition.class);
        return ((ToDefinition) outputs.get(0)).getUri();
    }

    private static String fileOf(RouteDefinition route) {
        String location = route.getResource() == null ? route.getLocation() : route.getResource().getLocation();
        return Path.of(location.replaceFirst("^(file|classpath):", "")).getFileName().toString();
    }
}
