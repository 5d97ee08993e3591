package io.filesync.watch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What has been reported about the tree: every path an event announced, with its state, indexed by identity (device
 * and inode) so a path that appears can be recognised as a known one moved. Every change goes to the snapshot
 * buffer, so the persisted snapshot always describes what consumers were told.
 */
final class KnownTree {

    private final Map<Path, FileState> known = new HashMap<>();
    private final Map<String, Path> byIdentity = new HashMap<>();
    private final SnapshotBuffer snapshot;

    KnownTree(SnapshotBuffer snapshot) {
        this.snapshot = snapshot;
    }

    FileState get(Path path) {
        return known.get(path);
    }

    boolean contains(Path path) {
        return known.containsKey(path);
    }

    /** A read-only view; copy it before changing the tree while iterating. */
    Set<Path> paths() {
        return Collections.unmodifiableSet(known.keySet());
    }

    /** The known path holding an identity, if any (one of them, for hard links). */
    Path holderOf(String identity) {
        return byIdentity.get(identity);
    }

    /** Known paths strictly below a folder. */
    List<Path> under(Path dir) {
        List<Path> children = new ArrayList<>();
        for (Path path : known.keySet()) {
            if (path.startsWith(dir) && !path.equals(dir)) {
                children.add(path);
            }
        }
        return children;
    }

    /**
     * @param persist false when the state comes from the persisted snapshot itself
     */
    void remember(Path path, FileState state, boolean persist) {
        FileState old = known.put(path, state);
        if (old != null && path.equals(byIdentity.get(old.identity()))) {
            byIdentity.remove(old.identity());
        }
        byIdentity.put(state.identity(), path);
        if (persist) {
            snapshot.put(path, state);
        }
    }

    FileState forget(Path path) {
        FileState old = known.remove(path);
        if (old != null) {
            if (path.equals(byIdentity.get(old.identity()))) {
                byIdentity.remove(old.identity());
            }
            snapshot.remove(path);
        }
        return old;
    }

    /** Carries everything below {@code from} over to the same place below {@code to}: a folder moved. */
    void moveChildren(Path from, Path to) {
        for (Path child : under(from)) {
            remember(to.resolve(from.relativize(child)), forget(child), true);
        }
    }

    void forgetAll() {
        new ArrayList<>(known.keySet()).forEach(this::forget);
    }
}
