package io.filesync.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.BadInputException;
import io.filesync.core.error.ErrorRecord;
import io.filesync.core.error.ErrorRecorder;
import io.filesync.watch.ChangeEvent;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of folder sync: keeps a server's folder identical to a local one. Watch events only queue the
 * paths they touch ({@link SyncQueue}); {@link #drain()} brings each queued path in line with the folder as it is
 * now, so bursts collapse and the last change wins.
 * <p>
 * What the server holds is remembered per path in the shared file-state table ({@code size|mtime|hash} for a file,
 * {@code d} for a folder), so an unchanged file is neither re-hashed nor re-sent, across restarts too. A changed
 * file is offered by content hash first (whole-file dedup: the server copies what it already has), then by chunk
 * list, and only the chunks the server lacks are sent. Moves are sent as moves. At start, and before anything
 * queued, the remembered state is aligned with the server's own listing and the whole folder is reconciled, which
 * also covers changes made while either side was down.
 * <p>
 * While the server is unreachable, queued paths wait with exponential backoff; nothing is dropped except requests
 * the server refuses as bad input, which are recorded in the error table.
 */
public final class SyncClient implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(SyncClient.class);
    private static final String DIRECTORY = "d";
    private static final int BATCH = 500;

    private final Path root;
    private final SyncTransport transport;
    private final String key;
    private final String dataSourceName;
    private final String errorsName;
    private CamelContext camelContext;
    private volatile SyncQueue queue;
    private FileVersionRepository state;
    private ErrorRecorder errors;
    private final FileSender sender;
    private final long initialDelayMs;
    private final long maxDelayMs;
    private volatile boolean initialSyncDone;
    private long initialSyncRetryAt;
    private int initialSyncFailures;
    private volatile String lastProblem;

    /**
     * @param root           the folder to mirror
     * @param dataSource     registry name of the DataSource for the queue and the remembered state, looked up on
     *                       first use (a name, not a reference, so bean files may load in any order)
     * @param errors         registry name of the ErrorRecorder for requests the server refused
     * @param initialDelayMs first retry delay while the server is unreachable, doubled per attempt
     * @param maxDelayMs     longest retry delay
     */
    public SyncClient(String root, SyncTransport transport, String dataSource, String errors,
                      long initialDelayMs, long maxDelayMs) {
        this.root = Path.of(root).toAbsolutePath().normalize();
        this.transport = transport;
        this.sender = new FileSender(transport, new Chunker());
        this.key = "sync-client:" + this.root + "->" + transport.base();
        this.dataSourceName = dataSource;
        this.errorsName = errors;
        this.initialDelayMs = initialDelayMs;
        this.maxDelayMs = maxDelayMs;
    }

    /** For use without Camel: the database and the error recorder given directly. */
    public static SyncClient of(String root, SyncTransport transport, DataSource dataSource, ErrorRecorder errors,
                                long initialDelayMs, long maxDelayMs) {
        SyncClient client = new SyncClient(root, transport, null, null, initialDelayMs, maxDelayMs);
        client.connect(dataSource, errors);
        return client;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    private synchronized void connect(DataSource dataSource, ErrorRecorder recorder) {
        this.state = new FileVersionRepository(dataSource, key);
        this.errors = recorder;
        this.queue = new SyncQueue(dataSource, key);
    }

    /** Looks the database up on first use. */
    private SyncQueue ready() {
        SyncQueue ready = queue;
        if (ready == null) {
            synchronized (this) {
                if (queue == null) {
                    DataSource dataSource = camelContext.getRegistry().lookupByNameAndType(dataSourceName, DataSource.class);
                    if (dataSource == null) {
                        throw new IllegalStateException("No DataSource named " + dataSourceName + " in the registry");
                    }
                    connect(dataSource, camelContext.getRegistry().lookupByNameAndType(errorsName, ErrorRecorder.class));
                }
                ready = queue;
            }
        }
        return ready;
    }

    public SyncTransport transport() {
        return transport;
    }

    public SyncQueue queue() {
        return ready();
    }

    public boolean initialSyncDone() {
        return initialSyncDone;
    }

    /** Files read and hashed since start; unchanged files are recognised by size and mtime and never counted. */
    public long filesHashed() {
        return sender.filesHashed();
    }

    /** The last reason the server could not be reached or refused this client, or null once it works again. */
    public String lastProblem() {
        return lastProblem;
    }

    /** Queues the path a change event touched (both paths of a move). */
    public void enqueue(ChangeEvent event) {
        SyncQueue queue = ready();
        switch (event.type()) {
            case TARGET_CREATED, TARGET_DELETED -> LOG.debug("Sync client ignores {}", event);
            case FILE_MOVED, DIRECTORY_MOVED -> queue.add(event.path(), event.previousPath());
            default -> queue.add(event.path(), null);
        }
    }

    /** Syncs everything due: the initial sync first, then queued paths in order; stops at the first outage. */
    public synchronized void drain() {
        ready();
        long now = System.currentTimeMillis();
        if (!initialSyncDone) {
            if (now < initialSyncRetryAt) {
                return;
            }
            try {
                initialSync();
                initialSyncDone = true;
                initialSyncFailures = 0;
            } catch (SyncTransport.Unavailable e) {
                initialSyncRetryAt = now + backoff(++initialSyncFailures);
                unavailable("initial sync", e, initialSyncRetryAt);
                return;
            } catch (IOException e) {
                initialSyncRetryAt = now + backoff(++initialSyncFailures);
                unavailable("initial sync", e, initialSyncRetryAt);
                return;
            }
        }
        List<SyncQueue.Entry> due;
        while (!(due = queue.due(System.currentTimeMillis(), BATCH)).isEmpty()) {
            for (SyncQueue.Entry entry : due) {
                try {
                    if (entry.from() != null) {
                        move(entry.from(), entry.path());
                    }
                    reconcile(entry.path());
                    queue.done(entry);
                    lastProblem = null;
                } catch (BadInputException e) {
                    if (errors == null) {
                        LOG.error("Sync of {} refused by the server, dropped: {}", entry.path(), e.getMessage());
                    } else {
                        errors.record(new ErrorRecord(Instant.now(), "sync-client", entry.path(), null, null, entry.path(),
                                e.reason(), e.getClass().getName(), false));
                    }
                    queue.done(entry);
                } catch (IOException e) {
                    long retryAt = System.currentTimeMillis() + backoff(entry.attempts() + 1);
                    queue.retryAt(entry, retryAt);
                    unavailable(entry.path(), e, retryAt);
                    return;
                }
            }
        }
    }

    /**
     * Aligns what this client believes the server holds with the server's listing (a path is kept only where the
     * server reports the same content hash), then reconciles the whole folder against it.
     */
    void initialSync() throws IOException {
        if (!Files.isDirectory(root)) {
            // An unmounted disk or a wrong path looks like an empty folder: never mirror that as a mass deletion.
            throw new SyncTransport.Unavailable("the folder " + root + " does not exist; nothing is synced until it does", null);
        }
        Map<String, String> believed = state.snapshot();
        Map<String, String> aligned = new LinkedHashMap<>();
        for (SyncServer.Entry entry : transport.list()) {
            String mine = believed.get(entry.path());
            if (entry.directory()) {
                aligned.put(entry.path(), DIRECTORY);
            } else if (entry.hash() != null && mine != null && mine.endsWith("|" + entry.hash())) {
                aligned.put(entry.path(), mine);
            } else {
                // Held by the server, content unknown or different: "unknown" makes reconcile send it or delete it.
                aligned.put(entry.path(), "?|?|?");
            }
        }
        state.writeBatch(aligned, believed.keySet());
        int[] counts = reconcileTree("");
        LOG.info("Initial sync with {}: {} unchanged (skipped), {} sent or updated, {} removed from the server",
                transport.base(), counts[0], counts[1], counts[2]);
    }

    /** Brings one path (and, for a folder, everything under it) in line with the local folder. */
    void reconcile(String path) throws IOException {
        reconcileTree(path);
    }

    /** @return counts of unchanged paths, paths sent, paths deleted on the server */
    private int[] reconcileTree(String path) throws IOException {
        int[] counts = new int[3];
        Path local = path.isEmpty() ? root : root.resolve(path);
        Map<String, String> known = new HashMap<>(path.isEmpty() ? state.snapshot() : state.snapshot(path));
        known.keySet().removeIf(p -> !path.isEmpty() && !p.equals(path) && !p.startsWith(path + "/"));
        Map<String, BasicFileAttributes> present = new TreeMap<>();
        BasicFileAttributes top = attributes(local);
        if (top != null && top.isDirectory()) {
            try (Stream<Path> walk = Files.walk(local)) {
                for (Path each : (Iterable<Path>) walk::iterator) {
                    BasicFileAttributes attributes = attributes(each);
                    if (attributes != null && !each.equals(root)) {
                        present.put(root.relativize(each).toString().replace('\\', '/'), attributes);
                    }
                }
            }
        } else if (top != null && !path.isEmpty()) {
            present.put(path, top);
        }
        // Deletions first, so a name is free for what replaces it; a folder goes before (and with) its content.
        List<String> gone = known.keySet().stream().filter(p -> !present.containsKey(p)).sorted().toList();
        for (String p : gone) {
            if (state.snapshot(p).containsKey(p)) {
                transport.delete(p);
                state.writeBatch(Map.of(), state.snapshot(p + "/").keySet());
                state.forget(p);
                LOG.info("Sync: deleted {} on the server", p);
                counts[2]++;
            }
        }
        for (Map.Entry<String, BasicFileAttributes> entry : present.entrySet()) {
            String p = entry.getKey();
            BasicFileAttributes attributes = entry.getValue();
            String mine = known.get(p);
            if (attributes.isDirectory()) {
                if (!DIRECTORY.equals(mine)) {
                    if (mine != null) {
                        transport.delete(p);
                    }
                    transport.mkdir(p);
                    state.put(p, DIRECTORY);
                    counts[1]++;
                } else {
                    counts[0]++;
                }
            } else if (attributes.isRegularFile()) {
                try {
                    counts[send(p, attributes, mine) ? 1 : 0]++;
                } catch (java.nio.file.NoSuchFileException e) {
                    // Gone since the walk (an editor's temporary file): its deletion is queued and handled then.
                    LOG.debug("Sync: {} vanished before it could be sent, skipped", p);
                }
            } else {
                LOG.debug("Sync: {} is neither a file nor a folder (a link?), skipped", p);
            }
        }
        return counts;
    }

    /** @return false when the server already had this version (skipped) */
    private boolean send(String path, BasicFileAttributes attributes, String mine) throws IOException {
        String version = attributes.size() + "|" + attributes.lastModifiedTime().toMillis() + "|";
        if (mine != null && mine.startsWith(version)) {
            LOG.debug("Sync: {} unchanged, skipped", path);
            return false;
        }
        Path file = root.resolve(path);
        if (DIRECTORY.equals(mine)) {
            transport.delete(path);
            state.writeBatch(Map.of(), state.snapshot(path + "/").keySet());
            state.forget(path);
        }
        FileSender.Outcome outcome = sender.send(path, file, mine);
        state.put(path, version + outcome.hash());
        return outcome.sent();
    }

    /** Sends a move as a move when the server holds the source; otherwise the destination is simply sent. */
    private void move(String from, String to) throws IOException {
        Map<String, String> moved = state.snapshot(from);
        moved.keySet().removeIf(p -> !p.equals(from) && !p.startsWith(from + "/"));
        if (moved.isEmpty() || from.equals(to)) {
            return;
        }
        if (transport.move(from, to)) {
            Map<String, String> renamed = new LinkedHashMap<>();
            moved.forEach((p, version) -> renamed.put(to + p.substring(from.length()), version));
            state.writeBatch(renamed, moved.keySet());
            LOG.info("Sync: moved {} to {} on the server, 0 content bytes sent", from, to);
        } else {
            state.writeBatch(Map.of(), moved.keySet());
        }
    }

    private long backoff(int attempts) {
        return Math.min(maxDelayMs, initialDelayMs << Math.min(20, Math.max(0, attempts - 1)));
    }

    private void unavailable(String what, IOException e, long retryAt) {
        if (!e.getMessage().equals(lastProblem)) {
            LOG.warn("Sync of {} postponed: {} (retrying with backoff)", what, e.getMessage());
        }
        lastProblem = e.getMessage();
    }

    private static BasicFileAttributes attributes(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }
}
