package io.filesync.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import io.filesync.testing.Rows;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filesync-tail source feeding a sink of the user's own, not the rows sink: the message is plain data (the lines
 * and headers), and the source commits the position once the exchange completed, never after a failure.
 */
class TailComponentTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final CamelContext context = new DefaultCamelContext();
    private HikariDataSource dataSource;

    @BeforeEach
    void database() {
        dataSource = DataSources.pooled("jdbc:sqlite:" + dir.resolve("state.db"), "", "", 2);
        context.getRegistry().bind("filesyncDataSource", dataSource);
    }

    @AfterEach
    void stop() {
        context.stop();
        dataSource.close();
    }

    @Test
    void aGenericSinkGetsTheLinesAsPlainDataAndThePositionIsStoredOnCompletion() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("logs"));
        Files.writeString(folder.resolve("app.log"), "one\ntwo\n");
        List<String> json = new CopyOnWriteArrayList<>();
        List<Map<String, Object>> headers = new CopyOnWriteArrayList<>();
        AtomicBoolean failFirst = new AtomicBoolean(true);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("filesync-tail:" + folder + "?stateKey=generic&pollInterval=100").routeId("generic")
                        .process(exchange -> headers.add(Map.copyOf(exchange.getMessage().getHeaders())))
                        .marshal().json()
                        .process(exchange -> json.add(exchange.getMessage().getBody(String.class)))
                        .process(exchange -> {
                            if (failFirst.getAndSet(false)) {
                                throw new IllegalStateException("sink down");
                            }
                        });
            }
        });
        context.start();

        await().atMost(PATIENCE).until(() -> json.size() >= 2);

        assertThat(json.get(0)).as("the failed delivery is offered again, unchanged").isEqualTo(json.get(1));
        assertThat(json.get(1)).startsWith("[{").contains("\"text\":\"one\"", "\"text\":\"two\"", "\"lineNumber\":2")
                .doesNotContain("dataSource", "offsets");
        assertThat(headers.get(1)).containsEntry(TailHeaders.FILE, "app.log")
                .containsEntry(TailHeaders.FIRST_LINE, 1L)
                .containsEntry(TailHeaders.LAST_LINE, 2L)
                .containsEntry(TailHeaders.END_OFFSET, 8L)
                .containsEntry(TailHeaders.STATE_KEY, "generic");
        await().atMost(PATIENCE).until(() -> Rows.column(dataSource,
                "SELECT byte_offset FROM " + TailOffsets.TABLE + " WHERE state_key = 'generic'"), List.of("8")::equals);
    }

    @Test
    void theRowsWriterCommitsThePositionWithTheRowsFindingTheSourceByItsStateKey() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("rows"));
        Files.writeString(folder.resolve("app.log"), "one\ntwo\n");
        TailRowWriter writer = new TailRowWriter(dataSource, "INSERT INTO lines (line) VALUES (:#line)", ",", "", true,
                "CREATE TABLE IF NOT EXISTS lines (line TEXT)", "rows-test");
        writer.setCamelContext(context);
        List<List<String>> positionsRightAfterTheSink = new CopyOnWriteArrayList<>();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("filesync-tail:" + folder + "?stateKey=rows&pollInterval=100").routeId("rows")
                        .bean(writer, "write")
                        // Before the exchange completes: only the writer's own transaction can have stored it.
                        .process(exchange -> positionsRightAfterTheSink.add(Rows.column(dataSource,
                                "SELECT byte_offset FROM " + TailOffsets.TABLE + " WHERE state_key = 'rows'")));
            }
        });
        context.start();

        await().atMost(PATIENCE).until(() -> !positionsRightAfterTheSink.isEmpty());

        assertThat(positionsRightAfterTheSink.get(0)).containsExactly("8");
        assertThat(Rows.column(dataSource, "SELECT line FROM lines")).containsExactly("one", "two");
    }

    @Test
    void aFailedExchangeStoresNoPosition() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("failing"));
        Files.writeString(folder.resolve("app.log"), "one\n");
        List<String> attempts = new CopyOnWriteArrayList<>();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("filesync-tail:" + folder + "?stateKey=failing&pollInterval=100&maxRetryDelay=100").routeId("failing")
                        .process(exchange -> {
                            attempts.add("attempt");
                            throw new IllegalStateException("sink down");
                        });
            }
        });
        context.start();

        await().atMost(PATIENCE).until(() -> attempts.size() >= 3);

        assertThat(Rows.column(dataSource, "SELECT byte_offset FROM " + TailOffsets.TABLE + " WHERE state_key = 'failing'"))
                .isEmpty();
    }

    @Test
    void twoSourcesWithOneStateKeyAreRefusedNamingIt() throws Exception {
        Path first = Files.createDirectories(dir.resolve("first"));
        Path second = Files.createDirectories(dir.resolve("second"));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("filesync-tail:" + first + "?stateKey=shared").routeId("first").log("first");
                from("filesync-tail:" + second + "?stateKey=shared").routeId("second").log("second");
            }
        });

        assertThatThrownBy(context::start)
                .hasStackTraceContaining("stateKey 'shared' is already used by another running filesync-tail source");
    }
}
