package io.filesync.sync;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.filesync.core.error.BadInputException;

/**
 * The client's side of the wire: one method per server operation, over the JDK's HTTP client (HTTP/1.1, kept-alive
 * connections; HTTPS with an optional trust store). Failures come in two kinds: {@link Unavailable} for anything
 * that may pass (no connection, a timeout, a 5xx, a wrong token that an operator may fix), retried with backoff by
 * the caller, and {@link BadInputException} for a request the server refused (400), which retrying cannot fix.
 */
public final class SyncTransport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String authorization;
    private final String client;
    private final HttpClient http;
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong contentBytesSent = new AtomicLong();

    /**
     * @param serverUrl  e.g. {@code http://127.0.0.1:8765/sync}
     * @param trustStore a PKCS12 trust store for the server's certificate, or blank for the JDK's default
     */
    public SyncTransport(String serverUrl, String token, String client, String trustStore, String trustStorePassword) {
        this.base = URI.create(serverUrl.endsWith("/") ? serverUrl : serverUrl + "/");
        this.authorization = "Bearer " + (token == null ? "" : token);
        this.client = client;
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5));
        if (trustStore != null && !trustStore.isBlank()) {
            builder.sslContext(sslContext(Path.of(trustStore), trustStorePassword));
        }
        this.http = builder.build();
    }

    /** Unavailable for now: no answer, a server error, or a refused token. */
    public static final class Unavailable extends IOException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public URI base() {
        return base;
    }

    /** All request bytes sent (bodies only; HTTP headers excluded). */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** File content bytes sent in chunks. */
    public long contentBytesSent() {
        return contentBytesSent.get();
    }

    public List<SyncServer.Entry> list() throws IOException {
        JsonNode reply = call("list", null, null, null);
        List<SyncServer.Entry> entries = new ArrayList<>();
        for (JsonNode entry : reply.path("entries")) {
            entries.add(new SyncServer.Entry(entry.path("path").asText(), entry.path("directory").asBoolean(),
                    entry.path("size").asLong(), entry.path("hash").isTextual() ? entry.path("hash").asText() : null));
        }
        return entries;
    }

    /**
     * Whole-file dedup for a batch of files.
     *
     * @return per file, whether the server put it in place from content it already held
     */
    public List<Boolean> offer(List<SyncServer.FileRef> files) throws IOException {
        List<Boolean> copied = new ArrayList<>();
        call("offer", json(Map.of("files", files)), null, null).path("copied").forEach(node -> copied.add(node.asBoolean()));
        return answered(copied, files.size(), "offer");
    }

    /**
     * Sends a batch of chunk lists, each full ({@link Manifest#encode()}) or a {@link ManifestDelta}.
     *
     * @return per list, the indexes of the chunks the server lacks, or null when it does not know a delta's base
     */
    public List<List<Integer>> missing(List<byte[]> chunkLists) throws IOException {
        return answered(indexLists(call("missing", SyncFraming.frame(chunkLists), null, null)), chunkLists.size(), "missing");
    }

    /** Starts sending a batch of chunks (hash (32), length (4) and bytes for each) without waiting for the answer. */
    public java.util.concurrent.CompletableFuture<Void> chunksAsync(byte[] batch, int length, long contentBytes) {
        return chunksAsync(ByteBuffer.wrap(batch, 0, length), contentBytes, () -> { });
    }

    /**
     * Starts sending a batch of chunks from the buffer's position to its limit, sent from the buffer as it is.
     *
     * @param released run once the exchange is over, answered or failed, and the client reads the buffer no more;
     *                 cancelling the returned future does not end the exchange, and does not run it early
     */
    java.util.concurrent.CompletableFuture<Void> chunksAsync(ByteBuffer batch, long contentBytes, Runnable released) {
        int length = batch.remaining();
        HttpRequest request = builder("chunks", null, null).POST(new BufferBodyPublisher(batch)).build();
        java.util.concurrent.CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            exchange = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (RuntimeException e) {
            released.run();
            throw e;
        }
        exchange.whenComplete((response, failure) -> released.run());
        return exchange
                .thenAccept(response -> {
                    bytesSent.addAndGet(length);
                    if (response.statusCode() != 200) {
                        try {
                            check("chunks", response.statusCode(), parse(response.body()));
                        } catch (IOException e) {
                            throw new java.util.concurrent.CompletionException(e);
                        }
                    }
                    contentBytesSent.addAndGet(contentBytes);
                });
    }

    /**
     * Asks the server to put a batch of files in place.
     *
     * @return per file: empty when it is in place, the chunks the server still lacks, or null when the server has no
     *         chunk list for it (send it again)
     */
    public List<List<Integer>> commit(List<SyncServer.FileRef> files) throws IOException {
        return answered(indexLists(call("commit", json(Map.of("files", files)), null, null)), files.size(), "commit");
    }

    public void delete(String path) throws IOException {
        call("delete", json(Map.of("path", path)), null, null);
    }

    /** @return false when the server does not have the source */
    public boolean move(String from, String to) throws IOException {
        return call("move", json(Map.of("from", from, "to", to)), null, null).path("moved").asBoolean();
    }

    public void mkdir(String path) throws IOException {
        mkdirs(List.of(path));
    }

    public void mkdirs(List<String> paths) throws IOException {
        call("mkdir", json(Map.of("paths", paths)), null, null);
    }

    private JsonNode call(String operation, byte[] body, String header, String value) throws IOException {
        HttpResponse<byte[]> response = send(operation, body, header, value);
        JsonNode reply = parse(response.body());
        int status = response.statusCode();
        if (status == 200 || status == 404 && operation.equals("move")) {
            return reply;
        }
        check(operation, status, reply);
        return reply;
    }

    private void check(String operation, int status, JsonNode reply) throws IOException {
        String error = reply.path("error").asText("HTTP " + status);
        if (status == 400 || status == 413) {
            throw new BadInputException(operation, "sync server refused the request: " + error);
        }
        if (status == 507) {
            throw new Unavailable("sync server " + base + " cannot store more (" + error + "): retrying later", null);
        }
        if (status == 401) {
            throw new Unavailable("sync server " + base + " rejected this client (" + error + "): check sync.client.token", null);
        }
        throw new Unavailable("sync server " + base + " answered " + status + " to " + operation + ": " + error, null);
    }

    private HttpRequest request(String operation, byte[] body, String header, String value) {
        HttpRequest.Builder request = builder(operation, header, value);
        request.method(body == null ? "GET" : "POST",
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return request.build();
    }

    private HttpRequest.Builder builder(String operation, String header, String value) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(operation)).timeout(Duration.ofMinutes(2))
                .header(SyncHeaders.AUTHORIZATION, authorization).header(SyncHeaders.CLIENT, client);
        if (header != null) {
            request.header(header, value);
        }
        return request;
    }

    private HttpResponse<byte[]> send(String operation, byte[] body, String header, String value) throws IOException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request(operation, body, header, value), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while talking to " + base, e);
        } catch (IOException e) {
            throw new Unavailable("sync server " + base + " unreachable: " + e, e);
        }
        bytesSent.addAndGet(body == null ? 0 : body.length);
        return response;
    }

    private static List<List<Integer>> indexLists(JsonNode reply) {
        List<List<Integer>> lists = new ArrayList<>();
        for (JsonNode list : reply.path("missing")) {
            if (list.isNull()) {
                lists.add(null);
            } else {
                List<Integer> indexes = new ArrayList<>();
                list.forEach(node -> indexes.add(node.asInt()));
                lists.add(indexes);
            }
        }
        return lists;
    }

    private <T> List<T> answered(List<T> answers, int expected, String operation) throws Unavailable {
        if (answers.size() != expected) {
            throw new Unavailable("sync server " + base + " answered " + answers.size() + " results to " + operation
                    + " for " + expected + " files", null);
        }
        return answers;
    }

    private static JsonNode parse(byte[] body) {
        try {
            return body == null || body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("error", new String(body, 0, Math.min(200, body.length), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static byte[] json(Object value) throws IOException {
        return JSON.writeValueAsBytes(value);
    }

    private static SSLContext sslContext(Path trustStore, String password) {
        try (InputStream in = Files.newInputStream(trustStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password == null ? new char[0] : password.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot load the sync trust store " + trustStore + ": " + e.getMessage(), e);
        }
    }
}
