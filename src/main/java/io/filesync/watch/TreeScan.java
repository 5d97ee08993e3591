package io.filesync.watch;

import static io.filesync.watch.TreeModel.DEEPEST_FIRST;
import static io.filesync.watch.TreeModel.ROOT;
import static io.filesync.watch.TreeModel.SHALLOWEST_FIRST;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Full walks of the tree and what they mean: the first start's baseline, and the difference between the model and
 * the disk after an overflow, a restart (against the persisted snapshot), a target that came back, or an event that
 * was not delivered. Live events are {@link ChangeDetector}'s; both change the tree through {@link TreeModel}.
 */
final class TreeScan {

    private final TreeModel model;
    private final KnownTree known;
    private final PendingChanges waiting;
    private final TreeKeys keys;

    TreeScan(TreeModel model) {
        this.model = model;
        this.known = model.known;
        this.waiting = model.waiting;
        this.keys = model.keys;
    }

    /** Watches the root folder and walks it (recursively if configured), collecting what is there. */
    Map<Path, FileState> walkRoot() {
        Map<Path, FileState> found = new HashMap<>();
        if (model.register(ROOT)) {
            walk(ROOT, found);
        }
        return found;
    }

    private void walk(Path dir, Map<Path, FileState> found) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(model.root().resolve(dir))) {
            for (Path entry : entries) {
                Path child = dir.resolve(entry.getFileName());
                FileState state = FileState.of(entry);
                if (state == null) {
                    continue;
                }
                found.put(child, state);
                if (state.directory() && model.register(child)) {
                    walk(child, found);
                }
            }
        } catch (NoSuchFileException e) {
            // vanished while walking; its delete event follows
        } catch (IOException e) {
            keys.markUnreadable(model.root(), dir, e);
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
        // A move not delivered is undone in the model; both its paths wait for the next walk, so it stays one move.
        Set<Path> undone = new HashSet<>();
        // Nothing is known about the inside of an unreadable folder: its old content is not reported deleted.
        Predicate<Path> gone = p -> !found.containsKey(p) && !keys.isBlind(p) && !isUnder(p, undone);
        for (Path from : known.paths().stream().filter(gone).sorted(SHALLOWEST_FIRST).toList()) {
            FileState old = known.get(from);
            if (old == null || found.containsKey(from)) {
                continue;
            }
            Path to = newByIdentity.get(old.identity());
            if (to != null && !known.contains(to) && old.sameContentAs(found.get(to))) {
                newByIdentity.remove(old.identity());
                if (!model.moved(from, to, found.get(to))) {
                    undone.add(from);
                    undone.add(to);
                }
            }
        }
        for (Path path : known.paths().stream().filter(gone).sorted(DEEPEST_FIRST).toList()) {
            FileState old = known.forget(path);
            keys.dropUnder(path);
            model.emit(old.directory() ? ChangeType.DIRECTORY_DELETED : ChangeType.FILE_DELETED, path, null, old);
        }
        waiting.clearVanished();
        waiting.retainSettling(found::containsKey);
        List<Path> changedFiles = new ArrayList<>();
        for (Path path : found.keySet().stream().filter(p -> !isUnder(p, undone)).sorted(SHALLOWEST_FIRST).toList()) {
            FileState state = found.get(path);
            FileState old = known.get(path);
            if (old != null && old.directory() != state.directory()) {
                model.removeTree(path);
                old = null;
            }
            if (state.directory()) {
                if (old == null) {
                    known.remember(path, state, true);
                    model.emit(ChangeType.DIRECTORY_CREATED, path, null, state);
                } else if (!old.identity().equals(state.identity())) {
                    known.remember(path, state, true);
                }
            } else if (!state.sameVersion(old)) {
                changedFiles.add(path);
            }
        }
        // Oldest change first, so files found by one walk are reported in the order they were written.
        changedFiles.sort(Comparator.comparingLong((Path p) -> found.get(p).mtimeNanos()).thenComparing(p -> p));
        changedFiles.forEach(path -> model.settle(path, found.get(path)));
    }

    private static boolean isUnder(Path path, Set<Path> dirs) {
        for (Path dir : dirs) {
            if (path.startsWith(dir)) {
                return true;
            }
        }
        return false;
    }

    /** The target is gone: deletes for everything known, deepest first; the caller reports the target itself. */
    void deleteAll(boolean report) {
        keys.cancelAll();
        waiting.clear();
        for (Path path : known.paths().stream().sorted(DEEPEST_FIRST).toList()) {
            FileState state = known.forget(path);
            if (report) {
                model.emit(state.directory() ? ChangeType.DIRECTORY_DELETED : ChangeType.FILE_DELETED, path, null, state);
            }
        }
    }
}
