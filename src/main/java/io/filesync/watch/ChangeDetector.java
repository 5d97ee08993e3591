package io.filesync.watch;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The rules that turn raw observations of a tree (a path appeared, changed, vanished; a fresh walk) into one event
 * per change: moves paired by identity within the move window, files reported once settled, folders deleted after
 * their content. It owns the model (what was reported, what waits) and the tree's watch keys; {@link TreeWatcher}
 * owns the thread, the target and the watch service, and feeds it.
 * <p>
 * Paths are relative to the root: the target folder, or for a single-file target its folder, in which only the
 * target's name is considered.
 */
final class ChangeDetector {

    static final Path ROOT = Path.of("");
    static final Comparator<Path> SHALLOWEST_FIRST =
            Comparator.comparingInt((Path p) -> p.toString().isEmpty() ? 0 : p.getNameCount()).thenComparing(p -> p);
    static final Comparator<Path> DEEPEST_FIRST = SHALLOWEST_FIRST.reversed();

    private final WatchOptions options;
    private final KnownTree known;
    private final PendingChanges waiting = new PendingChanges();
    private final TreeKeys keys;
    private final EventEmitter emitter;
    private final Consumer<FileState> targetFileSettled;
    private Path root;
    private Path targetFile;
    private WatchService watchService;

    /**
     * @param targetFileSettled told the new state whenever a single-file target settles (its identity may change)
     */
    ChangeDetector(WatchOptions options, KnownTree known, ChangeListener listener, Consumer<FileState> targetFileSettled) {
        this.options = options;
        this.known = known;
        this.keys = new TreeKeys(listener);
        this.emitter = new EventEmitter(options, listener);
        this.targetFileSettled = targetFileSettled;
        this.root = options.target();
    }

    /** Sets the root: the target folder, or the folder of a single-file target (then {@code targetFile} is its name). */
    void useRoot(Path root, Path targetFile) {
        this.root = root;
        this.targetFile = targetFile;
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

    Path root() {
        return root;
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

    long nextDue() {
        return waiting.nextDue();
    }

    void emit(ChangeType type, Path path, Path previous, FileState state) {
        emitter.emit(type, root, path, previous, state);
    }

    // ---------------------------------------------------------------------------------------------- full walks

    /** Watches the root folder and walks it (recursively if configured), collecting what is there. */
    Map<Path, FileState> walkRoot() {
        Map<Path, FileState> found = new HashMap<>();
        if (register(ROOT)) {
            walk(ROOT, found);
        }
        return found;
    }

    private void walk(Path dir, Map<Path, FileState> found) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root.resolve(dir))) {
            for (Path entry : entries) {
                Path child = dir.resolve(entry.getFileName());
                FileState state = FileState.of(entry);
                if (state == null) {
                    continue;
                }
                found.put(child, state);
                if (state.directory() && register(child)) {
                    walk(child, found);
                }
            }
        } catch (NoSuchFileException e) {
            // vanished while walking; its delete event follows
        } catch (IOException e) {
            keys.markUnreadable(root, dir, e);
        }
    }

    /** Takes what a walk found as the reported state, without events: the first start's baseline. */
    void baseline(Map<Path, FileState> found) {
        known.forgetAll();
        found.forEach((path, state) -> known.remember(path, state, true));
    }

    /**
     * Reports the difference between the model and a fresh walk: moves first (same identity at a new path, parents
     * before children so a directory move carries its content), then deletions (deepest first), then creations
     * (parents first; files through the settle time, oldest change first) and updates.
     */
    void diff(Map<Path, FileState> found) {
        Map<String, Path> newByIdentity = new HashMap<>();
        found.forEach((path, state) -> {
            if (!known.contains(path)) {
                newByIdentity.putIfAbsent(state.identity(), path);
            }
        });
        // Nothing is known about the inside of an unreadable folder: its old content is not reported deleted.
        Predicate<Path> gone = p -> !found.containsKey(p) && !keys.isBlind(p);
        for (Path from : known.paths().stream().filter(gone).sorted(SHALLOWEST_FIRST).toList()) {
            FileState old = known.get(from);
            if (old == null || found.containsKey(from)) {
                continue;
            }
            Path to = newByIdentity.get(old.identity());
            if (to != null && !known.contains(to) && old.sameContentAs(found.get(to))) {
                newByIdentity.remove(old.identity());
                moved(from, to, found.get(to));
            }
        }
        for (Path path : known.paths().stream().filter(gone).sorted(DEEPEST_FIRST).toList()) {
            FileState old = known.forget(path);
            keys.dropUnder(path);
            emit(old.directory() ? ChangeType.DIRECTORY_DELETED : ChangeType.FILE_DELETED, path, null, old);
        }
        waiting.clearVanished();
        waiting.retainSettling(found::containsKey);
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
                    known.remember(path, state, true);
                    emit(ChangeType.DIRECTORY_CREATED, path, null, state);
                } else if (!old.identity().equals(state.identity())) {
                    known.remember(path, state, true);
                }
            } else if (!state.sameVersion(old)) {
                changedFiles.add(path);
            }
        }
        // Oldest change first, so files found by one walk are reported in the order they were written.
        changedFiles.sort(Comparator.comparingLong((Path p) -> found.get(p).mtimeNanos()).thenComparing(p -> p));
        changedFiles.forEach(path -> settle(path, found.get(path)));
    }

    /** The target is gone: deletes for everything known, deepest first; the caller reports the target itself. */
    void deleteAll(boolean report) {
        keys.cancelAll();
        waiting.clear();
        for (Path path : known.paths().stream().sorted(DEEPEST_FIRST).toList()) {
            FileState state = known.forget(path);
            if (report) {
                emit(state.directory() ? ChangeType.DIRECTORY_DELETED : ChangeType.FILE_DELETED, path, null, state);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ live events

    void appeared(Path path) {
        FileState state = FileState.of(root.resolve(path));
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
                if (keys.isUnreadable(path)) {
                    retryUnreadable(path);
                }
                return;
            }
            if (old != null) {
                removeTree(path);
            }
            waiting.stopSettling(path);
            known.remember(path, state, true);
            emit(ChangeType.DIRECTORY_CREATED, path, null, state);
            if (register(path)) {
                scan(path);
            }
        } else {
            if (old != null && old.directory()) {
                removeTree(path);
            }
            settle(path, state);
        }
    }

    void modified(Path path) {
        FileState state = FileState.of(root.resolve(path));
        if (state == null) {
            return;
        }
        if (state.directory()) {
            if (keys.isUnreadable(path)) {
                retryUnreadable(path);
            } else if (!known.contains(path)) {
                appeared(path);
            }
            return;
        }
        if (!known.contains(path) && !waiting.isSettling(path)) {
            appeared(path);
        } else {
            settle(path, state);
        }
    }

    void vanished(Path path) {
        waiting.stopSettling(path);
        FileState old = known.get(path);
        if (old == null || waiting.vanished(path) != null) {
            return;
        }
        waiting.vanish(path, old, Watches.now() + options.moveWindow().toMillis());
    }

    /** Whether the path is known or waiting to settle: a change to it is news only if it is neither. */
    boolean isTracked(Path path) {
        return known.contains(path) || waiting.isSettling(path);
    }

    /** Where a path that just appeared came from, if it is a known file or folder that left its old place. */
    private Path moveSource(Path path, FileState state) {
        Path gone = waiting.vanishedWithIdentity(state.identity());
        if (gone != null && isMoveOf(gone, waiting.vanished(gone).state, path, state)) {
            return gone;
        }
        Path other = known.holderOf(state.identity());
        if (other != null && !other.equals(path) && known.contains(other) && isMoveOf(other, known.get(other), path, state)) {
            FileState there = FileState.of(root.resolve(other));
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
            return keys.watchStillValid(from);
        }
        // A file moved keeps size and time; a new file that reuses a deleted one's inode does not.
        return old.sameContentAs(state);
    }

    /** One move: the model, watches and waiting changes follow the path, and a single moved event is emitted. */
    private void moved(Path from, Path to, FileState state) {
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
        emit(old.directory() ? ChangeType.DIRECTORY_MOVED : ChangeType.FILE_MOVED, to, from, state);
    }

    /** Lists a newly watched folder: what is already inside gets its events like anything created later. */
    private void scan(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root.resolve(dir))) {
            for (Path entry : entries) {
                appeared(dir.resolve(entry.getFileName()));
            }
        } catch (NoSuchFileException e) {
            // gone again; its delete event follows
        } catch (IOException e) {
            keys.markUnreadable(root, dir, e);
        }
    }

    private void retryUnreadable(Path dir) {
        if (register(dir)) {
            scan(dir);
        }
    }

    private boolean register(Path dir) {
        if (!options.recursive() && !dir.equals(ROOT)) {
            return false;
        }
        return keys.register(watchService, root, dir);
    }

    // ------------------------------------------------------------------------------------------------------ timers

    void settle(Path path, FileState state) {
        waiting.settle(path, state, Watches.now(), options.settleTime().toMillis(), options.maxSettleTime().toMillis());
    }

    void fireDue(long now) {
        for (PendingChanges.Timer timer = waiting.pollDue(now); timer != null; timer = waiting.pollDue(now)) {
            if (timer.disappearance()) {
                disappearanceDue(timer.path(), now);
            } else {
                settleDue(timer.path(), now);
            }
        }
    }

    /** A file went unchanged for the settle time (or changed again, and waits once more). */
    private void settleDue(Path path, long now) {
        PendingChanges.Entry entry = waiting.settling(path);
        long maxSettle = options.maxSettleTime().toMillis();
        boolean overdue = entry != null && maxSettle > 0 && now - entry.since >= maxSettle;
        if (entry == null || (entry.due > now && !overdue)) {
            return;
        }
        FileState state = FileState.of(root.resolve(path));
        if (state == null) {
            waiting.stopSettling(path);
            return;
        }
        if (state.directory()) {
            waiting.stopSettling(path);
            appeared(path);
            return;
        }
        if (!state.sameVersion(entry.state) && !overdue) {
            settle(path, state);
            return;
        }
        waiting.stopSettling(path);
        if (overdue && !state.sameVersion(entry.state)) {
            // Still changing after the longest settle wait: report it now, and settle again for what follows.
            settle(path, state);
        }
        FileState old = known.get(path);
        if (old != null && old.directory()) {
            removeTree(path);
            old = null;
        }
        if (state.sameVersion(old)) {
            return;
        }
        boolean isTarget = path.equals(targetFile);
        if (isTarget) {
            targetFileSettled.accept(state);
        }
        known.remember(path, state, true);
        emit(old != null ? ChangeType.FILE_UPDATED : isTarget ? ChangeType.TARGET_CREATED : ChangeType.FILE_CREATED,
                path, null, state);
    }

    /** The move window passed without the path reappearing elsewhere: it was deleted. */
    private void disappearanceDue(Path path, long now) {
        PendingChanges.Entry entry = waiting.vanished(path);
        if (entry == null || entry.due > now) {
            return;
        }
        waiting.unvanish(path);
        FileState current = known.get(path);
        if (current == null || !current.identity().equals(entry.state.identity())) {
            return;
        }
        FileState there = FileState.of(root.resolve(path));
        if (there != null && there.identity().equals(current.identity())) {
            return;
        }
        removeTree(path);
    }

    /** Emits deletes for a known path and, for a folder, everything known under it, deepest first. */
    private void removeTree(Path path) {
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
}
