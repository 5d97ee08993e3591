package io.filesync.sync;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

import javax.sql.DataSource;

import io.filesync.core.DryRunRecords;
import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.BadInputException;
import io.filesync.core.error.ErrorRecord;
import io.filesync.core.error.ErrorRecorder;
import io.filesync.core.observe.Progress;
import io.filesync.core.retry.Backoff;
import io.filesync.watch.ChangeEvent;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of folder sync: keeps a server's folder identical to a local one. The routes hand each kind of
 * watch event to its own method ({@link #queueSend}, {@link #queueDelete}, {@link #queueMove}), which only queues
 * the paths it touches ({@link SyncQueue}); {@link #drain()} brings each queued path in line with the folder as it
 * is now, so bursts collapse and the last change wins.
 * <p>
 * What the server holds is remembered per path (in the shared file-state table), so an unchanged file is neither
 * re-hashed nor re-sent, across restarts too; {@link TreeReconciler} brings a path or the whole folder in line and
 * {@link FileSender} sends file content in batches (whole-file dedup first, then only the chunks the server lacks).
 * Moves are sent as moves. At start, and before anything queued, the remembered state is aligned with the server's
 * own listing and the whole folder is reconciled, which also covers changes made while either side was down.
 * <p>
 * While the server is unreachable, queued paths wait with exponential backoff; nothing is dropped except requests
 * the server refuses as bad input, which are recorded in the error table.
 * <p>
 * Its settings are named properties; the queue and the remembered state are opened on first use.
 */
public final class SyncClient implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(SyncClient.class);
    /** Default largest chunk upload request: a quarter of the server's default request limit. */
    public static final int DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;
    /** Queue entries read per query. */
    private static final int BATCH = 500;
    /** Files per group sent together, and their bytes: bounds the chunk lists held in memory at once. */
    private static final int GROUP_FILES = 500;
    private static final long GROUP_BYTES = 16L * 1024 * 1024;

    private Path root = Path.of("data/sync-client").toAbsolutePath().normalize();
    private SyncTransport transport;
    private String key;
    private String dataSourceName = "filesyncDataSource";
    private String errorsName = "filesyncErrors";
    private CamelContext camelContext;
    private volatile SyncQueue queue;
    private ErrorRecorder errors;
    private int batchBytes = DEFAULT_BATCH_BYTES;
    private volatile FileSender sender;
    private TreeReconciler reconciler;
    private UnsyncedPaths unsynced;
    private long initialDelayMs = 1000;
    private long maxDelayMs = 60_000;
    private volatile boolean dryRun;
    private volatile boolean initialSyncDone;
    private long initialSyncRetryAt;
    private int initialSyncFailures;
    private volatile String lastProblem;
    private final LongAdder failures = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private SyncClientObserver observer;

    /** The folder kept identical on the server. */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    /** The connection to the server. */
    public void setTransport(SyncTransport transport) {
        this.transport = transport;
    }

    /**
     * Registry name of the DataSource for the queue and the remembered state, looked up on first use (a name, not a
     * reference, so bean files may load in any order).
     */
    public void setDataSource(String dataSource) {
        this.dataSourceName = dataSource;
    }

    /** Registry name of the ErrorRecorder for requests the server refused. */
    public void setErrors(String errors) {
        this.errorsName = errors;
    }

    /** First retry delay while the server is unreachable, doubled per attempt. */
    public void setRetryInitialDelayMs(long initialDelayMs) {
        this.initialDelayMs = initialDelayMs;
    }

    /** Longest retry delay. */
    public void setRetryMaxDelayMs(long maxDelayMs) {
        this.maxDelayMs = maxDelayMs;
    }

    /** Largest chunk upload request; below the server's sync.server.max-request-bytes. */
    public void setBatchBytes(int batchBytes) {
        this.batchBytes = batchBytes;
    }

    /** For use without Camel: the database and the error recorder given directly. */
    public static SyncClient of(String root, SyncTransport transport, DataSource dataSource, ErrorRecorder errors,
                                long initialDelayMs, long maxDelayMs) {
        SyncClient client = new SyncClient();
        client.setRoot(root);
        client.setTransport(transport);
        client.setRetryInitialDelayMs(initialDelayMs);
        client.setRetryMaxDelayMs(maxDelayMs);
        client.connect(dataSource, errors);
        return client;
    }

    /** The key of the client's saved view of the server, for this kind of content identity. */
    static String stateKey(String key) {
        return Manifest.IDENTITY_KIND + "|" + key;
    }

    /**
     * With dry run on, the client deletes nothing on its server (see {@link ServerDeletions}): each deletion is logged
     * and recorded in {@link DryRunRecords#TABLE} instead. Read when the client first uses its database, so set it
     * before the client starts.
     */
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    public boolean isDryRun() {
        return dryRun;
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
     * What the client knows the server holds (file versions, chunk lists) is keyed by the kind of content identity
     * too ({@link #stateKey}): state an older version wrote under another kind of hash is not found, so every file is
     * hashed again and checked against the server's listing once, instead of being trusted under a hash that names
     * nothing. The durable queue keeps its key: paths waiting to be sent are valid whatever the hash.
     */
    private synchronized void connect(DataSource dataSource, ErrorRecorder recorder) {
        if (transport == null) {
            throw new IllegalStateException("The sync client has no transport to its server");
        }
        this.key = "sync-client:" + root + "->" + transport.base();
        ManifestCache cache = new ManifestCache(dataSource, stateKey(key));
        this.sender = new FileSender(transport, new Chunker(), cache, batchBytes);
        Progress progress = camelContext == null ? Progress.silent() : Progress.of(camelContext);
        sender.sayThrough(progress);
        FileVersionRepository state = new FileVersionRepository(dataSource, stateKey(key));
        this.unsynced = new UnsyncedPaths(root, state, this::refused);
        ServerDeletions deletions = new ServerDeletions(root, transport, state, cache,
                dryRun ? new DryRunRecords(dataSource) : null);
        this.reconciler = new TreeReconciler(root, transport, state, sender, deletions, GROUP_FILES, GROUP_BYTES,
                singleThread("SyncClientCommit"), singleThread("SyncClientRead"), unsynced,
                progress);
        this.errors = recorder;
        this.queue = new SyncQueue(dataSource, key);
    }

    /** Camel's pool when there is a CamelContext (it shuts it down), else one daemon thread. */
    private ExecutorService singleThread(String name) {
        if (camelContext != null) {
            return camelContext.getExecutorServiceManager().newSingleThreadExecutor(this, name);
        }
        return Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
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
                    observer = new SyncClientObserver(camelContext, this);
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
        ready();
        return sender.filesHashed();
    }

    /** Files the server committed since start, for the metrics. */
    long filesSent() {
        FileSender current = sender;
        return current == null ? 0 : current.filesSent();
    }

    /** Syncs that failed (server unreachable, or a path refused), for the metrics. */
    long failures() {
        return failures.sum();
    }

    /** Queued paths put back to try again later, for the metrics. */
    long retries() {
        return retries.sum();
    }

    /** The last reason the server could not be reached or refused this client, or null once it works again. */
    public String lastProblem() {
        return lastProblem;
    }

    /**
     * Queues the path of a file or folder created or changed. A path whose name Java cannot spell (see
     * {@link #spelledExactly}) is never queued: it is reported once instead.
     */
    public void queueSend(ChangeEvent event) {
        queuePath(event);
    }

    /**
     * Queues the path of a file or folder gone; the drain finds it gone and deletes it on the server. A deleted name
     * that could not be spelled was never synced: nothing to delete either.
     */
    public void queueDelete(ChangeEvent event) {
        queuePath(event);
    }

    /** The drain compares the queued path with the folder as it is now, so a send and a delete queue alike. */
    private void queuePath(ChangeEvent event) {
        SyncQueue queue = ready();
        if (spelledExactly(event)) {
            queue.add(event.path(), null);
        }
    }

    /**
     * Queues both paths of a move, so the server moves what it holds instead of receiving it again. Renamed to a name
     * that cannot be spelled, the old name alone is queued, and deleted there.
     */
    public void queueMove(ChangeEvent event) {
        SyncQueue queue = ready();
        boolean to = spelledExactly(event);
        if (to && event.previousPath() != null) {
            queue.add(event.path(), event.previousPath());
        } else if (to) {
            queue.add(event.path(), null);
        } else if (event.previousPath() != null) {
            queue.add(event.previousPath(), null);
        }
    }

    /**
     * Whether the event's path names its file exactly. Its String holds U+FFFD for bytes that are not valid UTF-8,
     * which would name another file (or none); its URI keeps the bytes. A name that does not survive is reported here
     * (once per version, remembered across restarts) unless it is gone, and is not synced.
     */
    private boolean spelledExactly(ChangeEvent event) {
        if (event.uri() == null || event.path().isEmpty()) {
            return true;
        }
        Path exact = Path.of(URI.create(event.uri()));
        Path named = Path.of(event.path());
        int names = named.getNameCount();
        if (names == 0 || names > exact.getNameCount()) {
            return true;
        }
        // Compared name by name under the root, whichever spelling of the root the watcher used.
        Path relative = exact.subpath(exact.getNameCount() - names, exact.getNameCount());
        if (relative.equals(named)) {
            return true;
        }
        try {
            Path file = root.resolve(relative);
            unsynced.unspellable(file, Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException gone) {
            LOG.debug("Sync: {} is gone, nothing to report", exact.toUri());
        }
        return false;
    }

    /** A path the server refused, or that cannot be synced: one error record, the rest of its group goes on. */
    private void refused(String path, String reason) {
        if (errors == null) {
            LOG.error("Sync of {} refused: {}", SyncPaths.printable(path), reason);
        } else {
            errors.record(new ErrorRecord(Instant.now(), "sync-client", path, null, null, path, reason,
                    BadInputException.class.getName(), false));
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
                reconciler.initialSync();
                initialSyncDone = true;
                initialSyncFailures = 0;
            } catch (SyncTransport.Unavailable e) {
                initialSyncRetryAt = now + backoff(++initialSyncFailures);
                unavailable("initial sync", e, initialSyncRetryAt);
                return;
            } catch (BadInputException e) {
                // A whole request refused: retried with backoff, recorded once, never a re-send four times a second.
                initialSyncRetryAt = now + backoff(++initialSyncFailures);
                if (!String.valueOf(e.getMessage()).equals(lastProblem)) {
                    refused(String.valueOf(e.source()), "initial sync refused by the server, retrying with backoff: " + e.reason());
                }
                lastProblem = e.getMessage();
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
                        reconciler.move(entry.from(), entry.path());
                    }
                    reconciler.reconcile(entry.path());
                    queue.done(entry);
                    lastProblem = null;
                } catch (BadInputException e) {
                    failures.increment();
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
                    retries.increment();
                    unavailable(entry.path(), e, retryAt);
                    return;
                }
            }
        }
    }

    private long backoff(int attempts) {
        return Backoff.clamped(initialDelayMs, maxDelayMs).delayMillis(attempts - 1);
    }

    private void unavailable(String what, IOException e, long retryAt) {
        failures.increment();
        if (!e.getMessage().equals(lastProblem)) {
            LOG.warn("Sync of {} postponed: {} (retrying with backoff)", what, e.getMessage());
        }
        lastProblem = e.getMessage();
    }
}
