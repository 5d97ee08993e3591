package io.filesync.watch;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The rules that turn live observations of a tree (a path appeared, changed, vanished) into one event per change:
 * moves paired by identity within the move window, files reported once settled, folders deleted after their content.
 * Full walks are {@link TreeScan}'s; both change the tree through {@link TreeModel}. {@link TreeWatcher} owns the
 * thread, the target and the watch service, and feeds it.
 */
final class ChangeDetector {

    private final TreeModel model;
    private final WatchOptions options;
    private final KnownTree known;
    private final PendingChanges waiting;
    private final TreeKeys keys;
    private final Consumer<FileState> targetFileSettled;

    /**
     * @param targetFileSettled told the new state whenever a single-file target settles (its identity may change)
     */
    ChangeDetector(TreeModel model, Consumer<FileState> targetFileSettled) {
        this.model = model;
        this.options = model.options;
        this.known = model.known;
        this.waiting = model.waiting;
        this.keys = model.keys;
        this.targetFileSettled = targetFileSettled;
    }

    long nextDue() {
        return waiting.nextDue();
    }

    // ------------------------------------------------------------------------------------------------ live events

    void appeared(Path path) {
        FileState state = FileState.of(model.root().resolve(path));
        if (state == null) {
            return;
        }
        Path from = moveSource(path, state);
        if (from != null) {
            model.moved(from, path, state);
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
                model.removeTree(path);
            }
            waiting.stopSettling(path);
            known.remember(path, state, true);
            // Not delivered: the folder and its content wait for the rescan, so its content never comes before it.
            if (model.emit(ChangeType.DIRECTORY_CREATED, path, null, state) && model.register(path)) {
                scan(path);
            }
        } else {
            if (old != null && old.directory()) {
                model.removeTree(path);
            }
            model.settle(path, state);
        }
    }

    void modified(Path path) {
        FileState state = FileState.of(model.root().resolve(path));
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
            model.settle(path, state);
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
            FileState there = FileState.of(model.root().resolve(other));
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

    /** Lists a newly watched folder: what is already inside gets its events like anything created later. */
    private void scan(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(model.root().resolve(dir))) {
            for (Path entry : entries) {
                appeared(dir.resolve(entry.getFileName()));
            }
        } catch (NoSuchFileException e) {
            // gone again; its delete event follows
        } catch (IOException e) {
            keys.markUnreadable(model.root(), dir, e);
        }
    }

    private void retryUnreadable(Path dir) {
        if (model.register(dir)) {
            scan(dir);
        }
    }

    // ------------------------------------------------------------------------------------------------------ timers

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
        FileState state = FileState.of(model.root().resolve(path));
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
            model.settle(path, state);
            return;
        }
        waiting.stopSettling(path);
        if (overdue && !state.sameVersion(entry.state)) {
            // Still changing after the longest settle wait: report it now, and settle again for what follows.
            model.settle(path, state);
        }
        FileState old = known.get(path);
        if (old != null && old.directory()) {
            model.removeTree(path);
            old = null;
        }
        if (state.sameVersion(old)) {
            return;
        }
        boolean isTarget = path.equals(model.targetFile());
        if (isTarget) {
            targetFileSettled.accept(state);
        }
        known.remember(path, state, true);
        model.emit(old != null ? ChangeType.FILE_UPDATED : isTarget ? ChangeType.TARGET_CREATED : ChangeType.FILE_CREATED,
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
        FileState there = FileState.of(model.root().resolve(path));
        if (there != null && there.identity().equals(current.identity())) {
            return;
        }
        model.removeTree(path);
    }
}
