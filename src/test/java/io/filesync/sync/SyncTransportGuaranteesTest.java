package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the transport guarantees whatever the server does, against loopback servers that misbehave on purpose: a
 * deadline on every exchange, answers capped in size, a POST never sent twice by the transport itself, and a TLS
 * server it does not trust refused with a message that says what to configure.
 */
class SyncTransportGuaranteesTest {

    private static final Duration SHORT = Duration.ofMillis(400);
    private static final List<SyncServer.FileRef> ONE_FILE = List.of(new SyncServer.FileRef("f", "e".repeat(64)));

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    @Test
    void aServerThatReadsTheRequestAndNeverAnswersEndsTheExchangeAtItsDeadline() throws Exception {
        StallingServer server = stalling(connection -> {
            drain(connection);
            return null;
        });
        SyncTransport transport = transport(server.url(), builder -> builder.answerTimeout(SHORT));

        long start = System.nanoTime();
        assertThatThrownBy(transport::list).isInstanceOf(SyncTransport.Unavailable.class)
                .hasMessageContaining("did not answer list within 400 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aServerThatSendsTheHeadThenStallsTheBodyEndsTheExchangeAtItsOverallDeadline() throws Exception {
        StallingServer server = stalling(connection -> {
            readHead(connection);
            connection.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"entr"
                    .getBytes(StandardCharsets.US_ASCII));
            connection.getOutputStream().flush();
            drain(connection);
            return null;
        });
        SyncTransport transport = transport(server.url(), builder -> builder.exchangeTimeout(SHORT));

        long start = System.nanoTime();
        assertThatThrownBy(transport::list).isInstanceOf(SyncTransport.Unavailable.class)
                .hasMessageContaining("did not complete list within 400 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aServerThatStopsReadingABatchEndsItsExchangeAtTheDeadlineAndTheBufferIsReleased() throws Exception {
        StallingServer server = stalling(connection -> {
            readHead(connection);
            connection.getInputStream().readNBytes(1024);
            // Reads no more: the client's writes fill the socket buffers and block.
            return null;
        });
        SyncTransport transport = transport(server.url(), builder -> builder.answerTimeout(SHORT));
        CompletableFuture<Void> released = new CompletableFuture<>();

        CompletableFuture<Void> answer = transport.chunksAsync(ByteBuffer.allocateDirect(64 << 20), 1, () -> released.complete(null));

        assertThatThrownBy(() -> ChunkUploader.join(answer, transport.base())).isInstanceOf(SyncTransport.Unavailable.class)
                .hasMessageContaining("did not answer chunks within 400 ms");
        // Released once the exchange is over, which its failure reaches first.
        await().atMost(Duration.ofSeconds(10)).until(released::isDone);
        assertThat(transport.contentBytesSent()).isZero();
    }

    @Test
    void anAnswerOverTheCapIsRefusedWhetherItsLengthIsAnnouncedOrChunkedAndOneAtTheCapIsRead() throws Exception {
        String big = "{\"copied\":[true],\"pad\":\"" + "x".repeat(2000) + "\"}";
        ScriptedServer sized = scripted(request -> ok(big));
        assertThatThrownBy(() -> transport(sized.uri() + "/sync", builder -> builder.maxAnswerBytes(1024)).offer(ONE_FILE))
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("answered offer with more than 1024 bytes");

        ScriptedServer chunked = scripted(request -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(big.length()) + "\r\n" + big + "\r\n0\r\n\r\n");
        assertThatThrownBy(() -> transport(chunked.uri() + "/sync", builder -> builder.maxAnswerBytes(1024)).offer(ONE_FILE))
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("answered offer with more than 1024 bytes");

        String exact = "{\"copied\":[true],\"pad\":\"" + "x".repeat(1024 - 26) + "\"}";
        assertThat(exact).hasSize(1024);
        ScriptedServer atCap = scripted(request -> ok(exact));
        assertThat(transport(atCap.uri() + "/sync", builder -> builder.maxAnswerBytes(1024)).offer(ONE_FILE)).containsExactly(true);
    }

    @Test
    void oneKeptAliveConnectionCarriesAThousandExchangesWithSizedAndChunkedAnswers() throws Exception {
        AtomicInteger count = new AtomicInteger();
        ScriptedServer server = scripted(request -> count.incrementAndGet() % 2 == 0 ? ok("{\"copied\":[true]}")
                : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n{\"copi\r\nb\r\ned\":[true]}\r\n0\r\n\r\n");
        SyncTransport transport = transport(server.uri() + "/sync", builder -> builder);

        for (int i = 0; i < 1000; i++) {
            assertThat(transport.offer(ONE_FILE)).containsExactly(true);
        }
        assertThat(server.requests).hasSize(1000);
        assertThat(server.connections).hasValue(1);
    }

    @Test
    void aCommitWhoseKeptAliveConnectionDiesBeforeItsAnswerIsNotSentAgainButAListingIs() throws Exception {
        AtomicInteger lists = new AtomicInteger();
        // Each answered exchange leaves its connection in the pool; the server drops the connection on which a commit
        // or the second listing arrives without answering, as a server closing an idle connection at that moment would.
        ScriptedServer server = scripted(request -> {
            if (request.startsWith("GET /sync/list")) {
                return lists.incrementAndGet() == 2 ? null : ok("{\"entries\":[]}");
            }
            return request.startsWith("POST /sync/commit") ? null : ok("{\"copied\":[false]}");
        });
        SyncTransport transport = transport(server.uri() + "/sync", builder -> builder);

        assertThat(transport.offer(ONE_FILE)).containsExactly(false);
        assertThatThrownBy(() -> transport.commit(ONE_FILE)).isInstanceOf(SyncTransport.Unavailable.class);
        assertThat(server.requests).filteredOn(request -> request.startsWith("POST /sync/commit")).hasSize(1);

        // A listing is idempotent: the JDK sends it again, once, on a fresh connection.
        assertThat(transport.list()).isEmpty();
        assertThat(transport.list()).isEmpty();
        assertThat(lists).hasValue(3);
    }

    @Test
    void aTlsServerWhoseCertificateIsNotTrustedOrNamesAnotherHostIsRefusedWithWhatToConfigure(@TempDir Path dir) throws Exception {
        Path otherHost = keyPair(dir, "other", "SAN=dns:sync.example.invalid");
        Path trust = dir.resolve("trust.p12");
        keytool("-exportcert", "-alias", "sync", "-keystore", otherHost.toString(), "-storepass", "changeit",
                "-file", dir.resolve("other.cer").toString());
        keytool("-importcert", "-noprompt", "-alias", "sync", "-file", dir.resolve("other.cer").toString(),
                "-keystore", trust.toString(), "-storetype", "PKCS12", "-storepass", "changeit");

        String selfSigned = tlsServer(keyPair(dir, "self", "SAN=ip:127.0.0.1"));
        assertThatThrownBy(() -> transport(selfSigned, builder -> builder).list()).isInstanceOf(SyncTransport.Unavailable.class)
                .hasMessageContaining("is not trusted").hasMessageContaining("sync.client.truststore");

        String named = tlsServer(otherHost);
        assertThatThrownBy(() -> transport(named, builder -> builder.trustStore(trust.toString()).trustStorePassword("changeit")).list())
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("is not trusted")
                .hasMessageContaining("not valid for this host");
    }

    @Test
    void aServerUrlMissingOrNotHttpIsRefusedAtStartNamingTheKey() {
        assertThatThrownBy(() -> SyncTransport.builder().serverUrl("ftp://127.0.0.1/sync").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sync.client.server-url");
        assertThatThrownBy(() -> SyncTransport.builder().serverUrl("http://127.0.0.1:8765/a folder/sync").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sync.client.server-url");
        assertThatThrownBy(() -> SyncTransport.builder().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sync.client.server-url");
    }

    @Test
    void aTrustStoreThatCannotBeReadIsRefusedAtStartNamingTheFileAndTheKeys(@TempDir Path dir) throws Exception {
        Path notAStore = Files.writeString(dir.resolve("trust.p12"), "not a key store");
        for (Path store : List.of(dir.resolve("missing.p12"), notAStore)) {
            assertThatThrownBy(() -> SyncTransport.builder().serverUrl("https://127.0.0.1:1/sync").trustStore(store.toString()).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(store.toString())
                    .hasMessageContaining("sync.client.truststore");
        }
    }

    private SyncTransport transport(String url, Function<SyncTransport.Builder, SyncTransport.Builder> settings) {
        SyncTransport transport = settings.apply(SyncTransport.builder().serverUrl(url).token("t").clientName("test")).build();
        open.add(transport);
        return transport;
    }

    private ScriptedServer scripted(Function<String, String> script) throws IOException {
        ScriptedServer server = new ScriptedServer(script);
        open.add(server);
        return server;
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    /** What a stalling server does with a connection it accepted; the connection is closed at the test's end. */
    private interface Stall {
        Void serve(Socket connection) throws IOException;
    }

    private StallingServer stalling(Stall stall) throws IOException {
        StallingServer server = new StallingServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), stall);
        open.add(server);
        return server;
    }

    /** A loopback server that does with each connection what the test says, then holds it open without a word. */
    private static final class StallingServer implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        StallingServer(ServerSocket socket, Stall stall) {
            this.socket = socket;
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket connection = socket.accept();
                        accepted.add(connection);
                        Thread serving = new Thread(() -> {
                            try {
                                stall.serve(connection);
                            } catch (IOException e) {
                                // the client went away
                            }
                        });
                        serving.setDaemon(true);
                        serving.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/sync";
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket connection : accepted) {
                connection.close();
            }
        }
    }

    private static void readHead(Socket connection) throws IOException {
        InputStream in = connection.getInputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }

    private static void drain(Socket connection) throws IOException {
        connection.getInputStream().transferTo(OutputStream.nullOutputStream());
    }

    /** A TLS server with the key pair given that answers every request with an empty listing. */
    private String tlsServer(Path keystore) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(keys, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, null);
        SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress());
        StallingServer server = new StallingServer(socket, connection -> {
            readHead(connection);
            connection.getOutputStream().write(ok("{\"entries\":[]}").getBytes(StandardCharsets.UTF_8));
            connection.getOutputStream().flush();
            return null;
        });
        open.add(server);
        return "https://127.0.0.1:" + socket.getLocalPort() + "/sync";
    }

    private static Path keyPair(Path dir, String name, String subjectAlternativeName) throws Exception {
        Path keystore = dir.resolve(name + ".p12");
        keytool("-genkeypair", "-alias", "sync", "-keyalg", "EC", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-dname", "CN=" + name, "-ext", subjectAlternativeName, "-validity", "2");
        return keystore;
    }

    private static void keytool(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
    }
}
