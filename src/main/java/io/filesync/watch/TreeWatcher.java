package io.filesync.watch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Predicate;
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
    private static final Path ROOT = Path.of("");
    private static final long STOP_TIMEOUT_MS = 10_000;
    private static final long READY_TIMEOUT_MS = 120_000;
    private static final int MAX_ESTABLISH_RETRIES = 100;

    private enum Kind { MISSING, FILE, DIRECTORY }

    private final WatchOptions options;
    private final ChangeListener listener;
    private final SnapshotBuffer snapshot;
    private final SnapshotStore store;
    private final ExecutorService executor;
    private final boolean ownExecutor;
    private final Path target;

    // Everything below is touched by the loop thread only (and by start/stop while the loop is not running).
    private final Map<Path, FileState> known = new HashMap<>();
    private final Map<String, Path> byIdentity = new HashMap<>();
    private final Map<Path, Pending> pending = new HashMap<>();
    private final Map<Path, Pending> disappeared = new LinkedHashMap<>();
    /** Due first; equal deadlines in scheduling order, so changes settle in the order they were seen. */
    private final PriorityQueue<Timer> timers =
            new PriorityQueue<>(Comparator.comparingLong(Timer::due).thenComparingLong(Timer::sequence));
    private long timerSequence;
    private final Map<WatchKey, Path> treeKeys = new HashMap<>();
    private final Map<Path, WatchKey> dirKeys = new HashMap<>();
    private final Set<Path> unreadable = new HashSet<>();
    private Kind targetKind = Kind.MISSING;
    private String targetIdentity;
    private boolean firstRun;
    private boolean loaded;
    private WatchService watchService;
    private WatchKey anchorKey;
    private Path anchorDir;
    private String anchorIdentity;
    private Path anchorProblem;
    /** Index of {@link #disappeared} by identity; may hold stale entries, so every hit is checked against the map. */
    private final Map<String, Path> goneByIdentity = new HashMap<>();
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
        treeKeys.clear();
        dirKeys.clear();
        anchorKey = null;
        anchorDir = null;
        pending.clear();
        disappeared.clear();
        timers.clear();
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
        targetKind = targetState.directory() ? Kind.DIRECTORY : Kind.FILE;
        targetIdentity = targetState.identity();
        stored.forEach((key, version) -> {
            FileState state = FileState.decode(version);
            if (!TARGET_KEY.equals(key) && state != null) {
                remember(SnapshotPaths.decode(key), state, false);
            }
        });
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
                long wait = Math.min(Math.min(nextTimer(), rescanDue), Math.min(verifyDue, snapshot.dueAt())) - Watches.now();
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
                fireTimers(now);
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

    private long nextTimer() {
        Timer next = timers.peek();
        return next == null ? Long.MAX_VALUE : next.due();
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
        Path dir = treeKeys.get(key);
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
                appeared(child);
            } else if (event.kind() == StandardWatchEventKinds.ENTRY_MODIFY) {
                modified(child);
            } else if (event.kind() == StandardWatchEventKinds.ENTRY_DELETE) {
                vanished(child);
            }
        }
        if (!key.reset()) {
            treeKeys.remove(key);
            if (key.equals(dirKeys.get(dir))) {
                dirKeys.remove(dir);
            }
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
                    if (known.containsKey(targetName()) || pending.containsKey(targetName())) {
                        schedulePending(targetName(), now);
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
        Kind kind = now == null ? Kind.MISSING : now.directory() ? Kind.DIRECTORY : Kind.FILE;
        if (changedTarget(kind, now)) {
            establish();
        }
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
        Kind kind = now == null ? Kind.MISSING : now.directory() ? Kind.DIRECTORY : Kind.FILE;
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
        targetKind = kind;
        targetIdentity = now.identity();
        snapshot.put(TARGET_KEY, now.encode());
        if (appeared && !silent && kind == Kind.DIRECTORY) {
            emit(ChangeType.TARGET_CREATED, ROOT, null, now);
        }
        Map<Path, FileState> found = new LinkedHashMap<>();
        if (kind == Kind.DIRECTORY) {
            if (register(ROOT)) {
                walk(ROOT, found);
            }
        } else {
            found.put(targetName(), now);
        }
        if (silent) {
            new ArrayList<>(known.keySet()).forEach(this::forget);
            found.forEach((path, state) -> remember(path, state, true));
        } else {
            diff(found);
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
        if (anchorKey != null && !treeKeys.containsKey(anchorKey)) {
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
                listener.onProblem(wanted, "cannot be watched for " + target + " (" + describe(e)
                        + "); trying again every " + options.verifyInterval().toMillis() + " ms");
            }
        }
    }

    /** The target disappeared or changed kind: deletes for its content, deepest first, then TARGET_DELETED. */
    private void targetGone() {
        Kind was = targetKind;
        treeKeys.keySet().forEach(WatchKey::cancel);
        treeKeys.clear();
        dirKeys.clear();
        unreadable.clear();
        pending.clear();
        disappeared.clear();
        FileState targetState = was == Kind.FILE ? known.get(targetName()) : null;
        if (was == Kind.DIRECTORY) {
            known.keySet().stream().sorted(DEEPEST_FIRST).toList().forEach(path -> {
                FileState state = forget(path);
                emit(state.directory() ? ChangeType.DIRECTORY_DELETED : ChangeType.FILE_DELETED, path, null, state);
            });
        }
        new ArrayList<>(known.keySet()).forEach(this::forget);
        Path path = was == Kind.FILE ? targetName() : ROOT;
        FileState gone = targetState != null ? targetState : new FileState(was == Kind.DIRECTORY, 0, 0, "");
        emit(ChangeType.TARGET_DELETED, path, null, gone);
        targetKind = Kind.MISSING;
        targetIdentity = null;
        snapshot.put(TARGET_KEY, MISSING);
    }

    private void walk(Path dir, Map<Path, FileState> found) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root().resolve(dir))) {
            for (Path entry : entries) {
                Path child = dir.resolve(entry.getFileName());
                FileState state = FileState.of(entry);
                if (state == null) {
                    continue;
                }
                found.put(child, state);
                if (state.directory() && options.recursive() && register(child)) {
                    walk(child, found);
                }
            }
        } catch (NoSuchFileException e) {
            // vanished while walking; its delete event follows
        } catch (IOException e) {
            markUnreadable(dir, e);
        }
    }

    /**
     * Reports the difference between the model and a fresh walk: moves first (same identity at a new path, parents
     * before children so a directory move carries its content), then deletions (deepest first), then creations
     * (parents first; files through the settle time) and updates.
     */
    private void diff(Map<Path, FileState> found) {
        Map<String, Path> newByIdentity = new HashMap<>();
        found.forEach((path, state) -> {
            if (!known.containsKey(path)) {
                newByIdentity.putIfAbsent(state.identity(), path);
            }
        });
        // Nothing is known about the inside of an unreadable folder: its old content is not reported deleted.
        List<Path> blind = List.copyOf(unreadable);
        Predicate<Path> vanished = p -> !found.containsKey(p)
                && blind.stream().noneMatch(dir -> p.startsWith(dir) && !p.equals(dir));
        for (Path gone : known.keySet().stream().filter(vanished).sorted(SHALLOWEST_FIRST).toList()) {
            FileState old = known.get(gone);
            if (old == null || found.containsKey(gone)) {
                continue;
            }
            Path to = newByIdentity.get(old.identity());
            if (to != null && !known.containsKey(to) && old.sameContentAs(found.get(to))) {
                newByIdentity.remove(old.identity());
                moved(gone, to, found.get(to));
            }
        }
        for (Path gone : known.keySet().stream().filter(vanished).sorted(DEEPEST_FIRST).toList()) {
            FileState old = forget(gone);
            dropWatch(gone);
            emit(old.directory() ? ChangeType.DIRECTORY_DELETED : ChangeType.FILE_DELETED, gone, null, old);
        }
        disappeared.clear();
        pending.keySet().removeIf(path -> !found.containsKey(path));
        List<Path> changedFiles = new ArrayList<>();
        for (Path path : found.keySet().stream().sorted(SHALLOWEST_FIRST).toList()) {
            FileState state = found.get(path);
            FileState old = known.get(path);
            if (old != null && old.directory() != state.directory()) {
                removeTree(path);
                old = null;
            }
            if (state.directory()) {
                if (old == null) {
                    remember(path, state, true);
                    emit(ChangeType.DIRECTORY_CREATED, path, null, state);
                } else if (!old.identity().equals(state.identity())) {
                    remember(path, state, true);
                }
            } else if (!state.sameVersion(old)) {
                changedFiles.add(path);
            }
        }
        // Oldest change first, so files found by one scan are reported in the order they were written.
        changedFiles.sort(Comparator.comparingLong((Path p) -> found.get(p).mtimeNanos()).thenComparing(p -> p));
        changedFiles.forEach(path -> schedulePending(path, found.get(path)));
    }

    // ------------------------------------------------------------------------------------------------ live events

    private void appeared(Path path) {
        FileState state = FileState.of(root().resolve(path));
        if (state == null) {
            return;
        }
        Path from = moveSource(path, state);
        if (from != null) {
            moved(from, path, state);
            return;
        }
        FileState old = known.get(path);
        if (state.directory()) {
            if (old != null && old.directory() && old.identity().equals(state.identity())) {
                if (unreadable.contains(path)) {
                    retryUnreadable(path);
                }
                return;
            }
            if (old != null) {
                removeTree(path);
            }
            pending.remove(path);
            remember(path, state, true);
            emit(ChangeType.DIRECTORY_CREATED, path, null, state);
            if (options.recursive() && register(path)) {
                scan(path);
            }
        } else {
            if (old != null && old.directory()) {
                removeTree(path);
            }
            schedulePending(path, state);
        }
    }

    private void modified(Path path) {
        FileState state = FileState.of(root().resolve(path));
        if (state == null) {
            return;
        }
        if (state.directory()) {
            if (unreadable.contains(path)) {
                retryUnreadable(path);
            } else if (!known.containsKey(path)) {
                appeared(path);
            }
            return;
        }
        if (!known.containsKey(path) && !pending.containsKey(path)) {
            appeared(path);
        } else {
            schedulePending(path, state);
        }
    }

    private void vanished(Path path) {
        pending.remove(path);
        FileState old = known.get(path);
        if (old == null || disappeared.containsKey(path)) {
            return;
        }
        long due = Watches.now() + options.moveWindow().toMillis();
        disappeared.put(path, new Pending(old, due, due));
        goneByIdentity.put(old.identity(), path);
        timers.add(new Timer(due, timerSequence++, path, true));
    }

    /** Where a path that just appeared came from, if it is a known file or folder that left its old place. */
    private Path moveSource(Path path, FileState state) {
        if (disappeared.isEmpty()) {
            goneByIdentity.clear();
        }
        Path gone = goneByIdentity.get(state.identity());
        Pending goneEntry = gone == null ? null : disappeared.get(gone);
        if (goneEntry != null && isMoveOf(gone, goneEntry.state, path, state)) {
            return gone;
        }
        Path other = byIdentity.get(state.identity());
        if (other != null && !other.equals(path) && known.containsKey(other)
                && isMoveOf(other, known.get(other), path, state)) {
            FileState there = FileState.of(root().resolve(other));
            if (there == null || !there.identity().equals(state.identity())) {
                return other;
            }
        }
        return null;
    }

    private boolean isMoveOf(Path from, FileState old, Path to, FileState state) {
        if (from.equals(to) || !old.identity().equals(state.identity()) || old.directory() != state.directory()) {
            return false;
        }
        if (state.directory()) {
            // A deleted directory's watch is invalid before its inode can be reused; a moved one's stays valid.
            WatchKey key = dirKeys.get(from);
            return key == null || key.isValid();
        }
        return old.sameContentAs(state);
    }

    /** One move: the model, watches and pending work follow the path, and a single moved event is emitted. */
    private void moved(Path from, Path to, FileState state) {
        FileState old = forget(from);
        disappeared.remove(from);
        Pending wasPending = pending.remove(from);
        if (known.containsKey(to) && !to.startsWith(from)) {
            FileState replaced = forget(to);
            if (replaced.directory()) {
                removeTree(to);
            }
        }
        if (old.directory()) {
            for (Path child : known.keySet().stream().filter(p -> p.startsWith(from)).toList()) {
                remember(to.resolve(from.relativize(child)), forget(child), true);
            }
            rekey(pending, from, to);
            rekey(disappeared, from, to);
            for (Map.Entry<WatchKey, Path> entry : treeKeys.entrySet()) {
                if (entry.getValue().startsWith(from)) {
                    entry.setValue(to.resolve(from.relativize(entry.getValue())));
                }
            }
            Map<Path, WatchKey> moved = new HashMap<>();
            dirKeys.entrySet().removeIf(entry -> {
                if (entry.getKey().startsWith(from)) {
                    moved.put(to.resolve(from.relativize(entry.getKey())), entry.getValue());
                    return true;
                }
                return false;
            });
            dirKeys.putAll(moved);
            List<Path> unreadableMoved = unreadable.stream().filter(p -> p.startsWith(from)).toList();
            unreadable.removeAll(unreadableMoved);
            unreadableMoved.forEach(p -> unreadable.add(to.resolve(from.relativize(p))));
            remember(to, state, true);
        } else {
            remember(to, old, true);
            if (wasPending != null || !old.sameVersion(state)) {
                schedulePending(to, state);
            }
        }
        emit(old.directory() ? ChangeType.DIRECTORY_MOVED : ChangeType.FILE_MOVED, to, from, state);
    }

    private static void rekey(Map<Path, Pending> map, Path from, Path to) {
        Map<Path, Pending> moved = new HashMap<>();
        map.entrySet().removeIf(entry -> {
            if (entry.getKey().startsWith(from)) {
                moved.put(to.resolve(from.relativize(entry.getKey())), entry.getValue());
                return true;
            }
            return false;
        });
        map.putAll(moved);
    }

    /** Lists a newly watched folder: what is already inside gets its events like anything created later. */
    private void scan(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root().resolve(dir))) {
            for (Path entry : entries) {
                appeared(dir.resolve(entry.getFileName()));
            }
        } catch (NoSuchFileException e) {
            // gone again; its delete event follows
        } catch (IOException e) {
            markUnreadable(dir, e);
        }
    }

    // ------------------------------------------------------------------------------------------------------ timers

    private void schedulePending(Path path, FileState state) {
        long due = Watches.now() + options.settleTime().toMillis();
        Pending entry = pending.get(path);
        if (entry == null) {
            long since = Watches.now();
            pending.put(path, new Pending(state, due, since));
            if (!options.maxSettleTime().isZero()) {
                timers.add(new Timer(since + options.maxSettleTime().toMillis(), timerSequence++, path, false));
            }
        } else {
            entry.state = state;
            entry.due = due;
        }
        timers.add(new Timer(due, timerSequence++, path, false));
    }

    private void fireTimers(long now) {
        while (!timers.isEmpty() && timers.peek().due() <= now) {
            Timer timer = timers.poll();
            if (timer.disappearance()) {
                disappearanceDue(timer.path(), now);
            } else {
                settleDue(timer.path(), now);
            }
        }
    }

    /** A file went unchanged for the settle time (or changed again, and waits once more). */
    private void settleDue(Path path, long now) {
        Pending entry = pending.get(path);
        long maxSettle = options.maxSettleTime().toMillis();
        boolean overdue = entry != null && maxSettle > 0 && now - entry.since >= maxSettle;
        if (entry == null || (entry.due > now && !overdue)) {
            return;
        }
        FileState state = FileState.of(root().resolve(path));
        if (state == null) {
            pending.remove(path);
            return;
        }
        if (state.directory()) {
            pending.remove(path);
            appeared(path);
            return;
        }
        if (!state.sameVersion(entry.state) && !overdue) {
            schedulePending(path, state);
            return;
        }
        pending.remove(path);
        if (overdue && !state.sameVersion(entry.state)) {
            // Still changing after the longest settle wait: report it now, and settle again for what follows.
            schedulePending(path, state);
        }
        FileState old = known.get(path);
        if (old != null && old.directory()) {
            removeTree(path);
            old = null;
        }
        if (state.sameVersion(old)) {
            return;
        }
        boolean isTarget = targetKind == Kind.FILE && path.equals(targetName());
        if (isTarget) {
            targetIdentity = state.identity();
            snapshot.put(TARGET_KEY, state.encode());
        }
        remember(path, state, true);
        emit(old != null ? ChangeType.FILE_UPDATED : isTarget ? ChangeType.TARGET_CREATED : ChangeType.FILE_CREATED,
                path, null, state);
    }

    /** The move window passed without the path reappearing elsewhere: it was deleted. */
    private void disappearanceDue(Path path, long now) {
        Pending entry = disappeared.get(path);
        if (entry == null || entry.due > now) {
            return;
        }
        disappeared.remove(path);
        FileState current = known.get(path);
        if (current == null || !current.identity().equals(entry.state.identity())) {
            return;
        }
        FileState there = FileState.of(root().resolve(path));
        if (there != null && there.identity().equals(current.identity())) {
            return;
        }
        removeTree(path);
    }

    // ------------------------------------------------------------------------------------------------------ model

    /** Emits deletes for a known path and, for a folder, everything known under it, deepest first. */
    private void removeTree(Path path) {
        FileState state = known.get(path);
        if (state == null) {
            return;
        }
        if (state.directory()) {
            for (Path child : known.keySet().stream().filter(p -> p.startsWith(path) && !p.equals(path))
                    .sorted(DEEPEST_FIRST).toList()) {
                FileState childState = forget(child);
                emit(childState.directory() ? ChangeType.DIRECTORY_DELETED : ChangeType.FILE_DELETED, child, null, childState);
            }
            pending.keySet().removeIf(p -> p.startsWith(path));
            disappeared.keySet().removeIf(p -> p.startsWith(path) && !p.equals(path));
            dropWatch(path);
        }
        forget(path);
        emit(state.directory() ? ChangeType.DIRECTORY_DELETED : ChangeType.FILE_DELETED, path, null, state);
    }

    private void dropWatch(Path dir) {
        for (Path watched : dirKeys.keySet().stream().filter(p -> p.startsWith(dir)).toList()) {
            WatchKey key = dirKeys.remove(watched);
            treeKeys.remove(key);
            key.cancel();
        }
        unreadable.removeIf(p -> p.startsWith(dir));
    }

    private void remember(Path path, FileState state, boolean persist) {
        FileState old = known.put(path, state);
        if (old != null && path.equals(byIdentity.get(old.identity()))) {
            byIdentity.remove(old.identity());
        }
        byIdentity.put(state.identity(), path);
        if (persist) {
            snapshot.put(path, state);
        }
    }

    private FileState forget(Path path) {
        FileState old = known.remove(path);
        if (old != null) {
            if (path.equals(byIdentity.get(old.identity()))) {
                byIdentity.remove(old.identity());
            }
            snapshot.remove(path);
        }
        return old;
    }

    private boolean register(Path dir) {
        if (!options.recursive() && !dir.equals(ROOT)) {
            return false;
        }
        Path absolute = root().resolve(dir);
        try {
            WatchKey key = absolute.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            treeKeys.put(key, dir);
            dirKeys.put(dir, key);
            unreadable.remove(dir);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            markUnreadable(dir, e);
            return false;
        }
    }

    private void markUnreadable(Path dir, IOException e) {
        if (unreadable.add(dir)) {
            listener.onProblem(root().resolve(dir), "cannot be watched (" + describe(e) + "); its content is reported"
                    + " once it becomes readable");
        }
    }

    private void retryUnreadable(Path dir) {
        if (register(dir)) {
            LOG.info("{} is readable again: watching it", root().resolve(dir));
            scan(dir);
        }
    }

    private Path root() {
        return targetKind == Kind.FILE ? target.getParent() : target;
    }

    private Path targetName() {
        return target.getFileName();
    }

    private void emit(ChangeType type, Path path, Path previous, FileState state) {
        Path absolute = root().resolve(path);
        boolean fileEvent = !state.directory();
        ChangeEvent event = ChangeEvent.of(type, path.toString(), absolute.toString(), SnapshotPaths.uriOf(absolute),
                previous == null ? null : previous.toString(), state.directory(), System.currentTimeMillis(),
                fileEvent ? state.size() : null);
        if (fileEvent && options.contentMode() != ContentMode.NONE && !type.isDeletion() && type != ChangeType.FILE_MOVED) {
            event = withContent(event, absolute);
        }
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.error("The listener of {} failed on {}: {}", target, event, e.getMessage(), e);
        }
    }

    private ChangeEvent withContent(ChangeEvent event, Path file) {
        int cap = options.maxContentBytes();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(cap);
            boolean truncated = in.read() >= 0;
            return options.contentMode() == ContentMode.BYTES ? event.withBytes(head, truncated)
                    : event.withText(options.charset().decode(ByteBuffer.wrap(head)).toString(),
                    options.charset().name(), truncated);
        } catch (IOException e) {
            listener.onProblem(file, "content not included: " + describe(e));
            return event;
        }
    }

    private static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static final Comparator<Path> SHALLOWEST_FIRST =
            Comparator.comparingInt((Path p) -> p.toString().isEmpty() ? 0 : p.getNameCount()).thenComparing(p -> p);
    private static final Comparator<Path> DEEPEST_FIRST = SHALLOWEST_FIRST.reversed();

    /** A file waiting for its settle time, or a vanished path waiting for the move window. */
    private static final class Pending {
        FileState state;
        long due;
        /** When the wait began, for the longest settle time. */
        final long since;

        Pending(FileState state, long due, long since) {
            this.state = state;
            this.due = due;
            this.since = since;
        }
    }

    private record Timer(long due, long sequence, Path path, boolean disappearance) {
    }
}
