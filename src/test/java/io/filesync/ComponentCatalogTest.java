package io.filesync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.filesync.watch.WatchEndpoint;
import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.catalog.EndpointValidationResult;
import org.apache.camel.catalog.RuntimeCamelCatalog;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertyConfigurer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * filesync's four components as Camel tooling sees them: the catalog JSON that camel-package-maven-plugin generates
 * lists every option with a description, the generated configurers set the options (no reflection), and an unknown
 * option fails the start with its name in the message.
 */
class ComponentCatalogTest {

    @TempDir
    Path dir;

    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void stop() {
        context.stop();
    }

    /** Scheme, an option it must list, a valid URI tail, and the package its generated classes live in. */
    static Stream<Arguments> components() {
        return Stream.of(
                Arguments.of("filesync-watch", "settleTime", "?snapshot=false", "io.filesync.watch", true),
                Arguments.of("filesync-tail", "stateKey", "?stateKey=catalog", "io.filesync.tail", true),
                Arguments.of("filesync-writer", "maxBytes", "?maxBytes=10", "io.filesync.output", false),
                Arguments.of("filesync-mirror", "remote", "?root=x&remote=s3&bucket=b", "io.filesync.mirror", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("components")
    void catalogListsEveryOptionWithADescription(String scheme, String option, String query, String pkg, boolean consumer)
            throws Exception {
        RuntimeCamelCatalog catalog = context.getCamelContextExtension().getRuntimeCamelCatalog();

        String json = catalog.componentJSonSchema(scheme);

        assertThat(json).as("catalog JSON of " + scheme).isNotNull();
        JsonNode schema = new ObjectMapper().readTree(json);
        assertThat(schema.path("component").path("scheme").asText()).isEqualTo(scheme);
        JsonNode properties = schema.path("properties");
        assertThat(properties.has(option)).as(scheme + " lists " + option).isTrue();
        List<String> undescribed = new ArrayList<>();
        for (Map.Entry<String, JsonNode> each : properties.properties()) {
            if (each.getValue().path("description").asText().isBlank()) {
                undescribed.add(each.getKey());
            }
        }
        assertThat(undescribed).as(scheme + " options without a description").isEmpty();
        // Tools validate a URI against the same catalog: a misspelt option is reported by name.
        EndpointValidationResult validation = catalog.validateProperties(scheme,
                Map.of(option + "Typo", "1", option, "1", pathOption(schema), "x"));
        assertThat(validation.getUnknown()).containsExactly(option + "Typo");
    }

    private static String pathOption(JsonNode schema) {
        for (Map.Entry<String, JsonNode> each : schema.path("properties").properties()) {
            if (each.getValue().path("kind").asText().equals("path")) {
                return each.getKey();
            }
        }
        throw new AssertionError("no path option");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("components")
    void generatedConfigurersSetTheOptions(String scheme, String option, String query, String pkg, boolean consumer) {
        context.start();
        Component component = context.getComponent(scheme);

        PropertyConfigurer endpointConfigurer = component.getEndpointPropertyConfigurer();
        PropertyConfigurer componentConfigurer = component.getComponentPropertyConfigurer();

        assertThat(endpointConfigurer).as(scheme + " endpoint configurer").isNotNull();
        assertThat(endpointConfigurer.getClass().getPackageName()).isEqualTo(pkg);
        assertThat(componentConfigurer).as(scheme + " component configurer").isNotNull();
        assertThat(context.getEndpoint(scheme + ":" + dir + query)).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("components")
    void misspeltOptionFailsTheStartNamingIt(String scheme, String option, String query, String pkg, boolean consumer)
            throws Exception {
        String uri = scheme + ":" + dir + query + "&" + option + "Typo=1";
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                if (consumer) {
                    from(uri).routeId("misspelt").log("never");
                } else {
                    from("direct:in").routeId("misspelt").to(uri);
                }
            }
        });

        assertThatThrownBy(context::start).hasStackTraceContaining(option + "Typo=1")
                .hasStackTraceContaining("Unknown parameters");
    }

    @Test
    void aNumberOptionTakesDigitsOrADurationButNotAWordCamelWouldReadAsZero() {
        context.start();

        WatchEndpoint endpoint = context.getEndpoint("filesync-watch:" + dir
                + "?snapshot=false&settleTime=2s", WatchEndpoint.class);

        assertThat(endpoint.getSettleTime()).isEqualTo(2000);
        assertThatThrownBy(() -> context.getEndpoint("filesync-writer:" + dir + "?maxBytes=plenty"))
                .hasStackTraceContaining("maxBytes=plenty").hasStackTraceContaining("'plenty' is not a number");
        assertThatThrownBy(() -> context.getEndpoint("filesync-mirror:words?remote=s3&root=" + dir + "&concurrency=plenty"))
                .hasStackTraceContaining("concurrency=plenty").hasStackTraceContaining("'plenty' is not a number");
    }
}
