package io.filesync.watch;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

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
 * is watched for it, and its identity is re-checked every {@link WatchOptions#verifyInterval()} as a safety net.</li>
 * </ul>
 * Threads: one loop thread from the executor given (Camel's ExecutorServiceManager inside Camel), plus the JDK's own
 * inotify reader thread.
 */
public final class TreeWatcher extends ServiceSupport implements Suspendable {

    private static final Logger LOG = LoggerFactory.getLogger(TreeWatcher.class);

    /** Snapshot key of the target itself; no relative path of a real entry is ever ".". */
    static final String TARGET_KEY = ".";
    private static final String MISSING = "missing";
    private static final Path ROOT = ChangeDetector.ROOT;
    private static final long STOP_TIMEOUT_MS = 10_000;
    private static final long READY_TIMEOUT_MS = 120_000;
    private static final int MAX_ESTABLISH_RETRIES = 100;

    private enum Kind { MISSING, FILE, DIRECTORY }

    private final WatchOptions options;
    private final ChangeListener listener;
    private final SnapshotStore store;
    private final SnapshotBuffer snapshot;
    private final KnownTree known;
    private final ChangeDetector detector;
    private final ExecutorService executor;
    private final boolean ownExecutor;
    private final Path target;

    // Everything below is touched by the loop thread only (and by start/stop while the loop is not running).
    private Kind targetKind = Kind.MISSING;
    private String targetIdentity;
    private boolean firstRun;
    private boolean loaded;
    private WatchService watchService;
    private WatchKey anchorKey;
    private Path anchorDir;
    private String anchorIdentity;
    private Path anchorProblem;
    private long rescanDue = Long.MAX_VALUE;
    private int establishRetries;
    private long verifyDue;

    private volatile boolean running;
    private volatile long rescans;
    private volatile CountDownLatch loopEnded = new CountDownLatch(0);

    /**
     * @param options  what to watch and how
     * @param store    where the snapshot lives between runs; {@link SnapshotStore#none()} for none
     * @param listener receives the events, on the watcher's thread
     * @param executor runs the loop (one thread is used); null to create and own a daemon thread
     */
    public TreeWatcher(WatchOptions options, SnapshotStore store, ChangeListener listener, ExecutorService executor) {
        this.options = Objects.requireNonNull(options, "options");
        this.store = Objects.requireNonNull(store, "store");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.snapshot = new SnapshotBuffer(store);
        this.known = new KnownTree(snapshot);
        this.detector = new ChangeDetector(options, known, listener, this::targetFileSettled);
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

    /** How many full rescans an overflow or an error caused since construction; for monitoring and tests. */
    public long rescanCount() {
        return rescans;
    }

    @Override
    protected void doStart() throws Exception {
        if (!loaded) {
            loadSnapshot();
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
        detector.attach(watchService);
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
        detector.detach();
        anchorKey = null;
        anchorDir = null;
        snapshot.flush();
    }

    private void loadSnapshot() {
        Map<String, String> stored = store.load();
        String marker = stored.get(TARGET_KEY);
        firstRun = marker == null;
        if (marker == null || MISSING.equals(marker)) {
            targetKind = Kind.MISSING;
            return;
        }
        FileState targetState = FileState.decode(marker);
        if (targetState == null) {
            firstRun = true;
            return;
        }
        setTarget(targetState.directory() ? Kind.DIRECTORY : Kind.FILE, targetState.identity());
        stored.forEach((key, version) -> {
            FileState state = FileState.decode(version);
            if (!TARGET_KEY.equals(key) && state != null) {
                known.remember(SnapshotPaths.decode(key), state, false);
            }
        });
    }

    private void setTarget(Kind kind, String identity) {
        targetKind = kind;
        targetIdentity = identity;
        if (kind == Kind.FILE) {
            detector.useRoot(target.getParent(), target.getFileName());
        } else {
            detector.useRoot(target, null);
        }
    }

    /** A single-file target may change inode and stay the target (an editor's atomic save). */
    private void targetFileSettled(FileState state) {
        targetIdentity = state.identity();
        snapshot.put(TARGET_KEY, state.encode());
    }

    // ---------------------------------------------------------------------------------------------------- the loop

    private void loop(CountDownLatch ready) {
        try {
            establish();
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
                    establish();
                }
                detector.fireDue(now);
                if (now >= verifyDue) {
                    verifyDue = now + options.verifyInterval().toMillis();
                    verify();
                }
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
        if (key == anchorKey) {
            handleAnchor(events);
            if (!key.reset()) {
                anchorKey = null;
                establish();
            }
            return;
        }
        Path dir = detector.dirOf(key);
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
            detector.invalidated(key);
            if (dir.equals(ROOT)) {
                checkTarget();
            }
        }
    }

    /** Events of the folder watched for the target: the target's folder, or its nearest existing ancestor. */
    private void handleAnchor(List<WatchEvent<?>> events) {
        for (WatchEvent<?> event : events) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                scheduleRescan();
                continue;
            }
            Path entry = anchorDir.resolve((Path) event.context());
            if (!target.startsWith(entry)) {
                continue;
            }
            if (targetKind == Kind.MISSING) {
                // A folder on the way to the target appeared: watch from deeper down, or the target itself.
                establish();
            } else if (targetKind == Kind.FILE && entry.equals(target)) {
                FileState now = FileState.following(target);
                if (now == null || now.directory()) {
                    establish();
                } else if (event.kind() != StandardWatchEventKinds.ENTRY_DELETE) {
                    if (detector.isTracked(target.getFileName())) {
                        detector.settle(target.getFileName(), now);
                    } else {
                        establish();
                    }
                }
            } else {
                checkTarget();
            }
        }
    }

    private void scheduleRescan() {
        if (rescanDue == Long.MAX_VALUE) {
            LOG.info("Kernel event queue overflowed for {}: rescanning", target);
            rescanDue = Watches.now() + options.rescanDelay().toMillis();
        }
    }

    /** Re-establishes watching when the target changed kind or identity, or appeared or vanished. */
    private void checkTarget() {
        FileState now = FileState.following(target);
        if (changedTarget(kindOf(now), now)) {
            establish();
        }
    }

    private static Kind kindOf(FileState state) {
        return state == null ? Kind.MISSING : state.directory() ? Kind.DIRECTORY : Kind.FILE;
    }

    /**
     * Whether the target is no longer the one being watched. A folder is identified by its inode; a file target may
     * change inode without leaving (an editor's atomic save renames a new file over it): that is an update.
     */
    private boolean changedTarget(Kind kind, FileState now) {
        return kind != targetKind || (kind == Kind.DIRECTORY && !now.identity().equals(targetIdentity));
    }

    /** The safety net: catches what no watch reports, such as an ancestor folder renamed or recreated. */
    private void verify() {
        checkTarget();
        if (target.getParent() == null) {
            return;
        }
        FileState anchor = anchorDir == null ? null : FileState.following(anchorDir);
        if (anchor == null || !anchor.identity().equals(anchorIdentity) || anchorKey == null || !anchorKey.isValid()) {
            watchAnchor(targetKind);
            checkTarget();
        }
    }

    // ------------------------------------------------------------------------------------- target and full rescans

    /**
     * Brings the model in line with the disk: finds the target, watches the right folder for it, reports the target
     * gone or created, then walks the tree and diffs it against what is known. Used at start, on resume, after an
     * overflow and whenever the target changed.
     */
    private void establish() {
        FileState now = FileState.following(target);
        Kind kind = kindOf(now);
        if (targetKind != Kind.MISSING && changedTarget(kind, now)) {
            targetGone();
        }
        watchAnchor(kind);
        if (kind == Kind.MISSING && pathGrewMeanwhile() && establishRetries++ < MAX_ESTABLISH_RETRIES) {
            establish();
            return;
        }
        establishRetries = 0;
        boolean silent = firstRun && !options.emitExisting();
        firstRun = false;
        if (kind == Kind.MISSING) {
            targetKind = Kind.MISSING;
            targetIdentity = null;
            snapshot.put(TARGET_KEY, MISSING);
            return;
        }
        boolean appeared = targetKind == Kind.MISSING;
        setTarget(kind, now.identity());
        snapshot.put(TARGET_KEY, now.encode());
        if (appeared && !silent && kind == Kind.DIRECTORY) {
            detector.emit(ChangeType.TARGET_CREATED, ROOT, null, now);
        }
        Map<Path, FileState> found = kind == Kind.DIRECTORY ? detector.walkRoot() : Map.of(target.getFileName(), now);
        if (silent) {
            detector.baseline(found);
        } else {
            detector.diff(found);
        }
    }

    /**
     * Whether the path to a missing target grew between looking and watching: then no event will say so, and
     * establishing must start over from the new state.
     */
    private boolean pathGrewMeanwhile() {
        if (FileState.following(target) != null) {
            return true;
        }
        Path nearest = target.getParent();
        while (nearest != null && FileState.following(nearest) == null) {
            nearest = nearest.getParent();
        }
        return !Objects.equals(nearest, anchorDir);
    }

    /** Watches the target's folder, or while the target is missing its nearest existing ancestor. */
    private void watchAnchor(Kind kind) {
        Path wanted = target.getParent();
        if (kind == Kind.MISSING) {
            while (wanted != null && FileState.following(wanted) == null) {
                wanted = wanted.getParent();
            }
        }
        FileState wantedState = wanted == null ? null : FileState.following(wanted);
        if (wanted != null && wanted.equals(anchorDir) && anchorKey != null && anchorKey.isValid() && wantedState != null
                && wantedState.identity().equals(anchorIdentity)) {
            return;
        }
        if (anchorKey != null && !detector.owns(anchorKey)) {
            anchorKey.cancel();
        }
        anchorKey = null;
        anchorDir = wanted;
        anchorIdentity = wantedState == null ? null : wantedState.identity();
        if (wanted == null) {
            return;
        }
        try {
            anchorKey = wanted.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            anchorProblem = null;
        } catch (IOException e) {
            if (!wanted.equals(anchorProblem)) {
                anchorProblem = wanted;
                listener.onProblem(wanted, "cannot be watched for " + target + " (" + TreeKeys.describe(e)
                        + "); trying again every " + options.verifyInterval().toMillis() + " ms");
            }
        }
    }

    /** The target disappeared or changed kind: deletes for its content, deepest first, then TARGET_DELETED. */
    private void targetGone() {
        Kind was = targetKind;
        Path path = was == Kind.FILE ? target.getFileName() : ROOT;
        FileState targetState = was == Kind.FILE ? known.get(path) : null;
        detector.deleteAll(was == Kind.DIRECTORY);
        FileState gone = targetState != null ? targetState : new FileState(was == Kind.DIRECTORY, 0, 0, "");
        detector.emit(ChangeType.TARGET_DELETED, path, null, gone);
        targetKind = Kind.MISSING;
        targetIdentity = null;
        snapshot.put(TARGET_KEY, MISSING);
    }
}
