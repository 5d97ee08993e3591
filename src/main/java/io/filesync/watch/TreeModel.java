package io.filesync.watch;

import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Comparator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watcher's model of one tree and the operations that change it and report the change: what was reported
 * ({@link KnownTree}), what waits for time to pass ({@link PendingChanges}), the tree's watch keys ({@link TreeKeys}),
 * and the events. Live events ({@link ChangeDetector}) and full walks ({@link TreeScan}) both change the tree through
 * it, so a move, a delete or a settled file means the same thing whichever noticed it.
 * <p>
 * An event the listener could not take is undone in the model ({@link #undelivered}): the model then differs from the
 * disk again, and the next walk (a rescan here, or the next start from the persisted snapshot) reports the change once
 * more. That is what keeps a change that failed downstream from being lost.
 * <p>
 * Paths are relative to the root: the target folder, or for a single-file target its folder, in which only the
 * target's name is considered.
 */
final class TreeModel {

    private static final Logger LOG = LoggerFactory.getLogger(TreeModel.class);

    static final Path ROOT = Path.of("");
    static final Comparator<Path> SHALLOWEST_FIRST =
            Comparator.comparingInt((Path p) -> p.toString().isEmpty() ? 0 : p.getNameCount()).thenComparing(p -> p);
    static final Comparator<Path> DEEPEST_FIRST = SHALLOWEST_FIRST.reversed();

    final WatchOptions options;
    final KnownTree known;
    final PendingChanges waiting = new PendingChanges();
    final TreeKeys keys;
    private final EventEmitter emitter;
    private Path root;
    private Path targetFile;
    private WatchService watchService;
    private boolean undeliveredSinceRescan;
    private boolean lastDelivered = true;

    TreeModel(WatchOptions options, KnownTree known, ChangeListener listener) {
        this.options = options;
        this.known = known;
        this.keys = new TreeKeys(listener);
        this.emitter = new EventEmitter(options, listener);
        this.root = options.target();
    }

    /** Sets the root: the target folder, or the folder of a single-file target (then {@code targetFile} is its name). */
    void useRoot(Path root, Path targetFile) {
        this.root = root;
        this.targetFile = targetFile;
    }

    Path root() {
        return root;
    }

    /** The single-file target's name, or null when the target is a folder. */
    Path targetFile() {
        return targetFile;
    }

    void attach(WatchService service) {
        this.watchService = service;
    }

    /** The watch service closed: keys and waiting changes are dropped; the next walk finds everything again. */
    void detach() {
        keys.clear();
        waiting.clear();
        watchService = null;
    }

    boolean register(Path dir) {
        if (!options.recursive() && !dir.equals(ROOT)) {
            return false;
        }
        return keys.register(watchService, root, dir);
    }

    boolean owns(WatchKey key) {
        return keys.owns(key);
    }

    Path dirOf(WatchKey key) {
        return keys.dirOf(key);
    }

    void invalidated(WatchKey key) {
        keys.invalidated(key);
    }

    // ------------------------------------------------------------------------------------------ changes, reported

    /** Reports a change the model already holds; returns false when it was not delivered (and so was undone). */
    boolean emit(ChangeType type, Path path, Path previous, FileState state) {
        lastDelivered = emitter.emit(type, root, path, previous, state);
        if (lastDelivered) {
            return true;
        }
        undelivered(type, path, previous, state);
        return false;
    }

    void settle(Path path, FileState state) {
        waiting.settle(path, state, Watches.now(), options.settleTime().toMillis(), options.maxSettleTime().toMillis());
    }

    /**
     * One move: the model, watches and waiting changes follow the path, and a single moved event is emitted. Returns
     * false when the event was not delivered: the model then holds the old path again.
     */
    boolean moved(Path from, Path to, FileState state) {
        FileState old = known.forget(from);
        waiting.unvanish(from);
        PendingChanges.Entry wasSettling = waiting.stopSettling(from);
        if (known.contains(to) && !to.startsWith(from)) {
            FileState replaced = known.forget(to);
            if (replaced.directory()) {
                removeTree(to);
            }
        }
        if (old.directory()) {
            known.moveChildren(from, to);
            waiting.moveUnder(from, to);
            keys.moveUnder(from, to);
            known.remember(to, state, true);
        } else {
            known.remember(to, old, true);
            if (wasSettling != null || !old.sameVersion(state)) {
                settle(to, state);
            }
        }
        return emit(old.directory() ? ChangeType.DIRECTORY_MOVED : ChangeType.FILE_MOVED, to, from, state);
    }

    /** Emits deletes for a known path and, for a folder, everything known under it, deepest first. */
    void removeTree(Path path) {
        FileState state = known.get(path);
        if (state == null) {
            return;
        }
        if (state.directory()) {
            for (Path child : known.under(path).stream().sorted(DEEPEST_FIRST).toList()) {
                FileState childState = known.forget(child);
                emit(childState.directory() ? ChangeType.DIRECTORY_DELETED : ChangeType.FILE_DELETED, child, null, childState);
            }
            waiting.dropUnder(path);
            keys.dropUnder(path);
        }
        known.forget(path);
        emit(state.directory() ? ChangeType.DIRECTORY_DELETED : ChangeType.FILE_DELETED, path, null, state);
    }

    // -------------------------------------------------------------------------------------- changes, not delivered

    /**
     * Puts the model back as it was before an event the listener did not take, so the next walk reports it again.
     * Watches are left alone: they follow the disk, not what was reported.
     */
    private void undelivered(ChangeType type, Path path, Path previous, FileState state) {
        switch (type) {
            case FILE_CREATED, DIRECTORY_CREATED -> known.forget(path);
            case FILE_UPDATED -> known.remember(path, state.withUnknownContent(), true);
            case FILE_DELETED, DIRECTORY_DELETED -> known.remember(path, state, true);
            case FILE_MOVED -> {
                known.forget(path);
                known.remember(previous, state, true);
            }
            case DIRECTORY_MOVED -> {
                known.moveChildren(path, previous);
                known.forget(path);
                known.remember(previous, state, true);
            }
            case TARGET_CREATED -> {
                if (path.equals(targetFile)) {
                    known.forget(path);
                } else {
                    LOG.warn("The creation of {} was not delivered; its content is reported as it is found", root);
                    return;
                }
            }
            case TARGET_DELETED -> {
                LOG.warn("The deletion of {} was not delivered and is not reported again", options.target());
                return;
            }
        }
        undeliveredSinceRescan = true;
    }

    /** Whether the latest event was taken by the listener. */
    boolean lastDelivered() {
        return lastDelivered;
    }

    /** Whether an event was undone since the last call: then a rescan must follow to report it again. */
    boolean takeUndelivered() {
        boolean was = undeliveredSinceRescan;
        undeliveredSinceRescan = false;
        return was;
    }
}
