package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.filesync.core.error.BadInputException;

/**
 * The client's side of the wire: one method per server operation, each one HTTP exchange through the JDK's
 * HTTP client ({@link SyncHttp}: pooled keep-alive connections, HTTPS with an optional trust store, a deadline per
 * exchange, answers capped in size). Chunk batches go out on two upload threads of their own, so two can be in flight
 * while the caller builds the next; a batch is sent from the caller's buffer as it is. Failures come in two kinds:
 * {@link Unavailable} for anything that may pass (no connection, a timeout, a 5xx, a wrong token that an operator may
 * fix, a chunk refused because the file changed while it was sent), retried with backoff by the caller, and
 * {@link BadInputException} for a request the server refused (400, 413), which retrying cannot fix.
 * <p>
 * A request is sent once: a POST that met a connection closed under it fails as {@link Unavailable}, and the caller's
 * retry repeats it (the server's operations are idempotent, and a move sent again answers that the source is gone).
 * <p>
 * The requests of every group of a first upload (offer, chunk lists, commit) are written and their answers read with
 * Jackson's streaming generator and parser, not its data binding: a client is a fresh JVM, and the binding's
 * serializers and tree builders cost compilation time there that the streaming API does not.
 * <p>
 * Built by {@link #builder()} with named settings, as the {@code syncClientTransport} bean of the sync-client route is.
 */
public final class SyncTransport implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory STREAMS = JSON.getFactory();
    private static final int UPLOAD_THREADS = 2;

    private final URI base;
    private final String authorization;
    private final String client;
    private final SyncHttp http;
    private final ThreadPoolExecutor uploads;
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong contentBytesSent = new AtomicLong();

    private SyncTransport(Builder settings) {
        if (settings.serverUrl == null || settings.serverUrl.isBlank()) {
            throw new IllegalArgumentException("the sync client needs the server's URL (sync.client.server-url)");
        }
        String url = settings.serverUrl.trim();
        try {
            this.base = URI.create(url.endsWith("/") ? url : url + "/");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sync.client.server-url is not a URL: " + url + " (" + e.getMessage() + ")", e);
        }
        if (!"http".equalsIgnoreCase(base.getScheme()) && !"https".equalsIgnoreCase(base.getScheme()) || base.getHost() == null) {
            throw new IllegalArgumentException("sync.client.server-url must be an http:// or https:// URL with a host: " + url);
        }
        this.authorization = "Bearer " + (settings.token == null ? "" : settings.token);
        this.client = settings.clientName == null ? "" : settings.clientName;
        if (authorization.chars().anyMatch(c -> c < ' ') || client.chars().anyMatch(c -> c < ' ')) {
            throw new IllegalArgumentException("the sync client's token and name must be single-line text");
        }
        SSLContext tls = settings.trustStore != null && !settings.trustStore.isBlank()
                ? sslContext(Path.of(settings.trustStore), settings.trustStorePassword) : null;
        this.http = new SyncHttp(base, tls, new SyncHttp.Limits(settings.connectTimeout, settings.answerTimeout,
                settings.exchangeTimeout, settings.maxAnswerBytes));
        AtomicInteger threads = new AtomicInteger();
        this.uploads = new ThreadPoolExecutor(UPLOAD_THREADS, UPLOAD_THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, "SyncClientUpload-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.uploads.allowCoreThreadTimeOut(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The transport's settings by name. The waits and the answer cap have defaults fit for any server; only tests
     * shorten them.
     */
    public static final class Builder {
        private String serverUrl;
        private String token = "";
        private String clientName = "filesync-client";
        private String trustStore;
        private String trustStorePassword;
        private Duration connectTimeout = Duration.ofSeconds(5);
        /** Longest wait for the head of the server's answer, sending included: assembling a large file takes a while. */
        private Duration answerTimeout = Duration.ofMinutes(2);
        /** Longest exchange, the answer's body included. */
        private Duration exchangeTimeout = Duration.ofMinutes(5);
        /** Largest answer read: a listing of a few million entries. */
        private int maxAnswerBytes = 512 << 20;

        /** e.g. {@code http://127.0.0.1:8765/sync}, or https://... */
        public Builder serverUrl(String serverUrl) {
            this.serverUrl = serverUrl;
            return this;
        }

        /** The bearer token the server expects. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** The name this client gives itself in the server's audit. */
        public Builder clientName(String clientName) {
            this.clientName = clientName;
            return this;
        }

        /** A PKCS12 trust store for the server's certificate, or blank for the JDK's default trust. */
        public Builder trustStore(String trustStore) {
            this.trustStore = trustStore;
            return this;
        }

        public Builder trustStorePassword(String trustStorePassword) {
            this.trustStorePassword = trustStorePassword;
            return this;
        }

        Builder answerTimeout(Duration answerTimeout) {
            this.answerTimeout = answerTimeout;
            return this;
        }

        Builder exchangeTimeout(Duration exchangeTimeout) {
            this.exchangeTimeout = exchangeTimeout;
            return this;
        }

        Builder maxAnswerBytes(int maxAnswerBytes) {
            this.maxAnswerBytes = maxAnswerBytes;
            return this;
        }

        public SyncTransport build() {
            return new SyncTransport(this);
        }
    }

    /** Unavailable for now: no answer, a server error, or a refused token. */
    public static class Unavailable extends IOException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The server refused a chunk whose bytes do not match its hash (answer 409), and stored nothing of its batch: the
     * file changed on disk since it was chunked, or the bytes were corrupted on the way. Reading the files again fixes
     * either; until that is done it counts as unavailable, so nothing is given up.
     */
    public static final class ChunkRefused extends Unavailable {
        private static final long serialVersionUID = 1L;

        ChunkRefused(String message) {
            super(message, null);
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
        JsonNode reply = call("list", null);
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
        Map<Integer, String> refused = new TreeMap<>();
        List<Boolean> copied = offer(files, refused);
        throwFirst(files, refused);
        return copied;
    }

    /**
     * {@link #offer(List)}, a file the server refused on its own (a name it cannot hold) put in {@code refused} by
     * its index with the server's reason: its answer is false, and the rest of the batch goes on.
     */
    public List<Boolean> offer(List<SyncServer.FileRef> files, Map<Integer, String> refused) throws IOException {
        List<Boolean> copied = arrayAnswer("offer", fileRefs(files), "copied", (parser, token, index) -> {
            if (token == JsonToken.VALUE_STRING) {
                refused.put(index, parser.getText());
                return false;
            }
            if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
                throw malformed("offer");
            }
            return token == JsonToken.VALUE_TRUE;
        });
        return answered(copied, files.size(), "offer");
    }

    /**
     * Sends a batch of chunk lists, each full ({@link Manifest#encode()}) or a {@link ManifestDelta}.
     *
     * @return per list, the indexes of the chunks the server lacks, or null when it does not know a delta's base
     */
    public List<List<Integer>> missing(List<byte[]> chunkLists) throws IOException {
        Map<Integer, String> refused = new TreeMap<>();
        List<List<Integer>> answers = missing(chunkLists, refused);
        for (String first : refused.values()) {
            throw new BadInputException("missing", "sync server refused a chunk list: " + first);
        }
        return answers;
    }

    /**
     * {@link #missing(List)}, a list the server refused on its own (a file above its size limit) put in
     * {@code refused} by its index with the server's reason: its answer is empty, and the rest are answered.
     */
    public List<List<Integer>> missing(List<byte[]> chunkLists, Map<Integer, String> refused) throws IOException {
        return answered(indexLists("missing", SyncFraming.frame(chunkLists), refused), chunkLists.size(), "missing");
    }

    /**
     * Starts sending a batch of chunks (hash (32), length (4) and bytes for each) without waiting for the answer,
     * from the buffer's position to its limit, sent from the buffer as it is.
     *
     * @param released run once the exchange is over, answered or failed, and the client reads the buffer no more;
     *                 cancelling the returned future does not end the exchange, and does not run it early
     */
    CompletableFuture<Void> chunksAsync(ByteBuffer batch, long contentBytes, Runnable released) {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        try {
            uploads.execute(() -> {
                try {
                    exchange("chunks", batch);
                    contentBytesSent.addAndGet(contentBytes);
                    answer.complete(null);
                } catch (IOException | RuntimeException e) {
                    answer.completeExceptionally(e);
                } finally {
                    released.run();
                }
            });
        } catch (RejectedExecutionException e) {
            released.run();
            throw new IllegalStateException("the sync transport to " + base + " is closed", e);
        }
        return answer;
    }

    /**
     * Asks the server to put a batch of files in place.
     *
     * @return per file: empty when it is in place, the chunks the server still lacks, or null when the server has no
     *         chunk list for it (send it again)
     */
    public List<List<Integer>> commit(List<SyncServer.FileRef> files) throws IOException {
        Map<Integer, String> refused = new TreeMap<>();
        List<List<Integer>> answers = commit(files, refused);
        throwFirst(files, refused);
        return answers;
    }

    /**
     * {@link #commit(List)}, a file the server refused on its own (a name it cannot hold) put in {@code refused} by
     * its index with the server's reason: its answer is empty, and the rest of the batch is committed.
     */
    public List<List<Integer>> commit(List<SyncServer.FileRef> files, Map<Integer, String> refused) throws IOException {
        return answered(indexLists("commit", fileRefs(files), refused), files.size(), "commit");
    }

    /** For callers without a place for per-file refusals: the first one, as the server's refusal of that file. */
    private static void throwFirst(List<SyncServer.FileRef> files, Map<Integer, String> refused) {
        for (Map.Entry<Integer, String> first : refused.entrySet()) {
            throw new BadInputException(files.get(first.getKey()).path(), "sync server refused the file: " + first.getValue());
        }
    }

    public void delete(String path) throws IOException {
        call("delete", json(Map.of("path", path)));
    }

    /** @return false when the server does not have the source */
    public boolean move(String from, String to) throws IOException {
        return call("move", json(Map.of("from", from, "to", to))).path("moved").asBoolean();
    }

    public void mkdir(String path) throws IOException {
        for (Map.Entry<String, String> refused : mkdirs(List.of(path)).entrySet()) {
            throw new BadInputException(refused.getKey(), "sync server refused the folder: " + refused.getValue());
        }
    }

    /** @return the folders the server refused on their own (a name it cannot hold), with its reason; the rest exist */
    public Map<String, String> mkdirs(List<String> paths) throws IOException {
        Map<String, String> refused = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : call("mkdir", json(Map.of("paths", paths))).path("refused").properties()) {
            refused.put(field.getKey(), field.getValue().asText());
        }
        return refused;
    }

    private JsonNode call(String operation, byte[] body) throws IOException {
        return parse(exchange(operation, body == null ? null : ByteBuffer.wrap(body)));
    }

    /** Reads one element of an answer's array from its first token (null at a cut answer's end), or throws. */
    private interface Element<T> {
        T read(JsonParser parser, JsonToken first, int index) throws IOException;
    }

    /**
     * Sends a request whose answer is an object holding one array, and reads that array's elements as they are
     * parsed: empty when the answer has no such field, {@link #malformed} when it is not JSON or not of that shape.
     */
    private <T> List<T> arrayAnswer(String operation, byte[] body, String field, Element<T> element) throws IOException {
        List<T> elements = new ArrayList<>();
        try (JsonParser parser = STREAMS.createParser(exchange(operation, ByteBuffer.wrap(body)))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw malformed(operation);
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                boolean wanted = field.equals(parser.currentName());
                if (parser.nextToken() == JsonToken.START_ARRAY && wanted) {
                    for (JsonToken first = parser.nextToken(); first != JsonToken.END_ARRAY; first = parser.nextToken()) {
                        elements.add(element.read(parser, first, elements.size()));
                    }
                    break;
                }
                parser.skipChildren();
            }
        } catch (JacksonException e) {
            throw malformed(operation);
        }
        return elements;
    }

    private Unavailable malformed(String operation) {
        return new Unavailable("sync server " + base + " answered " + operation + " with malformed JSON", null);
    }

    /** One exchange: its answer's body when the server did what was asked (or, for a move, found no source). */
    private byte[] exchange(String operation, ByteBuffer body) throws IOException {
        int length = body == null ? 0 : body.remaining();
        SyncHttp.Answer answer = http.exchange(operation, List.of(SyncHeaders.AUTHORIZATION, authorization,
                SyncHeaders.CLIENT, client, "User-Agent", "filesync"), body);
        bytesSent.addAndGet(length);
        int status = answer.status();
        if (status == 200 || status == 404 && operation.equals("move")) {
            return answer.body();
        }
        check(operation, status, parse(answer.body()));
        return answer.body();
    }

    private void check(String operation, int status, JsonNode reply) throws IOException {
        String error = reply.path("error").asText("HTTP " + status);
        if (status == 400 || status == 413) {
            throw new BadInputException(operation, "sync server refused the request: " + error);
        }
        if (status == 409) {
            throw new ChunkRefused("sync server " + base + " refused a chunk: " + error);
        }
        if (status == 507) {
            throw new Unavailable("sync server " + base + " cannot store more (" + error + "): retrying later", null);
        }
        if (status == 401) {
            throw new Unavailable("sync server " + base + " rejected this client (" + error + "): check sync.client.token", null);
        }
        throw new Unavailable("sync server " + base + " answered " + status + " to " + operation + ": " + error, null);
    }

    /**
     * Ends the upload threads; batches in flight end first. The JDK's client (Java 17) has no close: its pooled
     * connections and selector thread end when it is collected.
     */
    @Override
    public void close() {
        uploads.shutdown();
    }

    /** Sends a request answered by {"missing": [[index...] or null, ...]}: per file, the chunks the server lacks. */
    private List<List<Integer>> indexLists(String operation, byte[] body) throws IOException {
        return indexLists(operation, body, null);
    }

    /** {@link #indexLists(String, byte[])}, where a file's answer may be the reason the server refused it instead. */
    private List<List<Integer>> indexLists(String operation, byte[] body, Map<Integer, String> refused) throws IOException {
        return arrayAnswer(operation, body, "missing", (parser, list, position) -> {
            if (list == JsonToken.VALUE_NULL) {
                return null;
            }
            if (list == JsonToken.VALUE_STRING && refused != null) {
                refused.put(position, parser.getText());
                return List.of();
            }
            if (list != JsonToken.START_ARRAY) {
                throw malformed(operation);
            }
            List<Integer> indexes = new ArrayList<>();
            for (JsonToken index = parser.nextToken(); index != JsonToken.END_ARRAY; index = parser.nextToken()) {
                if (index != JsonToken.VALUE_NUMBER_INT) {
                    throw malformed(operation);
                }
                indexes.add(parser.getIntValue());
            }
            return indexes;
        });
    }

    /** {"files": [{"path": ..., "hash": ...}, ...]}, written by the streaming generator. */
    private static byte[] fileRefs(List<SyncServer.FileRef> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + files.size() * 128);
        try (JsonGenerator out = STREAMS.createGenerator(bytes)) {
            out.writeStartObject();
            out.writeArrayFieldStart("files");
            for (SyncServer.FileRef file : files) {
                out.writeStartObject();
                out.writeStringField("path", file.path());
                out.writeStringField("hash", file.hash());
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
        }
        return bytes.toByteArray();
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
            throw new IllegalArgumentException("Cannot load the sync trust store " + trustStore + " (sync.client.truststore, sync.client.truststore-password): " + e.getMessage(), e);
        }
    }
}
