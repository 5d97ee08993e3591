package io.filesync.sync;

import static io.filesync.sync.SyncRequests.bytes;
import static io.filesync.sync.SyncRequests.client;
import static io.filesync.sync.SyncRequests.files;
import static io.filesync.sync.SyncRequests.reply;
import static io.filesync.sync.SyncRequests.texts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

import javax.sql.DataSource;

import io.filesync.core.error.BadInputException;
import io.filesync.core.observe.Progress;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Route;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.RoutePolicySupport;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of {@link SyncServer}, called from the routes of routes/sync-server.camel.yaml: authentication, one
 * method per operation (each the step of its own route), and the mapping of failures to status codes (route
 * configuration {@code sync-server-answers}). Bodies are JSON, except a chunk list (the
 * chunk lists, framed by {@link SyncFraming}) and chunks (their raw bytes). Files travel in batches: one request
 * offers, describes or commits many files, so a tree of small files costs a few requests per batch, not per file.
 * Its settings are named properties. The server itself is built on first use, so disabled routes leave no folder
 * behind. It is also the policy of every operation's route: once the last of them stops, the chunk store's pack
 * files and the assembly threads are released.
 */
public final class SyncServerHttp extends RoutePolicySupport implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(SyncServerHttp.class);
    /** Size at which a pack file is sealed and a new one started: the unit of garbage collection's rewrites. */
    private static final long PACK_BYTES = 64L * 1024 * 1024;
    /** Refusals on the head waiting for their audit row at most. */
    private static final int AUDITS_WAITING = 1000;

    private Path root = Path.of("data/sync-server/files");
    private Path store = Path.of("data/sync-server/store");
    private String dataSourceName = "filesyncDataSource";
    private DataSource dataSource;
    private CamelContext camelContext;
    private SyncToken token = new SyncToken(null);
    private long maxFileBytes = 64L * 1024 * 1024 * 1024;
    private long maxStoreBytes;
    private boolean fsync;
    private long gcGraceMs = 3_600_000;
    private int assembleThreads = 4;
    private boolean directIo = true;
    /** Routes of this server running now: the store is released when the last one stops. */
    private int routesRunning;
    private volatile SyncServer server;
    private SyncServerMeters meters;
    private volatile boolean stopped;
    private ExecutorService assemblers;
    private ExecutorService audits;
    private StoreCollector collector;

    /** The folder kept identical to the client's. */
    public void setRoot(String root) {
        this.root = Path.of(root);
    }

    /** The chunk store, outside the root. */
    public void setStore(String store) {
        this.store = Path.of(store);
    }

    /**
     * Registry name of the DataSource holding the audit and index tables, looked up on first use (a name, not a
     * reference, so bean files may load in any order).
     */
    public void setDataSource(String dataSource) {
        this.dataSourceName = dataSource;
    }

    /** The shared secret every request must carry; blank refuses every request. */
    public void setToken(String token) {
        this.token = new SyncToken(token);
    }

    /** Largest file accepted. */
    public void setMaxFileBytes(long maxFileBytes) {
        this.maxFileBytes = maxFileBytes;
    }

    /** Largest size of the chunk store (0: as much as the disk holds); beyond it uploads get 507. */
    public void setMaxStoreBytes(long maxStoreBytes) {
        this.maxStoreBytes = maxStoreBytes;
    }

    /** Force chunks and assembled files to disk before answering (power-loss durability). */
    public void setFsync(boolean fsync) {
        this.fsync = fsync;
    }

    /** Chunks younger than this are never collected, whatever refers to them: uploads in progress. */
    public void setGcGraceMs(long gcGraceMs) {
        this.gcGraceMs = gcGraceMs;
    }

    /** Files of a commit assembled at once. */
    public void setAssembleThreads(int assembleThreads) {
        this.assembleThreads = assembleThreads;
    }

    /** Write large uploads with direct I/O, past the page cache, where the file system takes it. */
    public void setDirectIo(boolean directIo) {
        this.directIo = directIo;
    }

    public SyncServer server() {
        SyncServer built = server;
        if (built == null) {
            synchronized (this) {
                if (server == null) {
                    if (dataSource == null) {
                        dataSource = camelContext.getRegistry().lookupByNameAndType(dataSourceName, DataSource.class);
                        if (dataSource == null) {
                            throw new IllegalStateException("No DataSource named " + dataSourceName + " in the registry");
                        }
                    }
                    if (store.toAbsolutePath().normalize().startsWith(root.toAbsolutePath().normalize())) {
                        throw new IllegalArgumentException("the chunk store " + store + " may not lie inside the synced root " + root);
                    }
                    try {
                        ChunkStore chunks = new ChunkStore(store, Chunker.DEFAULT_MAX,
                                (int) Math.min(Integer.MAX_VALUE, maxFileBytes / 1024 + 1024), PACK_BYTES, maxStoreBytes, fsync, directIo);
                        assemblers = assembleThreads < 2 || camelContext == null ? null
                                : camelContext.getExecutorServiceManager().newFixedThreadPool(this, "SyncServerAssemble", assembleThreads);
                        server = new SyncServer(root, chunks, dataSource, maxFileBytes, fsync, assemblers);
                        if (camelContext != null) {
                            server.audit().sayThrough(Progress.of(camelContext));
                        }
                        collector = new StoreCollector(chunks, server::liveContents, gcGraceMs);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("Cannot open the sync server's store " + store + ": " + e.getMessage(), e);
                    }
                    LOG.info("Sync server keeps {} (chunk store {})", root.toAbsolutePath().normalize(), store.toAbsolutePath().normalize());
                }
                built = server;
            }
        }
        return built;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /**
     * Checks the token (in constant time). The listener's {@link SyncRequestGuard} checked it already, on the
     * request's head; this keeps the bean safe on its own.
     */
    public void authenticate(Exchange exchange) {
        Message in = exchange.getMessage();
        String refusal = token.refusal(in.getHeader(SyncHeaders.AUTHORIZATION, String.class));
        in.removeHeader(SyncHeaders.AUTHORIZATION);
        if (refusal != null) {
            throw new SyncAuthException(refusal);
        }
    }

    /**
     * Records in {@code sync_audit} a request the listener refused on its head ({@link SyncRequestGuard}), on a thread
     * of its own, since the listener's event loop must not wait on the database. Beyond {@link #AUDITS_WAITING}
     * waiting rows (a flood of refusals), a refusal is only logged, as every refusal is.
     */
    public void refusedOnHead(String client, String reason) {
        ExecutorService pool = audits();
        if (pool == null) {
            return;
        }
        try {
            pool.execute(() -> {
                try {
                    server().refused(client, null, reason);
                } catch (RuntimeException e) {
                    LOG.warn("Sync server: the refusal of a request from {} not recorded: {}", client, e.getMessage());
                }
            });
        } catch (RejectedExecutionException flood) {
            LOG.debug("Sync server: the refusal of a request from {} not recorded: {} refusals wait already", client, AUDITS_WAITING);
        }
    }

    private synchronized ExecutorService audits() {
        if (audits == null && !stopped && camelContext != null) {
            ThreadPoolProfile profile = new ThreadPoolProfile("SyncServerAudit");
            profile.setPoolSize(1);
            profile.setMaxPoolSize(1);
            profile.setMaxQueueSize(AUDITS_WAITING);
            profile.setRejectedPolicy(ThreadPoolRejectedPolicy.Abort);
            audits = camelContext.getExecutorServiceManager().newThreadPool(this, "SyncServerAudit", profile);
        }
        return audits;
    }

    public void list(Exchange exchange) throws IOException {
        List<SyncServer.Entry> entries = server().list();
        reply(exchange, 200, Map.of("entries", entries));
    }

    /** Whole-file dedup for a batch of files: {"files": [{"path", "hash"}...]} answered by {"copied": [bool...]}. */
    public void offer(Exchange exchange) throws IOException {
        List<SyncServer.FileRef> files = files(exchange);
        Map<Integer, String> refused = new TreeMap<>();
        reply(exchange, 200, Map.of("copied", refusedInPlace(server().offer(client(exchange), files, refused), refused)));
    }

    /**
     * Chunk lists (each full or a delta), each framed by its length (4 bytes), answered by the missing indexes per
     * list: {"missing": [[...], null...]}, null where a delta's base is unknown here.
     */
    public void missing(Exchange exchange) throws IOException {
        List<byte[]> lists;
        try {
            lists = SyncFraming.unframe(bytes(exchange));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(client(exchange), "chunk lists refused: " + e.getMessage());
        }
        Map<Integer, String> refused = new TreeMap<>();
        reply(exchange, 200, Map.of("missing", refusedInPlace(server().missing(client(exchange), lists, refused), refused)));
    }

    /**
     * A batch of chunks: hash, length and bytes, one after the other. Read in place from the buffers Netty received
     * the body in ({@link SyncRequests#buffers}): each chunk is hashed and written from there, before this returns.
     */
    public void chunks(Exchange exchange) throws IOException {
        reply(exchange, 200, Map.of("stored", server().chunks(client(exchange), SyncRequests.buffers(exchange))));
    }

    public void chunk(Exchange exchange) throws IOException {
        String hash = exchange.getMessage().getHeader(SyncHeaders.CHUNK_HASH, String.class);
        try {
            Manifest.parseHash(hash);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(client(exchange), "chunk refused: " + e.getMessage());
        }
        server().chunk(client(exchange), hash, bytes(exchange));
        reply(exchange, 200, Map.of("stored", true));
    }

    /** Puts a batch of files in place: {"files": [...]} answered per file by [] (done), the missing indexes, or null. */
    public void commit(Exchange exchange) throws IOException {
        List<SyncServer.FileRef> files = files(exchange);
        Map<Integer, String> refused = new ConcurrentHashMap<>();
        reply(exchange, 200, Map.of("missing", refusedInPlace(server().commit(client(exchange), files, refused), refused)));
    }

    public void delete(Exchange exchange) throws IOException {
        server().tree().delete(client(exchange), texts(exchange, "path").get("path"));
        reply(exchange, 200, Map.of("deleted", true));
    }

    public void move(Exchange exchange) throws IOException {
        Map<String, String> request = texts(exchange, "from", "to");
        boolean moved = server().tree().move(client(exchange), request.get("from"), request.get("to"));
        reply(exchange, moved ? 200 : 404, Map.of("moved", moved));
    }

    /** One folder ({"path"}) or many ({"paths": [...]}). */
    public void mkdir(Exchange exchange) throws IOException {
        SyncRequests.Folders folders = SyncRequests.folders(exchange);
        Map<String, String> refused = new LinkedHashMap<>();
        server().tree().mkdirs(client(exchange), folders.paths(), refused);
        if (!folders.batch() && !refused.isEmpty()) {
            reply(exchange, 400, Map.of("error", refused.values().iterator().next()));
        } else {
            reply(exchange, 200, Map.of("created", true, "refused", refused));
        }
    }

    /**
     * A batch's answers with each file refused on its own answered by the reason instead (a string where a boolean
     * or a list goes), so one name the server cannot hold never refuses the rest of its batch.
     */
    private static List<Object> refusedInPlace(List<?> answers, Map<Integer, String> refused) {
        List<Object> answered = new ArrayList<>(answers);
        refused.forEach(answered::set);
        return answered;
    }

    @Override
    public synchronized void onStart(Route route) {
        routesRunning++;
        stopped = false;
        meters = SyncServerMeters.register(route.getCamelContext(), this, meters);
    }

    /** The policy of every operation's route: the store is released once the last of them stops, not with the first. */
    @Override
    public synchronized void onStop(Route route) {
        routesRunning = Math.max(0, routesRunning - 1);
        if (routesRunning == 0) {
            close();
        }
    }

    /** The running server, or null before the first request or after a stop; read by the metrics. */
    SyncServer serverIfOpen() {
        return server;
    }

    /** Releases pack files and threads (a stopped route holds no file open); a restarted route reopens the store. */
    public synchronized void close() {
        stopped = true;
        SyncServer open = server;
        server = null;
        collector = null;
        if (assemblers != null) {
            camelContext.getExecutorServiceManager().shutdown(assemblers);
            assemblers = null;
        }
        if (audits != null) {
            camelContext.getExecutorServiceManager().shutdown(audits);
            audits = null;
        }
        if (open != null) {
            try {
                open.store().close();
            } catch (IOException e) {
                LOG.warn("Sync server: closing the chunk store {} failed: {}", store, e.getMessage());
            }
        }
    }

    /** Removes chunks and chunk lists no file refers to any more; called by route sync-server-gc. */
    public void collectGarbage() throws IOException {
        if (stopped) {
            return;
        }
        server();
        StoreCollector.Outcome outcome = collector.collect();
        if (outcome.bytesFreed() > 0) {
            LOG.info("Sync server chunk store: {}", outcome);
        }
    }

    public StoreCollector collector() {
        server();
        return collector;
    }

    /** Maps the failure the route caught to a status code and a clear message; refusals are audited. */
    public void failed(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String client = client(exchange);
        if (failure instanceof SyncAuthException) {
            LOG.warn("Sync request from {} refused: {}", client, failure.getMessage());
            server().refused(client, null, "unauthorised: " + failure.getMessage());
            reply(exchange, 401, Map.of("error", "unauthorised: " + failure.getMessage()));
        } else if (failure instanceof ChunkStore.Full full) {
            LOG.error("Sync request from {} not stored: {}", client, full.getMessage());
            reply(exchange, 507, Map.of("error", full.getMessage()));
        } else if (failure instanceof BadInputException bad) {
            LOG.warn("Sync request from {} refused: {}", client, bad.getMessage());
            server().refused(client, bad.source(), bad.reason());
            if (bad instanceof ChunkStore.Mismatch mismatch) {
                // Not a 400: the client reads the file again rather than giving the file up.
                reply(exchange, 409, Map.of("error", mismatch.getMessage(), "chunk", mismatch.hash()));
            } else {
                reply(exchange, 400, Map.of("error", bad.getMessage()));
            }
        } else {
            LOG.error("Sync request from {} failed: {}", client, String.valueOf(failure));
            reply(exchange, 500, Map.of("error", String.valueOf(failure)));
        }
    }

    /** A request without the right token. */
    public static final class SyncAuthException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public SyncAuthException(String message) {
            super(message);
        }
    }
}
