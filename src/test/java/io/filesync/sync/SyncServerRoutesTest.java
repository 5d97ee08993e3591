package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.filesync.BundleBoot;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.model.Model;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** routes/sync-server.camel.yaml as loaded by Camel: the map of the server, a verb and a route per operation. */
class SyncServerRoutesTest {

    @TempDir
    Path work;

    @Test
    void refusedInputInAnOperationsRouteIsAnswered400AtOnceNotRecordedForRedelivery() throws Exception {
        int port = freePort();
        try (BundleBoot server = SyncBundles.server(work, port, "secret", Map.of())) {
            HttpResponse<String> answer = send(port, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sync/chunk"))
                    .header(SyncHeaders.CHUNK_HASH, "not-a-hash").POST(HttpRequest.BodyPublishers.ofString("x")));
            assertThat(answer.statusCode()).isEqualTo(400);
            assertThat(answer.body()).contains("chunk refused");
        }
    }

    @Test
    void anyOtherFailureIsAnswered500ByTheServerItself() throws Exception {
        int port = freePort();
        // A chunk store inside the root: every request fails on opening the server, with no bad input to blame.
        Map<String, String> storeInRoot = Map.of("sync.server.store", work.resolve("files/store").toString());
        try (BundleBoot server = SyncBundles.server(work, port, "secret", storeInRoot)) {
            HttpResponse<String> answer = send(port, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sync/list")).GET());
            // The server's own answer: its JSON, not Netty's page for an exchange that failed unhandled.
            assertThat(answer.statusCode()).isEqualTo(500);
            assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
            assertThat(answer.body()).startsWith("{\"error\":").contains("may not lie inside the synced root");
        }
    }

    @Test
    void anOperationsNameUnderAnotherPathIsNotServed() throws Exception {
        int port = freePort();
        try (BundleBoot server = SyncBundles.server(work, port, "secret", Map.of())) {
            for (String path : List.of("/sync/nested/list", "/other/list", "/list")) {
                HttpResponse<String> answer = send(port, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
                assertThat(answer.statusCode()).as(path).isEqualTo(404);
            }
            assertThat(work.resolve("files")).doesNotExist();
        }
    }

    @Test
    void aDisabledServerOpensNoPortInABundleLoadingEveryRoute() throws Exception {
        int port = freePort();
        // Every route file, as a host or the packaged app loads them, with the server off (its default).
        try (BundleBoot bundle = BundleBoot.start(work, Map.of("sync.server.port", String.valueOf(port)))) {
            CamelContext context = bundle.main().getCamelContext();
            assertThat(context.getRoutesByGroup("sync-server")).isNotEmpty()
                    .allSatisfy(route -> assertThat(context.getRouteController().getRouteStatus(route.getRouteId()).isStarted())
                            .as(route.getRouteId()).isFalse());
            assertPortFree(port);
            // An operator starting the server's routes by hand (JMX, camel CLI) must not open it either: the server
            // is off until a restart with sync.server.enabled=true, not a listener waiting to be started.
            context.getRouteController().startRouteGroup("sync-server");
            assertPortFree(port);
        }
    }

    @Test
    void anEnabledServerBesideADisabledOneOnTheSamePortAnswers() throws Exception {
        int port = freePort();
        try (BundleBoot off = BundleBoot.start(work.resolve("off"), Map.of("sync.server.port", String.valueOf(port)));
                BundleBoot on = SyncBundles.server(work.resolve("on"), port, "secret", Map.of())) {
            HttpResponse<String> answer = send(port, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sync/list")).GET());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).startsWith("{");
        }
    }

    @Test
    void everyOperationIsAVerbOfTheSyncRestBlockToItsOwnRoute() throws Exception {
        try (BundleBoot server = SyncBundles.server(work, freePort(), "secret", Map.of())) {
            CamelContext context = server.main().getCamelContext();
            Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
            List<RestDefinition> rests = model.getRestDefinitions();
            assertThat(rests).hasSize(1);
            RestDefinition rest = rests.get(0);
            assertThat(rest.getPath()).isEqualTo("/sync");
            Map<String, String> verbs = rest.getVerbs().stream().collect(Collectors.toMap(
                    verb -> verb.getPath().replaceFirst("^/", ""), VerbDefinition::asVerb));
            Map<String, String> operations = Arrays.stream(SyncOperation.values()).collect(Collectors.toMap(
                    operation -> operation.name().toLowerCase(Locale.ROOT), operation -> operation.method.toLowerCase(Locale.ROOT)));
            assertThat(verbs).isEqualTo(operations);
            for (VerbDefinition verb : rest.getVerbs()) {
                assertThat(verb.getTo().getUri()).isEqualTo("direct:sync-server" + verb.getPath().replace('/', '-'));
            }
            for (String operation : operations.keySet()) {
                Route route = context.getRoute("sync-server-" + operation);
                assertThat(route).as(operation).isNotNull();
                assertThat(route.isCreatedByRestDsl()).as(operation).isTrue();
                assertThat(model.getRouteDefinition("sync-server-" + operation).getRouteConfigurationId()).as(operation)
                        .isEqualTo("sync-server-answers");
                assertThat(route.getRoutePolicyList()).as(operation).contains(context.getRegistry().lookupByNameAndType("syncServerHttp", SyncServerHttp.class));
            }
        }
    }

    /** Nothing listens on the port: someone else, such as a second bundle's enabled server, can take it. */
    private static void assertPortFree(int port) throws IOException {
        try (ServerSocket taken = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(taken.getLocalPort()).isEqualTo(port);
        }
    }

    /** Sends with the token; the answer must come at once. */
    private static HttpResponse<String> send(int port, HttpRequest.Builder request) throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(request
                .timeout(Duration.ofSeconds(10)).header(SyncHeaders.AUTHORIZATION, "Bearer secret").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
