package io.filesync.core.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.filesync.BundleBoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page's files and the facts they draw from, over HTTP as a browser gets them: the policy that forbids
 * inline and foreign code, no type sniffing, revalidated caching; and the facts' jobs, subjects and records.
 */
class StatusPageTest {

    @TempDir
    Path work;

    @Test
    void pageScriptAndStyleAreServedWithAStrictPolicyAndTheFactsCarryJobsAndRecords() throws Exception {
        Path csv = Files.createDirectories(work.resolve("csv"));
        try (BundleBoot bundle = BundleBoot.start(work, Map.of("csv.dir", csv.toString(), "filesync.dry-run", "true"))) {
            Scrape scrape = Scrape.of(bundle.main().getCamelContext());
            for (List<String> file : List.of(List.of("/filesync/", "text/html", "<script src=\"status.js\""),
                    List.of("/filesync/status.js", "text/javascript", "textContent"),
                    List.of("/filesync/status.css", "text/css", "table"))) {
                HttpResponse<String> answer = scrape.get(file.get(0));
                assertThat(answer.statusCode()).as(file.get(0)).isEqualTo(200);
                assertThat(answer.headers().firstValue("Content-Type")).as(file.get(0)).hasValueSatisfying(
                        type -> assertThat(type).startsWith(file.get(1)));
                assertThat(answer.headers().firstValue("Content-Security-Policy")).hasValue(StatusPage.POLICY);
                assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
                assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-cache");
                assertThat(answer.body()).contains(file.get(2));
            }
            // The page names no other host: it works offline and leaks nothing.
            assertThat(scrape.get("/filesync/").body()).doesNotContain("http:", "https:", "//");
            assertThat(scrape.get("/filesync/status.js").body()).doesNotContain("http:", "https:", "innerHTML");
            HttpResponse<String> bare = scrape.get("/filesync");
            assertThat(bare.statusCode()).isEqualTo(301);
            assertThat(bare.headers().firstValue("Location")).hasValue("/filesync/");

            Files.writeString(csv.resolve("bad.csv"), "sku,qty\nA1,6\n\"B2,7\n");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                HttpResponse<String> answer = scrape.get(FactsEndpoint.PATH);
                assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
                assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
                JsonNode facts = new ObjectMapper().readTree(answer.body());
                assertThat(facts.get("dryRun").asBoolean()).isTrue();
                assertThat(facts.get("errors").get(0).get("source").asText()).endsWith("bad.csv");
                assertThat(state(facts, "csv")).isEqualTo("failing");
                // The CSV job's routes (one change source, a route per kind of change) are one job.
                assertThat(state(facts, "csv-changes")).isEqualTo("absent");
                assertThat(state(facts, "csv-table-load")).isEqualTo("absent");
                assertThat(state(facts, "watch-events")).isEqualTo("waiting");
                assertThat(state(facts, "sync-client")).isEqualTo("stopped");
                assertThat(state(facts, "sync-client-changes")).isEqualTo("absent");
            });
        }
    }

    private static String state(JsonNode facts, String job) {
        for (JsonNode entry : facts.get("jobs")) {
            if (entry.get("id").asText().equals(job)) {
                return entry.get("state").asText();
            }
        }
        return "absent";
    }
}
