package io.filesync.core.http;

import io.filesync.sync.ScriptedServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1.1 exchange, against a loopback server answering exactly the bytes of each case: how requests leave (from
 * any buffer), how responses are framed (length, chunks, end of connection), when a connection is kept, a pooled
 * connection the server closed meanwhile, and the deadlines. The exchange against real servers is in {@code S3PutsIT}
 * and the sync integration tests.
 */
class Http11ClientTest {

    private static final List<Http11Client.Header> HEADERS = List.of(new Http11Client.Header("host", "127.0.0.1"),
            new Http11Client.Header("content-length", "5"));

    private ScriptedServer server;
    private Http11Client client;

    @AfterEach
    void tearDown() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aPutGoesOutWithItsHeadersAndBodyAndTheConnectionIsKeptForTheNext() throws IOException {
        server = new ScriptedServer(request -> "HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nContent-Length: 0\r\n\r\n");
        client = new Http11Client(server.uri(), null, 2_000, 5_000, 0, 64 * 1024);
        for (int i = 0; i < 3; i++) {
            Http11Client.Response response = client.exchange("PUT", "/bucket/a%20b", HEADERS, hello());
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("etag")).isEqualTo("\"abc\"");
        }
        assertThat(server.requests).hasSize(3).allSatisfy(request -> assertThat(request)
                .startsWith("PUT /bucket/a%20b HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 5\r\n\r\n").endsWith("\r\n\r\nhello"));
        assertThat(server.connections.get()).isEqualTo(1);
    }

    @Test
    void chunkedAndSizedErrorDocumentsAreReadWholeAndTheConnectionStaysUsable() throws IOException {
        String document = "<Error><Code>NoSuchBucket</Code><Message>gone</Message></Error>";
        Queue<String> answers = new ConcurrentLinkedQueue<>(List.of(
                "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(10) + ";ext=1\r\n"
                        + document.substring(0, 10) + "\r\n" + Integer.toHexString(document.length() - 10) + "\r\n"
                        + document.substring(10) + "\r\n0\r\nTrailer: x\r\n\r\n",
                "HTTP/1.1 403 Forbidden\r\nContent-Length: " + document.length() + "\r\n\r\n" + document,
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        server = new ScriptedServer(request -> answers.poll());
        client = new Http11Client(server.uri(), null, 2_000, 5_000, 0, 64 * 1024);
        Http11Client.Response chunked = client.exchange("PUT", "/b/k", HEADERS, hello());
        assertThat(chunked.status()).isEqualTo(404);
        assertThat(new String(chunked.body(), StandardCharsets.UTF_8)).isEqualTo(document);
        Http11Client.Response sized = client.exchange("PUT", "/b/k", HEADERS, hello());
        assertThat(sized.status()).isEqualTo(403);
        assertThat(new String(sized.body(), StandardCharsets.UTF_8)).isEqualTo(document);
        assertThat(client.exchange("PUT", "/b/k", HEADERS, hello()).status()).isEqualTo(200);
        assertThat(server.connections.get()).isEqualTo(1);
    }

    @Test
    void aConnectionTheServerClosesIsNotReusedAndABodyFramedByTheCloseIsReadToIt() throws IOException {
        Queue<String> answers = new ConcurrentLinkedQueue<>(List.of(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 500 Internal Server Error\r\n\r\n<Error><Code>InternalError</Code></Error>",
                "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        server = new ScriptedServer(request -> answers.poll());
        client = new Http11Client(server.uri(), null, 2_000, 5_000, 0, 64 * 1024);
        assertThat(client.exchange("PUT", "/b/k", HEADERS, hello()).status()).isEqualTo(200);
        Http11Client.Response untilClose = client.exchange("PUT", "/b/k", HEADERS, hello());
        assertThat(untilClose.status()).isEqualTo(500);
        assertThat(new String(untilClose.body(), StandardCharsets.UTF_8)).isEqualTo("<Error><Code>InternalError</Code></Error>");
        assertThat(client.exchange("PUT", "/b/k", HEADERS, hello()).status()).isEqualTo(200);
        assertThat(client.exchange("PUT", "/b/k", HEADERS, hello()).status()).isEqualTo(200);
        // Each of the first three answers ended its connection.
        assertThat(server.connections.get()).isEqualTo(4);
    }

    @Test
    void aPooledConnectionTheServerDroppedMeanwhileIsReplacedAndThePutSentAgainOnce() throws IOException {
        AtomicInteger answered = new AtomicInteger();
        // The first connection answers once, then is dropped without a word before the second request is read.
        server = new ScriptedServer(request -> answered.incrementAndGet() == 2 ? null
                : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        client = new Http11Client(server.uri(), null, 2_000, 5_000, 0, 64 * 1024);
        assertThat(client.exchange("PUT", "/b/k", HEADERS, hello()).status()).isEqualTo(200);
        assertThat(client.exchange("PUT", "/b/k", HEADERS, hello()).status()).isEqualTo(200);
        assertThat(server.connections.get()).isEqualTo(2);
        assertThat(server.requests).hasSize(3);
    }

    @Test
    void garbageOrANewConnectionDroppedIsAnErrorNotARetryLoop() throws IOException {
        server = new ScriptedServer(request -> request.contains("/garbage") ? "SSH-2.0-OpenSSH\r\n\r\n" : null);
        client = new Http11Client(server.uri(), null, 2_000, 5_000, 0, 64 * 1024);
        assertThatThrownBy(() -> client.exchange("PUT", "/garbage", HEADERS, hello()))
                .isInstanceOf(IOException.class).hasMessageContaining("not an HTTP/1.x response");
        assertThatThrownBy(() -> client.exchange("PUT", "/dropped", HEADERS, hello()))
                .isInstanceOf(IOException.class).hasMessageContaining("closed by the server");
        assertThat(server.connections.get()).isEqualTo(2);
    }

    @Test
    void aHeaderValueWithALineBreakIsRefusedBeforeAnythingIsSent() throws IOException {
        server = new ScriptedServer(request -> "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        client = new Http11Client(server.uri(), null, 2_000, 5_000, 0, 64 * 1024);
        List<Http11Client.Header> injected = List.of(new Http11Client.Header("x-amz-meta", "a\r\nx-evil: 1"));
        assertThatThrownBy(() -> client.exchange("PUT", "/b/k", injected, ByteBuffer.allocate(0))).isInstanceOf(IllegalArgumentException.class);
        assertThat(server.connections.get()).isZero();
    }

    @Test
    void theHostHeaderNamesThePortOnlyWhenItIsNotTheSchemesDefault() {
        assertThat(new Http11Client(URI.create("http://s3.test"), null, 1, 1, 0, 64 * 1024).hostHeader()).isEqualTo("s3.test");
        assertThat(new Http11Client(URI.create("https://s3.test:443"), null, 1, 1, 0, 64 * 1024).hostHeader()).isEqualTo("s3.test");
        assertThat(new Http11Client(URI.create("http://s3.test:9000"), null, 1, 1, 0, 64 * 1024).hostHeader()).isEqualTo("s3.test:9000");
        assertThat(new Http11Client(URI.create("https://[::1]:8443"), null, 1, 1, 0, 64 * 1024).hostHeader()).isEqualTo("[::1]:8443");
        assertThatThrownBy(() -> new Http11Client(URI.create("ftp://s3.test"), null, 1, 1, 0, 64 * 1024)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBodyGoesFromItsBuffersPositionToItsLimitDirectOrNotAndTheBufferIsLeftAsItWas() throws IOException {
        server = new ScriptedServer(request -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        client = new Http11Client(server.uri(), null, 2_000, 5_000, 0, 64 * 1024);
        ByteBuffer direct = ByteBuffer.allocateDirect(16).put("xxhelloyy".getBytes(StandardCharsets.UTF_8));
        direct.position(2).limit(7);
        Http11Client.Response response = client.exchange("POST", "/sync/chunks", HEADERS, direct);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("ok");
        assertThat(response.truncated()).isFalse();
        assertThat(direct.position()).isEqualTo(2);
        assertThat(direct.limit()).isEqualTo(7);
        client.exchange("GET", "/sync/list", List.of(new Http11Client.Header("host", "127.0.0.1")), null);
        assertThat(server.requests).containsExactly("POST /sync/chunks HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 5\r\n\r\nhello",
                "GET /sync/list HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
        assertThat(server.connections.get()).isEqualTo(1);
    }

    @Test
    void aBodyOverTheLimitIsReadToItsEndAndMarkedTruncatedAndTheConnectionStaysUsable() throws IOException {
        String answer = "0123456789".repeat(10);
        server = new ScriptedServer(request -> "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + answer);
        client = new Http11Client(server.uri(), null, 2_000, 5_000, 0, 25);
        Http11Client.Response response = client.exchange("PUT", "/b/k", HEADERS, hello());
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(answer.substring(0, 25));
        assertThat(response.truncated()).isTrue();
        assertThat(client.exchange("PUT", "/b/k", HEADERS, hello()).status()).isEqualTo(200);
        assertThat(server.connections.get()).isEqualTo(1);
    }

    @Test
    void aServerSlowToAnswerTimesOutAndTheRequestIsNotSentAgain() throws IOException {
        CountDownLatch never = new CountDownLatch(1);
        server = new ScriptedServer(request -> {
            if (request.contains("/slow")) {
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        });
        client = new Http11Client(server.uri(), null, 2_000, 300, 0, 64 * 1024);
        assertThat(client.exchange("PUT", "/fast", HEADERS, hello()).status()).isEqualTo(200);
        try {
            // On the pooled connection: a timeout is not taken for a connection the server had closed.
            assertThatThrownBy(() -> client.exchange("PUT", "/slow", HEADERS, hello())).isInstanceOf(SocketTimeoutException.class);
            assertThat(server.requests).hasSize(2);
        } finally {
            never.countDown();
        }
    }

    @Test
    void aServerThatStopsReadingEndsTheExchangeAtItsDeadlineInsteadOfBlockingTheSender() throws IOException {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket deaf = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    held.add(deaf.accept());
                } catch (IOException e) {
                    // closed by the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            client = new Http11Client(URI.create("http://127.0.0.1:" + deaf.getLocalPort()), null, 2_000, 60_000, 500, 64 * 1024);
            ByteBuffer large = ByteBuffer.allocateDirect(64 << 20);
            List<Http11Client.Header> headers = List.of(new Http11Client.Header("host", "127.0.0.1"),
                    new Http11Client.Header("content-length", Integer.toString(large.remaining())));
            assertThatThrownBy(() -> client.exchange("POST", "/sync/chunks", headers, large))
                    .isInstanceOf(SocketTimeoutException.class).hasMessageContaining("within 500 ms");
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    private static ByteBuffer hello() {
        return ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8));
    }
}
