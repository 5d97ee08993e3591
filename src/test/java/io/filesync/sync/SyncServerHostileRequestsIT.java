package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.filesync.BundleBoot;
import io.filesync.testing.CapturedLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real sync server route answering clients that do not follow the protocol, over raw sockets: each request gets a
 * clear answer with a reason as soon as it can be judged, and a log line without the token, and the server goes on
 * serving. A refused body is not awaited: the answer comes while the client is still sending, and the connection is
 * closed, which is what keeps the server's memory bounded whatever a client sends.
 */
class SyncServerHostileRequestsIT {

    private static final Path BASE = Path.of("target/sync-hostile-it").toAbsolutePath();
    private static final String TOKEN = "hostile-token";
    private static final int CAP = 1 << 20;
    private static final long ENDLESS = 128L << 20;
    /**
     * An answer given before this much was written did not await the body. Loopback socket buffers hold several MiB,
     * and on a loaded machine the client's reader sees the answer while its writer goes on: 8 MiB was once passed by
     * 0.3 MiB. The body is far longer, so a server that waits for it still fails by a wide margin.
     */
    private static final long EARLY = 24L << 20;

    private static int port;
    private static BundleBoot server;
    private CapturedLog log;

    @BeforeAll
    static void start() throws Exception {
        SyncIT.deleteTree(BASE);
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        server = SyncBundles.server(BASE, port, TOKEN, Map.of(
                "sync.server.max-request-bytes", String.valueOf(CAP),
                "sync.server.idle-timeout-ms", "1000",
                "sync.server.request-timeout-ms", "4000"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void captureLog() {
        log = CapturedLog.of("io.filesync.sync");
    }

    @AfterEach
    void serverStillServesAndNeverLogsTheToken() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("GET", "/sync/list", "Authorization: Bearer " + TOKEN));
            assertThat(connection.answer().status()).isEqualTo(200);
        } finally {
            log.close();
        }
        assertThat(log.lines()).noneMatch(line -> line.contains(TOKEN));
    }

    @Test
    void aChunkedBodyWithoutTheTokenIsAnswered401LongBeforeItsEndAndTheConnectionClosed() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("POST", "/sync/chunks", "Transfer-Encoding: chunked"));
            CompletableFuture<Void> sending = connection.streamBody(ENDLESS, true);
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.body()).contains("token");
            assertThat(answer.bodyBytesWrittenBefore()).isLessThan(EARLY);
            assertThat(answer.closedAfter()).isTrue();
            sending.get(30, TimeUnit.SECONDS);
            assertThat(connection.bodyBytesWritten.get()).isLessThan(ENDLESS);
        }
        assertLogged("401", "token");
    }

    @Test
    void aWrongTokenIsAnswered401BeforeTheBodyWithoutTheTokenInTheAnswerOrTheLog() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("POST", "/sync/chunks", "Authorization: Bearer not-" + TOKEN, "Content-Length: " + ENDLESS));
            CompletableFuture<Void> sending = connection.streamBody(ENDLESS, false);
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.body()).doesNotContain(TOKEN);
            assertThat(answer.bodyBytesWrittenBefore()).isLessThan(EARLY);
            assertThat(answer.closedAfter()).isTrue();
            sending.get(30, TimeUnit.SECONDS);
        }
        assertLogged("401", "token");
    }

    @Test
    void aChunkedBodyPastTheCapIsAnswered413AsSoonAsTheCapIsPassed() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("POST", "/sync/chunks", "Authorization: Bearer " + TOKEN, "Transfer-Encoding: chunked"));
            CompletableFuture<Void> sending = connection.streamBody(ENDLESS, true);
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(413);
            assertThat(answer.body()).contains(String.valueOf(CAP)).contains("max-request-bytes");
            assertThat(answer.bodyBytesWrittenBefore()).isLessThan(CAP + EARLY);
            assertThat(answer.closedAfter()).isTrue();
            sending.get(30, TimeUnit.SECONDS);
            assertThat(connection.bodyBytesWritten.get()).isLessThan(ENDLESS);
        }
        assertLogged("413", "max-request-bytes");
    }

    @Test
    void aContentLengthPastTheCapIsAnswered413OnTheHeadBeforeAnyBodyByte() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("POST", "/sync/chunks", "Authorization: Bearer " + TOKEN, "Content-Length: " + (CAP + 1)));
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(413);
            assertThat(answer.body()).contains(String.valueOf(CAP + 1)).contains(String.valueOf(CAP));
            assertThat(answer.closedAfter()).isTrue();
        }
        assertLogged("413");
    }

    @Test
    void aContentTypeOtherThanTheOperationsIsAnswered415WithTheExpectedType() throws Exception {
        for (String contentType : new String[] {"application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"}) {
            try (RawHttpConnection connection = new RawHttpConnection(port)) {
                connection.send(head("POST", "/sync/offer", "Authorization: Bearer " + TOKEN,
                        "Content-Type: " + contentType, "Content-Length: 3") + "a=b");
                RawHttpConnection.Answer answer = connection.answer();
                assertThat(answer.status()).as(contentType).isEqualTo(415);
                assertThat(answer.body()).contains(contentType.split(";")[0]).contains("application/json");
            }
        }
        assertLogged("415", "text/plain");
    }

    @Test
    void theContentTypeAnOperationExpectsWithParametersOrNoneAndAChunkedBodyWithinTheCapAreAccepted() throws Exception {
        String body = "{\"files\":[]}";
        for (String contentType : new String[] {"Content-Type: application/json; charset=utf-8", "X-None: none"}) {
            try (RawHttpConnection connection = new RawHttpConnection(port)) {
                connection.send(head("POST", "/sync/offer", "Authorization: Bearer " + TOKEN, contentType,
                        "Content-Length: " + body.length()) + body);
                assertThat(connection.answer().status()).as(contentType).isEqualTo(200);
            }
        }
        // A chunked body within the cap is aggregated and served like any other.
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("POST", "/sync/offer", "Authorization: Bearer " + TOKEN, "Transfer-Encoding: chunked")
                    + "5\r\n{\"fil\r\n" + Integer.toHexString(body.length() - 5) + "\r\n" + body.substring(5) + "\r\n0\r\n\r\n");
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).contains("copied");
        }
    }

    @Test
    void aWrongMethodIsAnswered405WithTheAllowedOneAndAnUnknownOperation404() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("GET", "/sync/commit", "Authorization: Bearer " + TOKEN));
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(405);
            assertThat(answer.head()).containsIgnoringCase("Allow: POST");
            assertThat(answer.body()).contains("commit").contains("POST");
        }
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("DELETE", "/sync/list", "Authorization: Bearer " + TOKEN));
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(405);
            assertThat(answer.head()).containsIgnoringCase("Allow: GET");
        }
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("POST", "/sync/format-disk", "Authorization: Bearer " + TOKEN, "Content-Length: " + ENDLESS));
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(404);
            assertThat(answer.body()).contains("format-disk");
        }
        assertLogged("405", "commit");
        assertLogged("404", "format-disk");
    }

    @Test
    void anOversizedRequestLineOrHeadIsAnswered414Or431() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("GET", "/sync/list?" + "x".repeat(20_000), "Authorization: Bearer " + TOKEN));
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(414);
            assertThat(answer.closedAfter()).isTrue();
        }
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            StringBuilder many = new StringBuilder("GET /sync/list HTTP/1.1\r\nHost: x\r\n");
            for (int i = 0; i < 5000; i++) {
                many.append("X-Filler-").append(i).append(": ").append("y".repeat(20)).append("\r\n");
            }
            connection.send(many.append("\r\n").toString());
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(431);
            assertThat(answer.closedAfter()).isTrue();
        }
        assertLogged("414");
        assertLogged("431");
    }

    @Test
    void aClientThatSendsAHeadAndThenStallsIsAnswered408AfterTheIdleTimeout() throws Exception {
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            // The Content-Length lies: the body never comes.
            connection.send(head("POST", "/sync/offer", "Authorization: Bearer " + TOKEN, "Content-Length: 500") + "{\"files\":");
            long start = System.nanoTime();
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(408);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(3));
            assertThat(answer.closedAfter()).isTrue();
        }
        assertLogged("408");
    }

    @Test
    void aClientThatTricklesItsBodyIsAnswered408AtTheRequestDeadline() throws Exception {
        ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("POST", "/sync/offer", "Authorization: Bearer " + TOKEN, "Content-Length: 100000"));
            long start = System.nanoTime();
            // A byte every 200 ms: the request never stalls for the idle timeout (1 s), only the deadline (4 s) ends it.
            AtomicInteger sent = trickle(trickler, connection, "x".repeat(100_000));
            String answer = connection.readToEnd();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(8));
            assertThat(answer).startsWith("HTTP/1.1 408").contains("4000 ms");
            assertThat(sent.get()).isLessThan(100);
        } finally {
            trickler.shutdownNow();
        }
        assertLogged("408", "request-timeout-ms");
    }

    @Test
    void aHeadThatNeverCompletesIsClosedAtTheIdleTimeout() throws Exception {
        ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            long start = System.nanoTime();
            String head = head("GET", "/sync/list", "Authorization: Bearer " + TOKEN, "X-Slow: " + "s".repeat(2000));
            AtomicInteger sent = trickle(trickler, connection, head);
            assertThat(connection.readToEnd()).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(800), Duration.ofSeconds(4));
            assertThat(sent.get()).isLessThan(head.length());
        } finally {
            trickler.shutdownNow();
        }
    }

    /** Sends {@code text} a byte every 200 ms until it is sent or the server closes; counts the bytes sent. */
    private static AtomicInteger trickle(ScheduledExecutorService trickler, RawHttpConnection connection, String text) {
        AtomicInteger sent = new AtomicInteger();
        trickler.scheduleAtFixedRate(() -> {
            int next = sent.get();
            if (next < text.length()) {
                try {
                    connection.send(text.substring(next, next + 1));
                    sent.incrementAndGet();
                } catch (java.io.IOException closed) {
                    throw new java.io.UncheckedIOException(closed);
                }
            }
        }, 0, 200, TimeUnit.MILLISECONDS);
        return sent;
    }

    @Test
    void malformedDeeplyNestedAndEndlessJsonAreAnswered400WithAReason() throws Exception {
        StringBuilder endless = new StringBuilder("{\"files\":[");
        while (endless.length() < CAP - 100) {
            endless.append("{\"path\":\"a\",\"hash\":\"b\"},");
        }
        endless.setLength(endless.length() - 1);
        endless.append("]}");
        Map<String, String> reasons = Map.of(
                "{\"files\": [", "not JSON",
                "{\"x\":" + "[".repeat(5000) + "]".repeat(5000) + ",\"files\":[]}", "nesting depth",
                endless.toString(), "more than " + SyncRequests.MAX_ENTRIES + " entries",
                "[1,2,3]", "not a JSON object",
                "{\"files\":[]} {\"files\":[]}", "not one JSON object");
        for (Map.Entry<String, String> body : reasons.entrySet()) {
            String shown = body.getKey().substring(0, Math.min(20, body.getKey().length()));
            try (RawHttpConnection connection = new RawHttpConnection(port)) {
                byte[] bytes = body.getKey().getBytes(StandardCharsets.UTF_8);
                connection.send(head("POST", "/sync/commit", "Authorization: Bearer " + TOKEN, "Content-Type: application/json",
                        "Content-Length: " + bytes.length));
                connection.send(bytes);
                RawHttpConnection.Answer answer = connection.answer();
                assertThat(answer.status()).as(shown).isEqualTo(400);
                assertThat(answer.body()).as(shown).contains(body.getValue());
            }
            assertLogged(body.getValue());
        }
    }

    @Test
    void aBatchOfEndlesslyManyEmptyChunkListsIsAnswered400() throws Exception {
        byte[] empties = new byte[4 * (SyncRequests.MAX_ENTRIES + 1)];
        try (RawHttpConnection connection = new RawHttpConnection(port)) {
            connection.send(head("POST", "/sync/missing", "Authorization: Bearer " + TOKEN,
                    "Content-Type: application/octet-stream", "Content-Length: " + empties.length));
            connection.send(empties);
            RawHttpConnection.Answer answer = connection.answer();
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body()).contains("more than " + SyncRequests.MAX_ENTRIES + " messages");
        }
        assertLogged("more than " + SyncRequests.MAX_ENTRIES + " messages");
    }

    private static String head(String method, String target, String... headers) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        return head.append("\r\n").toString();
    }

    private void assertLogged(String... words) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(log.lines())
                .anySatisfy(line -> assertThat(line).contains(words)));
    }
}
