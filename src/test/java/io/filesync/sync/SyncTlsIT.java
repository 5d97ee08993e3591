package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.filesync.BundleBoot;
import org.junit.jupiter.api.Test;

/**
 * The sync server over TLS by configuration alone, and a client trusting its self-signed certificate; the server's
 * refusals on a request's head work the same over TLS.
 */
class SyncTlsIT {

    private static final Path BASE = Path.of("target/sync-tls-it").toAbsolutePath();

    @Test
    void aClientSyncsOverHttpsPlainHttpGetsNoAnswerAndABodyWithoutTheTokenIsRefusedOnItsHead() throws Exception {
        SyncIT.deleteTree(BASE);
        Files.createDirectories(BASE);
        Path keystore = BASE.resolve("server.p12");
        Path truststore = BASE.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "sync", "-keyalg", "EC", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1", "-validity", "2");
        keytool("-exportcert", "-alias", "sync", "-keystore", keystore.toString(), "-storepass", "changeit",
                "-file", BASE.resolve("sync.cer").toString());
        keytool("-importcert", "-noprompt", "-alias", "sync", "-file", BASE.resolve("sync.cer").toString(),
                "-keystore", truststore.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path work = BASE.resolve("server");
        try (BundleBoot server = BundleBoot.start(work, Map.of(
                "camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml,file:routes/sync-server*.camel.yaml",
                "sync.server.enabled", "true",
                "sync.server.port", String.valueOf(port),
                "sync.server.root", work.resolve("files").toString(),
                "sync.server.store", work.resolve("store").toString(),
                "sync.server.token", "tls-token",
                "sync.server.tls", "true",
                "sync.server.keystore", "file:" + keystore,
                "sync.server.keystore-password", "changeit"));
             BundleBoot client = BundleBoot.start(BASE.resolve("client"), Map.ofEntries(
                     Map.entry("camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml,file:routes/sync-client*.camel.yaml"),
                     Map.entry("sync.client.enabled", "true"),
                     Map.entry("sync.client.dir", BASE.resolve("client/folder").toString()),
                     Map.entry("sync.client.server-url", "https://127.0.0.1:" + port + "/sync"),
                     Map.entry("sync.client.token", "tls-token"),
                     Map.entry("sync.client.truststore", truststore.toString()),
                     Map.entry("sync.client.truststore-password", "changeit"),
                     Map.entry("sync.client.settle-time-ms", "100"),
                     Map.entry("sync.client.poll-ms", "100")))) {
            byte[] content = SyncIT.random(500_000, 21);
            SyncIT.write(BASE.resolve("client/folder/secret/over-tls.bin"), content);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(work.resolve("files/secret/over-tls.bin")).exists().hasBinaryContent(content));

            HttpRequest plain = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sync/list"))
                    .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer tls-token").build();
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(plain, HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(java.io.IOException.class);

            // Over TLS too, a body without the token is refused on the head, long before it ends.
            SSLContext trusting = trusting(truststore);
            try (RawHttpConnection connection = new RawHttpConnection(
                    trusting.getSocketFactory().createSocket(RawHttpConnection.connect(port), "127.0.0.1", port, true))) {
                connection.send("POST /sync/chunks HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
                connection.streamBody(64L << 20, true);
                RawHttpConnection.Answer answer = connection.answer();
                assertThat(answer.status()).isEqualTo(401);
                assertThat(answer.bodyBytesWrittenBefore()).isLessThan(8L << 20);
            }
        }
    }

    private static SSLContext trusting(Path truststore) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (java.io.InputStream in = Files.newInputStream(truststore)) {
            trusted.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static void keytool(String... arguments) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new java.util.ArrayList<>(List.of(keytool.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
    }
}
