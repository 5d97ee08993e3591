package io.filesync.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.file.cluster.FileLockClusterService;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's recipe for several instances: a master: route runs on one instance at a time, and fails over. */
class ClusterMasterTest {

    @TempDir
    Path shared;

    private CamelContext instance(String id, AtomicInteger runs) throws Exception {
        CamelContext context = new DefaultCamelContext();
        FileLockClusterService cluster = new FileLockClusterService();
        cluster.setId(id);
        cluster.setRoot(shared.toString());
        cluster.setAcquireLockDelay(Duration.ofMillis(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        cluster.setAcquireLockInterval(Duration.ofMillis(100).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        context.addService(cluster);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("master:tail:timer:work?period=20").routeId("singleton").process(exchange -> runs.incrementAndGet());
            }
        });
        context.start();
        return context;
    }

    @Test
    void onlyOneInstanceRunsTheMasterRouteAndTheOtherTakesOverWhenItStops() throws Exception {
        AtomicInteger firstRuns = new AtomicInteger();
        AtomicInteger secondRuns = new AtomicInteger();
        CamelContext first = instance("node-1", firstRuns);
        await().atMost(Duration.ofSeconds(20)).until(() -> firstRuns.get() >= 5);
        CamelContext second = instance("node-2", secondRuns);
        int firstBefore = firstRuns.get();
        await().atMost(Duration.ofSeconds(20)).until(() -> firstRuns.get() >= firstBefore + 20);
        assertThat(secondRuns).as("the second instance waits while the first holds the lock").hasValue(0);

        first.stop();
        await().atMost(Duration.ofSeconds(20)).until(() -> secondRuns.get() >= 5);
        second.stop();
    }
}
