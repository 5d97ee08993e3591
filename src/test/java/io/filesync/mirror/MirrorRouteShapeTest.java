package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.filesync.BundleBoot;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.model.ChoiceDefinition;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.model.WhenDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mirror's routes as the bundle loads them: per mapping one change source routing each kind of change to its own
 * route, each of those ending in the mapping's action queue, and the bundled mappings still configured by their
 * mirror.s3.* and mirror.sftp.* keys. Both mappings stay off (enabled=false): the shape is there, nothing connects.
 */
class MirrorRouteShapeTest {

    @TempDir
    Path work;

    @Test
    void eachMappingHasOneChangeSourceRoutingSendsDeletesAndMovesToTheirOwnRoutes() throws Exception {
        try (BundleBoot bundle = BundleBoot.start(work, Map.of(
                "mirror.s3.root", work.resolve("s3root").toString(),
                "mirror.sftp.root", work.resolve("sftproot").toString()))) {
            CamelContext context = bundle.main().getCamelContext();
            for (String mapping : List.of("s3", "sftp")) {
                String root = work.resolve(mapping + "root").toString();
                Route changes = context.getRoute("mirror-" + mapping + "-changes");
                assertThat(changes).as("change source of mapping %s", mapping).isNotNull();
                assertThat(changes.getEndpoint().getEndpointUri()).startsWith("filesync-watch:");
                // One consumer on the folder, never a second one racing it.
                assertThat(context.getRoutes()).filteredOn(route -> route.getEndpoint().getEndpointUri().contains(root))
                        .extracting(Route::getRouteId).containsExactly("mirror-" + mapping + "-changes");

                RouteDefinition definition = ((ModelCamelContext) context).getRouteDefinition("mirror-" + mapping + "-changes");
                ChoiceDefinition choice = definition.getOutputs().stream().filter(ChoiceDefinition.class::isInstance)
                        .map(ChoiceDefinition.class::cast).findFirst().orElseThrow();
                assertThat(choice.getWhenClauses()).extracting(when -> when.getExpression().getExpression() + " -> " + target(when))
                        .containsExactly(
                                "${header.FilesyncWatchEventType} in 'FILE_CREATED,FILE_UPDATED' -> mirror-{{mapping}}-send",
                                "${header.FilesyncWatchEventType} in 'FILE_DELETED,DIRECTORY_DELETED' -> mirror-{{mapping}}-delete",
                                "${header.FilesyncWatchEventType} in 'FILE_MOVED,DIRECTORY_MOVED' -> mirror-{{mapping}}-move");
                for (String kind : List.of("send", "delete", "move")) {
                    Route route = context.getRoute("mirror-" + mapping + "-" + kind);
                    assertThat(route).as("route of the %s of mapping %s", kind, mapping).isNotNull();
                    assertThat(route.getEndpoint().getEndpointUri()).startsWith("kamelet://source");
                    assertThat(route.getEndpoint().getEndpointUri()).contains("routeId=mirror-" + mapping + "-" + kind);
                }
            }
            assertThat(context.getRoute("mirror-s3-actions")).isNull();
        }
    }

    @Test
    void theBundledMappingsKeepTheirSettingKeys() throws Exception {
        String secret = "se+cr/et&x=1 %";
        try (BundleBoot bundle = BundleBoot.start(work, Map.ofEntries(
                Map.entry("mirror.s3.root", work.resolve("s3root").toString()),
                Map.entry("mirror.s3.bucket", "photos"), Map.entry("mirror.s3.prefix", "team/"),
                Map.entry("mirror.s3.region", "eu-west-3"), Map.entry("mirror.s3.endpoint", "http://127.0.0.1:1"),
                Map.entry("mirror.s3.access-key", "AK+1"), Map.entry("mirror.s3.secret-key", secret),
                Map.entry("mirror.s3.complete-sync", "true"), Map.entry("mirror.s3.part-size", "6291456"),
                Map.entry("mirror.s3.concurrency", "3"),
                Map.entry("mirror.sftp.root", work.resolve("sftproot").toString()),
                Map.entry("mirror.sftp.host", "sftp.example"), Map.entry("mirror.sftp.port", "2222"),
                Map.entry("mirror.sftp.username", "me"), Map.entry("mirror.sftp.password", secret),
                Map.entry("mirror.sftp.directory", "/in"), Map.entry("mirror.sftp.strict-host-key-checking", "false")))) {
            List<MirrorEndpoint> endpoints = bundle.main().getCamelContext().getEndpoints().stream()
                    .filter(MirrorEndpoint.class::isInstance).map(MirrorEndpoint.class::cast).toList();
            assertThat(endpoints).extracting(MirrorEndpoint::getMapping).contains("s3", "sftp");
            for (MirrorEndpoint endpoint : endpoints) {
                assertThat(endpoint.isEnabled()).as("a mapping off by default tells its endpoint").isFalse();
                if (endpoint.getMapping().equals("s3")) {
                    assertThat(endpoint.getRemote()).isEqualTo("s3");
                    assertThat(endpoint.getRoot()).isEqualTo(work.resolve("s3root").toString());
                    assertThat(endpoint.isCompleteSync()).isTrue();
                    assertThat(endpoint.getConcurrency()).isEqualTo(3);
                    S3Options s3 = endpoint.getS3();
                    assertThat(List.of(s3.getBucket(), s3.getPrefix(), s3.getRegion(), s3.getEndpointOverride(), s3.getAccessKey(),
                            s3.getSecretKey())).containsExactly("photos", "team/", "eu-west-3", "http://127.0.0.1:1", "AK+1", secret);
                    assertThat(s3.getPartSize()).isEqualTo(6291456);
                } else {
                    assertThat(endpoint.getRemote()).isEqualTo("sftp");
                    SftpOptions sftp = endpoint.getSftp();
                    assertThat(List.of(sftp.getHost(), String.valueOf(sftp.getPort()), sftp.getUsername(), sftp.getPassword(),
                            sftp.getDirectory(), String.valueOf(sftp.isStrictHostKeyChecking())))
                            .containsExactly("sftp.example", "2222", "me", secret, "/in", "false");
                }
            }
        }
    }

    @Test
    void aSinkKameletUsedDirectlyNeedsOnlyItsRequiredProperties() throws Exception {
        Path extra = work.resolve("bare.camel.yaml");
        java.nio.file.Files.writeString(extra, """
                - route:
                    id: bare-sink
                    from:
                      uri: direct:bare
                      steps:
                        - to: "kamelet:filesync-s3-sink?mapping=bare&root=%s&bucket=b&enabled=false"
                        - to: "kamelet:filesync-sftp-sink?mapping=bare-sftp&root=%1$s&host=h&username=u&enabled=false"
                """.formatted(work.resolve("bare")));
        try (BundleBoot bundle = BundleBoot.start(work, Map.of(
                "camel.main.routes-include-pattern", "file:routes/*.camel.yaml,file:" + extra))) {
            List<MirrorEndpoint> endpoints = bundle.main().getCamelContext().getEndpoints().stream()
                    .filter(MirrorEndpoint.class::isInstance).map(MirrorEndpoint.class::cast)
                    .filter(endpoint -> endpoint.getMapping().startsWith("bare")).toList();
            assertThat(endpoints).hasSize(2).allSatisfy(endpoint -> {
                assertThat(endpoint.getS3().getAccessKey()).isNull();
                assertThat(endpoint.getS3().getSecretKey()).isNull();
                assertThat(endpoint.getS3().getPrefix()).isEmpty();
                assertThat(endpoint.getSftp().getPassword()).isNull();
                assertThat(endpoint.getSftp().getPassphrase()).isNull();
                assertThat(endpoint.getSftp().getKnownHostsFile()).isNull();
            });
        }
    }

    @Test
    void aMappingWithoutItsBucketFailsTheStartNamingIt() throws Exception {
        Path extra = work.resolve("no-bucket.camel.yaml");
        java.nio.file.Files.writeString(extra, """
                - templatedRoute:
                    routeTemplateRef: mirror-s3
                    routeId: mirror-nobucket-changes
                    parameters:
                      - { name: mapping, value: nobucket }
                      - { name: root, value: "%s" }
                """.formatted(work.resolve("nobucket")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BundleBoot.start(work, Map.of(
                        "camel.main.routes-include-pattern", "file:routes/*.camel.yaml,file:" + extra)).close())
                .hasStackTraceContaining("mirror-s3").hasStackTraceContaining("bucket");
    }

    private static String target(WhenDefinition when) {
        String uri = ((ToDefinition) when.getOutputs().get(0)).getUri();
        return uri.substring(uri.indexOf('/') + 1, uri.indexOf('?'));
    }
}
