package io.filesync.core.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

class JobStatesTest {

    @Test
    void aJobOfSeveralRoutesIsOneEntryFailingOnAnErrorRecordedUnderItsName() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    // A job made of several routes (the sync client: a change source, a route per kind, the drain)
                    // records its errors under the job's name, which is their group.
                    from("direct:drain").routeId("sync-client-drain").routeGroup("sync-client").log("drain");
                    from("direct:send").routeId("sync-client-send").routeGroup("sync-client").log("send");
                    from("direct:other").routeId("watch-events").log("other");
                }
            });
            context.start();
            Instant now = Instant.now();
            List<Map<String, Object>> errors = List.of(Map.of("job", "sync-client", "occurred_at", now.toString(),
                    "source", "a.txt", "reason", "refused by the server"));

            Map<String, String> states = new HashMap<>();
            for (Map<String, Object> job : JobStates.of(context, errors, now)) {
                states.put((String) job.get("id"), (String) job.get("state"));
            }
            assertThat(states).containsOnly(Map.entry("sync-client", "failing"), Map.entry("watch-events", "waiting"));
        }
    }

    @Test
    void anExchangePassingFromOneRouteOfAJobToAnotherCountsOnceInFlight() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (CamelContext context = new DefaultCamelContext()) {
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    // A change source handing the exchange to the route of its kind, as csv-changes does.
                    from("direct:changes").routeId("csv-changes").routeGroup("csv").to("direct:load");
                    from("direct:load").routeId("csv-table-load").routeGroup("csv").process(exchange -> {
                        entered.countDown();
                        release.await(30, TimeUnit.SECONDS);
                    });
                }
            });
            // As FactsEndpoint.install does for the bundle: Camel lists the exchanges in flight only when asked to.
            context.getInflightRepository().setInflightBrowseEnabled(true);
            context.start();
            CompletableFuture<Object> sent = context.createProducerTemplate().asyncRequestBody("direct:changes", "a.csv");
            try {
                assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
                Map<String, Object> csv = JobStates.of(context, List.of(), Instant.now()).get(0);
                assertThat(csv).containsEntry("id", "csv").containsEntry("state", "running").containsEntry("inflight", 1);
                assertThat((List<?>) csv.get("doing")).hasSize(1);
            } finally {
                release.countDown();
                sent.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
