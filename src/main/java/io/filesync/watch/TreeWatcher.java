package io.filesync.watch;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.time.Duration;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.filesync.core.retry.Backoff;

import org.apache.camel.Suspendable;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one target, a file or a folder (recursively by default), and reports every change as one typed
 * {@link ChangeEvent}: moves paired into one event, directory renames as one event, nothing lost on a kernel queue
 * overflow (a rescan is diffed against the in-memory snapshot), nothing lost while stopped (the persisted snapshot is
 * diffed on start), one event per settled change.
 * <p>
 * Why it is built this way, rather than on top of the JDK WatchService's events alone:
 * <ul>
 * <li>Everything runs on one thread: events, timers (settle time, move window, rescan) and scans all change one
 * in-memory model, so there is no locking and no ordering question.</li>
 * <li>The JDK reports a rename as a delete and a create, and keeps resolving a renamed directory's events against its
 * old path. Paths are therefore tracked per watch key by this class, and a delete waits the move window for a create
 * of the same device and inode; a directory only pairs while its own watch is still valid (a deleted directory's
 * watch is invalidated before its inode can be reused, a moved one's is not).</li>
 * <li>The target may be missing, deleted, renamed away or replaced by the other kind: the nearest existing ancestor
 * is watched for it, and its identity is re-checked every {@link WatchOptions#verifyInterval()} as a safety net
 * ({@link TargetTracker}).</li>
 * <li>An event the listener does not take (it throws) is undone in the model and reported again by a rescan after
 * {@link WatchOptions#redeliveryDelay()}, doubled while failures go on; the persisted snapshot holds the undone
 * state too, so a restart reports it as well. Delivery is at least once.</li>
 * </ul>
 * The parts: {@link ChangeDetector} (live events), {@link TreeScan} (full walks), {@link TreeModel} (what was
 * reported and what waits), {@link TargetTracker} (the target itself).
 * Threads: one loop thread from the executor given (Camel's ExecutorServiceManager inside Camel), plus the JDK's own
 * inotify reader thread.
 */
public final class TreeWatcher extends ServiceSupport implements Suspendable {

    private static final Logger LOG = LoggerFactory.getLogger(TreeWatcher.class);

    /** The longest wait before an undelivered event is reported again. */
    public static final Duration MAX_REDELIVERY_DELAY = Duration.ofMinutes(5);
    private static final long STOP_TIMEOUT_MS = 10_000;
    private static final long READY_TIMEOUT_MS = 120_000;

    private final WatchOptions options;
    private final SnapshotStore store;
    private final SnapshotBuffer snapshot;
    private final TreeModel model;
    private final ChangeDetector detector;
    private final TargetTracker tracker;
    private final ExecutorService executor;
    private final boolean ownExecutor;
    private final Path target;

    // Everything below is touched by the loop thread only (and by start/stop while the loop is not running).
    private boolean loaded;
    private WatchService watchService;
    private long rescanDue = Long.MAX_VALUE;
    private long verifyDue;
    private int redeliveries;

    private volatile boolean running;
    private volatile long rescans;
    private volatile CountDownLatch loopEnded = new CountDownLatch(0);

    /**
     * @param options  what to watch and how
     * @param store    where the snapshot lives between runs; {@link SnapshotStore#none()} for none
     * @param listener receives the events, on the watcher's thread; throwing means the event was not taken
     * @param executor runs the loop (one thread is used); null to create and own a daemon thread
     */
    public TreeWatcher(WatchOptions options, SnapshotStore store, ChangeListener listener, ExecutorService executor) {
        this.options = Objects.requireNonNull(options, "options");
        this.store = Objects.requireNonNull(store, "store");
        Objects.requireNonNull(listener, "listener");
        this.snapshot = new SnapshotBuffer(store);
        this.model = new TreeModel(options, new KnownTree(snapshot), listener);
        TreeScan scan = new TreeScan(model);
        this.detector = new ChangeDetector(model, this::targetFileSettled);
        this.tracker = new TargetTracker(model, scan, detector, snapshot, listener, this::scheduleRescan);
        this.target = options.target();
        this.ownExecutor = executor == null;
        this.executor = executor != null ? executor : Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "filesync-watch " + options.target().getFileName());
            thread.setDaemon(true);
            return thread;
        });
    }

    public WatchOptions options() {
        return options;
    }

    /** How many full rescans an overflow, an error or an undelivered event caused since construction; for monitoring and tests. */
    public long rescanCount() {
        return rescans;
    }

    @Override
    protected void doStart() throws Exception {
        if (!loaded) {
            tracker.load(store.load());
            loaded = true;
        }
        startLoop();
    }

    @Override
    protected void doStop() throws Exception {
        stopLoop();
        if (ownExecutor) {
            executor.shutdownNow();
        }
    }

    /** Stops watching but keeps the model: on resume, a rescan reports what changed meanwhile. */
    @Override
    protected void doSuspend() throws Exception {
        stopLoop();
    }

    @Override
    protected void doResume() throws Exception {
        startLoop();
    }

    /**
     * Starts the loop and returns once the first scan is done and the watches are in place, so every change made after
     * start (or resume) returns is reported.
     */
    private void startLoop() throws IOException, InterruptedException {
        watchService = target.getFileSystem().newWatchService();
        model.attach(watchService);
        tracker.attach(watchService);
        running = true;
        CountDownLatch ended = new CountDownLatch(1);
        CountDownLatch ready = new CountDownLatch(1);
        loopEnded = ended;
        executor.execute(() -> {
            try {
                loop(ready);
            } finally {
                ready.countDown();
                ended.countDown();
            }
        });
        if (!ready.await(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            LOG.warn("The first scan of {} takes longer than {} ms; starting anyway, changes during it are found by it",
                    target, READY_TIMEOUT_MS);
        }
    }

    private void stopLoop() throws InterruptedException {
        running = false;
        WatchService service = watchService;
        if (service != null) {
            try {
                service.close();
            } catch (IOException e) {
                LOG.warn("Closing the watch service of {} failed: {}", target, e.getMessage());
            }
        }
        if (!loopEnded.await(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            LOG.warn("The watch loop of {} did not end within {} ms", target, STOP_TIMEOUT_MS);
        }
        // Keys die with the service; unsettled changes are found again by the rescan on the next start.
        model.detach();
        tracker.detach();
        snapshot.flush();
    }

    // ---------------------------------------------------------------------------------------------------- the loop

    private void loop(CountDownLatch ready) {
        try {
            tracker.establish();
        } catch (RuntimeException e) {
            LOG.error("Watching {} could not start cleanly, retrying by rescan: {}", target, e.getMessage(), e);
            rescanDue = Watches.now() + options.verifyInterval().toMillis();
        }
        ready.countDown();
        verifyDue = Watches.now() + options.verifyInterval().toMillis();
        while (running) {
            try {
                long wait = Math.min(Math.min(detector.nextDue(), rescanDue), Math.min(verifyDue, snapshot.dueAt()))
                        - Watches.now();
                WatchKey key = wait <= 0 ? watchService.poll() : watchService.poll(Math.min(wait, 1000), TimeUnit.MILLISECONDS);
                while (key != null && running) {
                    handle(key);
                    key = watchService.poll();
                }
                long now = Watches.now();
                if (now >= rescanDue) {
                    rescanDue = Long.MAX_VALUE;
                    rescans++;
                    tracker.establish();
                }
                detector.fireDue(now);
                if (now >= verifyDue) {
                    verifyDue = now + options.verifyInterval().toMillis();
                    tracker.verify();
                }
                scheduleRedelivery(now);
                snapshot.flushIfDue(now);
            } catch (ClosedWatchServiceException | InterruptedException e) {
                if (running) {
                    LOG.error("The watch service of {} closed unexpectedly", target);
                }
                running = false;
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // A bug or an unexpected file system answer must not end watching: the rescan repairs the model.
                LOG.error("Watching {} hit an unexpected error, rescanning: {}", target, e.getMessage(), e);
                rescanDue = Watches.now() + options.verifyInterval().toMillis();
            }
        }
    }

    private void handle(WatchKey key) {
        List<WatchEvent<?>> events = key.pollEvents();
        if (tracker.isAnchor(key)) {
            tracker.anchorEvents(key, events);
            return;
        }
        Path dir = model.dirOf(key);
        if (dir == null) {
            key.cancel();
            return;
        }
        for (WatchEvent<?> event : events) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                scheduleRescan();
                continue;
            }
            Path child = dir.resolve((Path) event.context());
            if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
                detector.appeared(child);
            } else if (event.kind() == StandardWatchEventKinds.ENTRY_MODIFY) {
                detector.modified(child);
            } else if (event.kind() == StandardWatchEventKinds.ENTRY_DELETE) {
                detector.vanished(child);
            }
        }
        if (!key.reset()) {
            model.invalidated(key);
            if (dir.equals(TreeModel.ROOT)) {
                tracker.checkTarget();
            }
        }
    }

    private void targetFileSettled(FileState state) {
        tracker.targetFileSettled(state);
    }

    private void scheduleRescan() {
        if (rescanDue == Long.MAX_VALUE) {
            LOG.info("Kernel event queue overflowed for {}: rescanning", target);
            rescanDue = Watches.now() + options.rescanDelay().toMillis();
        }
    }

    /**
     * Events were undone because the listener did not take them: a rescan reports them again, later each time while
     * failures go on in a row, so a downstream that is down is not hammered.
     */
    private void scheduleRedelivery(long now) {
        if (!model.takeUndelivered()) {
            if (model.lastDelivered()) {
                redeliveries = 0;
            }
            return;
        }
        long base = options.redeliveryDelay().toMillis();
        long delay = Backoff.clamped(base, MAX_REDELIVERY_DELAY.toMillis()).delayMillis(redeliveries);
        redeliveries++;
        rescanDue = Math.min(rescanDue, now + delay);
        LOG.info("{}: reporting undelivered changes again in {} ms", target, delay);
    }
}
