package io.filesync.core.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.awaitility.Awaitility.await;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import io.filesync.BundleBoot;
import io.filesync.FilesyncMain;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management server as config/application.properties sets it up: on by default, on loopback, at Camel's standard
 * paths, and off with one setting. The test JVM runs it on port 0 (a free port from the kernel, set in the pom), so
 * parallel runs never collide; the configured port is checked in the file.
 */
class ManagementServerTest {

    @TempDir
    Path work;

    @Test
    void defaultConfigurationServesHealthMetricsAndFactsOnLoopback() throws Exception {
        Properties config = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(FilesyncMain.DEFAULT_CONFIG))) {
            config.load(reader);
        }
        assertThat(config.getProperty("camel.management.enabled")).isEqualTo("true");
        assertThat(config.getProperty("camel.management.host")).isEqualTo("127.0.0.1");
        assertThat(config.getProperty("camel.management.port")).isEqualTo("9876");

        try (BundleBoot bundle = BundleBoot.start(work, Map.of())) {
            Scrape scrape = Scrape.of(bundle.main().getCamelContext());
            for (String path : new String[] {"/observe/health", "/observe/health/live", "/observe/health/ready"}) {
                // Camel's consumer checks start DOWN and turn UP after their first poll.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    var answer = scrape.get(path);
                    assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
                    assertThat(answer.body()).as(path).contains("\"UP\"");
                });
            }
            var metrics = scrape.get("/observe/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("camel_exchanges_total");

            var facts = scrape.get(FactsEndpoint.PATH);
            assertThat(facts.statusCode()).isEqualTo(200);
            assertThat(facts.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(facts.body()).contains("\"status\" : \"UP\"").contains("\"id\" : \"database\"");
        }
    }

    @Test
    void oneSettingTurnsTheServerOff() throws Exception {
        try (BundleBoot bundle = BundleBoot.start(work, Map.of("camel.management.enabled", "false"))) {
            CamelContext context = bundle.main().getCamelContext();
            assertThat(context.isStarted()).isTrue();
            assertThat(context.hasService(ManagementHttpServer.class)).isNull();
            assertThatThrownBy(() -> Scrape.of(context)).hasMessageContaining("off");
        }
    }
}
