package io.filesync.watch;

import static io.filesync.watch.TreeModel.ROOT;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps track of the target itself, which may be missing, deleted, renamed away or replaced by the other kind: the
 * target's folder (or, while the target is missing, its nearest existing ancestor) is watched for it, and its identity
 * is re-checked as a safety net. Whenever the target changed, {@link #establish()} brings the model in line with the
 * disk. Runs on the watcher's loop thread only.
 */
final class TargetTracker {

    /** Snapshot key of the target itself; no relative path of a real entry is ever ".". */
    static final String TARGET_KEY = ".";
    private static final String MISSING = "missing";
    private static final int MAX_ESTABLISH_RETRIES = 100;

    private enum Kind { MISSING, FILE, DIRECTORY }

    private final WatchOptions options;
    private final Path target;
    private final TreeModel model;
    private final TreeScan scan;
    private final ChangeDetector detector;
    private final SnapshotBuffer snapshot;
    private final ChangeListener listener;
    private final Runnable rescanRequest;

    private Kind targetKind = Kind.MISSING;
    private String targetIdentity;
    private boolean firstRun;
    private WatchService watchService;
    private WatchKey anchorKey;
    private Path anchorDir;
    private String anchorIdentity;
    private Path anchorProblem;
    private int establishRetries;

    /**
     * @param rescanRequest asks the watcher for a full rescan soon (after a kernel queue overflow)
     */
    TargetTracker(TreeModel model, TreeScan scan, ChangeDetector detector, SnapshotBuffer snapshot,
            ChangeListener listener, Runnable rescanRequest) {
        this.options = model.options;
        this.target = options.target();
        this.model = model;
        this.scan = scan;
        this.detector = detector;
        this.snapshot = snapshot;
        this.listener = listener;
        this.rescanRequest = rescanRequest;
    }

    /** Takes the persisted snapshot as what was reported before this start. */
    void load(Map<String, String> stored) {
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
                model.known.remember(SnapshotPaths.decode(key), state, false);
            }
        });
    }

    void attach(WatchService service) {
        this.watchService = service;
    }

    /** The watch service closed: its keys are gone. */
    void detach() {
        anchorKey = null;
        anchorDir = null;
        watchService = null;
    }

    /** A single-file target may change inode and stay the target (an editor's atomic save). */
    void targetFileSettled(FileState state) {
        targetIdentity = state.identity();
        snapshot.put(TARGET_KEY, state.encode());
    }

    private void setTarget(Kind kind, String identity) {
        targetKind = kind;
        targetIdentity = identity;
        if (kind == Kind.FILE) {
            model.useRoot(target.getParent(), target.getFileName());
        } else {
            model.useRoot(target, null);
        }
    }

    boolean isAnchor(WatchKey key) {
        return key == anchorKey;
    }

    /** Events of the folder watched for the target: the target's folder, or its nearest existing ancestor. */
    void anchorEvents(WatchKey key, List<WatchEvent<?>> events) {
        for (WatchEvent<?> event : events) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                rescanRequest.run();
                continue;
            }
            Path entry = anchorDir.resolve((Path) event.context());
            if (target.startsWith(entry)) {
                anchorEvent(entry, event.kind());
            }
        }
        if (!key.reset()) {
            anchorKey = null;
            establish();
        }
    }

    private void anchorEvent(Path entry, WatchEvent.Kind<?> kind) {
        if (targetKind == Kind.MISSING) {
            // A folder on the way to the target appeared: watch from deeper down, or the target itself.
            establish();
        } else if (targetKind == Kind.FILE && entry.equals(target)) {
            FileState now = FileState.following(target);
            if (now == null || now.directory()) {
                establish();
            } else if (kind != StandardWatchEventKinds.ENTRY_DELETE) {
                if (detector.isTracked(target.getFileName())) {
                    model.settle(target.getFileName(), now);
                } else {
                    establish();
                }
            }
        } else {
            checkTarget();
        }
    }

    /** Re-establishes watching when the target changed kind or identity, or appeared or vanished. */
    void checkTarget() {
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
    void verify() {
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

    /**
     * Brings the model in line with the disk: finds the target, watches the right folder for it, reports the target
     * gone or created, then walks the tree and diffs it against what is known. Used at start, on resume, after an
     * overflow, after an event that was not delivered and whenever the target changed.
     */
    void establish() {
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
            model.emit(ChangeType.TARGET_CREATED, ROOT, null, now);
        }
        Map<Path, FileState> found = kind == Kind.DIRECTORY ? scan.walkRoot() : Map.of(target.getFileName(), now);
        if (silent) {
            scan.baseline(found);
        } else {
            scan.diff(found);
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
        if (anchorKey != null && !model.owns(anchorKey)) {
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
        FileState targetState = was == Kind.FILE ? model.known.get(path) : null;
        scan.deleteAll(was == Kind.DIRECTORY);
        FileState gone = targetState != null ? targetState : new FileState(was == Kind.DIRECTORY, 0, 0, "");
        model.emit(ChangeType.TARGET_DELETED, path, null, gone);
        targetKind = Kind.MISSING;
        targetIdentity = null;
        snapshot.put(TARGET_KEY, MISSING);
    }
}
