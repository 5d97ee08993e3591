package io.filesync.core.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import io.filesync.servers.PostgresServer.TestDatabase;
import io.filesync.servers.TestServers;
import io.filesync.testing.Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Readiness follows the database: the bundle's PostgreSQL database refusing connections (its sessions ended, new ones
 * not allowed, as when the server goes down) turns readiness DOWN with the check's name and reason, and UP again by
 * itself once connections are allowed. The shared test server keeps serving the other test classes meanwhile.
 */
@ExtendWith(TestServers.class)
class DatabaseHealthIT {

    @Test
    void readinessGoesDownWithTheDatabaseAndComesBackByItself() throws Exception {
        TestDatabase database = TestServers.postgres().createDatabase();
        try (Bundle bundle = Bundle.onPostgres(database, Map.of("filesync.errors.max-redeliveries", "0"))) {
            Scrape scrape = Scrape.of(bundle.context());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(databaseCheck(scrape)).contains("\"UP\""));

            admin("ALTER DATABASE " + database.name() + " ALLOW_CONNECTIONS false",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database.name() + "'");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                var ready = scrape.get("/observe/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("\"database\"").contains("DOWN");
                assertThat(databaseCheck(scrape)).contains("\"DOWN\"").contains("\"reason\"");
                // The status page's record lists cannot hang the facts either: they say why they are stale.
                assertThat(scrape.get(FactsEndpoint.PATH).body()).contains("\"recordsProblem\"");
            });

            admin("ALTER DATABASE " + database.name() + " ALLOW_CONNECTIONS true");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(databaseCheck(scrape)).contains("\"UP\"");
                assertThat(scrape.get("/observe/health/ready").body()).doesNotContain("\"database\"");
            });
        }
    }

    /** The database check's entry in the JSON facts. */
    private static String databaseCheck(Scrape scrape) throws Exception {
        String facts = scrape.get(FactsEndpoint.PATH).body();
        int at = facts.indexOf("\"id\" : \"database\"");
        assertThat(at).as(facts).isNotNegative();
        return facts.substring(at, facts.indexOf('}', facts.indexOf("\"details\"", at)) + 1);
    }

    private static void admin(String... statements) throws Exception {
        try (Connection connection = TestServers.postgres().adminConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}
