package io.filesync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filesync-watch component inside a CamelContext: options, headers, lifecycle. */
class WatchComponentTest {

    @TempDir
    Path dir;

    private final CamelContext context = new DefaultCamelContext();
    private final List<Exchange> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        context.stop();
    }

    private void route(String uri) throws Exception {
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri).routeId("watch").process(received::add);
            }
        });
        context.start();
    }

    @Test
    void endpointOptionsBecomeWatchOptions() {
        context.start();
        WatchEndpoint endpoint = context.getEndpoint("filesync-watch:" + dir
                + "?recursive=false&settleTime=40&moveWindow=5&maxSettleTime=900&content=text&charset=ISO-8859-1"
                + "&maxContentBytes=10&emitExisting=true&snapshot=false&stateKey=k", WatchEndpoint.class);

        WatchOptions options = endpoint.watchOptions();

        assertThat(options.target()).isEqualTo(dir);
        assertThat(options.recursive()).isFalse();
        assertThat(options.settleTime()).isEqualTo(Duration.ofMillis(40));
        assertThat(options.moveWindow()).isEqualTo(Duration.ofMillis(5));
        assertThat(options.maxSettleTime()).isEqualTo(Duration.ofMillis(900));
        assertThat(options.contentMode()).isEqualTo(ContentMode.TEXT);
        assertThat(options.charset().name()).isEqualTo("ISO-8859-1");
        assertThat(options.maxContentBytes()).isEqualTo(10);
        assertThat(options.emitExisting()).isTrue();
        assertThat(endpoint.effectiveStateKey()).isEqualTo("k");
        assertThatThrownBy(() -> context.getEndpoint("filesync-watch:" + dir + "?settleTimeout=1"))
                .isInstanceOf(ResolveEndpointFailedException.class).hasMessageContaining("settleTimeout");
        assertThatThrownBy(() -> context.getEndpoint("filesync-watch:" + dir + "?content=pdf"))
                .isInstanceOf(ResolveEndpointFailedException.class);
    }

    @Test
    void aPersistedSnapshotWithoutADataSourceFailsWithAClearMessage() {
        assertThatThrownBy(() -> route("filesync-watch:" + dir))
                .hasStackTraceContaining("no DataSource bean named 'filesyncDataSource'");
    }

    @Test
    void eachEventIsOneExchangeWithHeadersAndSuspendedRoutesCatchUpOnResume() throws Exception {
        route("filesync-watch:" + dir + "?snapshot=false&settleTime=50");
        Files.writeString(dir.resolve("a.txt"), "abc");
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 1);

        Exchange created = received.get(0);
        assertThat(created.getMessage().getBody(ChangeEvent.class).type()).isEqualTo(ChangeType.FILE_CREATED);
        assertThat(created.getMessage().getHeader(WatchHeaders.EVENT_TYPE)).isEqualTo("FILE_CREATED");
        assertThat(created.getMessage().getHeader(WatchHeaders.PATH)).isEqualTo("a.txt");
        assertThat(created.getMessage().getHeader(WatchHeaders.SIZE)).isEqualTo(3L);
        assertThat(created.getMessage().getHeader(WatchHeaders.DIRECTORY)).isEqualTo(false);
        assertThat(created.getMessage().getHeader(WatchHeaders.TARGET)).isEqualTo(dir.toString());
        assertThat(created.getMessage().getHeaders()).doesNotContainKey(WatchHeaders.PREVIOUS_PATH);

        context.getRouteController().suspendRoute("watch");
        Files.move(dir.resolve("a.txt"), dir.resolve("b.txt"));
        context.getRouteController().resumeRoute("watch");
        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 2);

        Exchange moved = received.get(1);
        assertThat(moved.getMessage().getHeader(WatchHeaders.EVENT_TYPE)).isEqualTo("FILE_MOVED");
        assertThat(moved.getMessage().getHeader(WatchHeaders.PREVIOUS_PATH)).isEqualTo("a.txt");
        assertThat(moved.getMessage().getHeader(WatchHeaders.PATH)).isEqualTo("b.txt");
    }

    @Test
    void anEventWhoseRouteFailsIsDeliveredAgainAndOneTheRouteHandledIsNot() throws Exception {
        List<String> attempts = new CopyOnWriteArrayList<>();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                onException(IllegalArgumentException.class).handled(true);
                from("filesync-watch:" + dir + "?snapshot=false&settleTime=50&redeliveryDelay=100").routeId("watch")
                        .process(exchange -> {
                            String path = exchange.getMessage().getHeader(WatchHeaders.PATH, String.class);
                            String attempt = exchange.getMessage().getHeader(WatchHeaders.EVENT_TYPE) + " " + path;
                            attempts.add(attempt);
                            if (path.startsWith("down") && attempts.stream().filter(attempt::equals).count() == 1) {
                                throw new IllegalStateException("the database is down");
                            }
                            if (path.startsWith("bad")) {
                                throw new IllegalArgumentException("bad input, recorded and handled");
                            }
                        });
            }
        });
        context.start();

        Files.writeString(dir.resolve("down.txt"), "d");
        Files.writeString(dir.resolve("bad.txt"), "b");
        await().atMost(Duration.ofSeconds(20)).until(() -> attempts.contains("FILE_CREATED bad.txt")
                && attempts.stream().filter("FILE_CREATED down.txt"::equals).count() == 2);
        Files.writeString(dir.resolve("sentinel.txt"), "s");
        await().atMost(Duration.ofSeconds(20)).until(() -> attempts.contains("FILE_CREATED sentinel.txt"));

        assertThat(attempts).containsExactlyInAnyOrder("FILE_CREATED down.txt", "FILE_CREATED down.txt",
                "FILE_CREATED bad.txt", "FILE_CREATED sentinel.txt");
    }
}
