package io.filesync.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared ingest Kamelet inside the real bundle: every version of a file is emitted exactly once, only when
 * complete, and a failed version is emitted again. Each test watches its own folder with its own state key.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:config/application.properties",
        properties = {
                "filesync.db.url=jdbc:sqlite:target/file-source-kamelet-test/filesync.db",
                "filesync.errors.max-redeliveries=0",
                "camel.main.routes-include-pattern=file:routes/*.camel.yaml"
        })
class FileSourceKameletTest {

    @BeanInject
    CamelContext context;

    private Path folder;
    private final List<String> emitted = new CopyOnWriteArrayList<>();
    private final AtomicBoolean failNext = new AtomicBoolean();

    @BeforeEach
    void startSource(org.junit.jupiter.api.TestInfo test) throws Exception {
        String name = test.getTestMethod().orElseThrow().getName();
        folder = Files.createDirectories(Path.of("target/file-source-kamelet-test", name));
        try (var files = Files.walk(folder)) {
            files.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(folder)).forEach(p -> p.toFile().delete());
        }
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // The growing-file test needs a settle time well above its writer's pace, so CI load cannot break it.
                long settle = name.startsWith("aFileStillBeingWritten") ? 2000 : 300;
                from("kamelet:filesync-file-source?directory=" + folder + "&stateKey=" + name
                        + "&settleTime=" + settle + "&scanDelay=50")
                        .routeId(name)
                        .routeConfigurationId("filesync-error-handling")
                        .process(exchange -> {
                            String file = exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class);
                            emitted.add(file + "=" + exchange.getMessage().getBody(String.class));
                            if (failNext.compareAndSet(true, false)) {
                                throw new java.io.IOException("simulated outage");
                            }
                        });
            }
        });
    }

    @Test
    void eachVersionIsEmittedOnceAndSurvivesARestart() throws Exception {
        Files.createDirectories(folder.resolve("sub"));
        Files.writeString(folder.resolve("sub/a.txt"), "one");
        Files.writeString(folder.resolve("empty.txt"), "");
        await().atMost(Duration.ofSeconds(20)).until(() -> emitted.size() == 2);
        assertThat(emitted).containsExactlyInAnyOrder("sub/a.txt=one", "empty.txt=");

        Files.writeString(folder.resolve("sub/a.txt"), "two, longer");
        await().atMost(Duration.ofSeconds(20)).until(() -> emitted.size() == 3);
        assertThat(emitted.get(2)).isEqualTo("sub/a.txt=two, longer");

        String routeId = "eachVersionIsEmittedOnceAndSurvivesARestart";
        context.getRouteController().stopRoute(routeId);
        context.getRouteController().startRoute(routeId);
        Files.writeString(folder.resolve("marker.txt"), "after restart");
        await().atMost(Duration.ofSeconds(20)).until(() -> emitted.contains("marker.txt=after restart"));
        assertThat(emitted).hasSize(4);
    }

    @Test
    void aFailedVersionIsEmittedAgain() throws Exception {
        failNext.set(true);
        Files.writeString(folder.resolve("retry.txt"), "payload");
        await().atMost(Duration.ofSeconds(20)).until(() -> emitted.size() >= 2);
        assertThat(emitted.subList(0, 2)).containsExactly("retry.txt=payload", "retry.txt=payload");
    }

    @Test
    void aFileStillBeingWrittenIsEmittedOnlyOnceComplete() throws Exception {
        Path growing = folder.resolve("growing.txt");
        Files.writeString(growing, "part 1;");
        // Keep the file younger than the settle time while it grows, as a slow writer would.
        for (int i = 2; i <= 5; i++) {
            Files.writeString(growing, "part " + i + ";", java.nio.file.StandardOpenOption.APPEND);
            Files.setLastModifiedTime(growing, FileTime.fromMillis(System.currentTimeMillis()));
            assertThat(emitted).isEmpty();
            // Pacing the simulated slow writer, not synchronising with the route: time must pass between writes.
            Thread.sleep(100);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !emitted.isEmpty());
        assertThat(emitted).containsExactly("growing.txt=part 1;part 2;part 3;part 4;part 5;");
    }
}
