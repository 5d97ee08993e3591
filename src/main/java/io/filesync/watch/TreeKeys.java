package io.filesync.watch;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The watch keys of the tree's folders, mapped to the folders' current relative paths. The JDK keeps resolving a
 * renamed folder's events against its old path; this map is what follows the rename. Folders that cannot be
 * watched (permissions, watch limit) are remembered, reported once, and retried when they change.
 */
final class TreeKeys {

    private final ChangeListener listener;
    private final Map<WatchKey, Path> dirsByKey = new HashMap<>();
    private final Map<Path, WatchKey> keysByDir = new HashMap<>();
    private final Set<Path> unreadable = new HashSet<>();

    TreeKeys(ChangeListener listener) {
        this.listener = listener;
    }

    /** Watches a folder; false when it is gone or cannot be watched (then reported once). */
    boolean register(WatchService service, Path root, Path dir) {
        try {
            WatchKey key = root.resolve(dir).register(service, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            dirsByKey.put(key, dir);
            keysByDir.put(dir, key);
            unreadable.remove(dir);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            markUnreadable(root, dir, e);
            return false;
        }
    }

    void markUnreadable(Path root, Path dir, IOException e) {
        if (unreadable.add(dir)) {
            listener.onProblem(root.resolve(dir), "cannot be watched (" + describe(e) + "); its content is reported"
                    + " once it becomes readable");
        }
    }

    boolean isUnreadable(Path dir) {
        return unreadable.contains(dir);
    }

    /** Whether something at or below this path could not be read, so its absence from a scan proves nothing. */
    boolean isBlind(Path path) {
        for (Path dir : unreadable) {
            if (path.startsWith(dir) && !path.equals(dir)) {
                return true;
            }
        }
        return false;
    }

    Path dirOf(WatchKey key) {
        return dirsByKey.get(key);
    }

    /** The folder's watch is valid, or it has none: a deleted folder's watch is invalid, a moved one's is not. */
    boolean watchStillValid(Path dir) {
        WatchKey key = keysByDir.get(dir);
        return key == null || key.isValid();
    }

    /** The kernel dropped a key (its folder was deleted). */
    void invalidated(WatchKey key) {
        Path dir = dirsByKey.remove(key);
        if (dir != null && key.equals(keysByDir.get(dir))) {
            keysByDir.remove(dir);
        }
    }

    void moveUnder(Path from, Path to) {
        for (Map.Entry<WatchKey, Path> entry : dirsByKey.entrySet()) {
            if (entry.getValue().startsWith(from)) {
                entry.setValue(to.resolve(from.relativize(entry.getValue())));
            }
        }
        Map<Path, WatchKey> moved = new HashMap<>();
        keysByDir.entrySet().removeIf(entry -> {
            if (entry.getKey().startsWith(from)) {
                moved.put(to.resolve(from.relativize(entry.getKey())), entry.getValue());
                return true;
            }
            return false;
        });
        keysByDir.putAll(moved);
        List<Path> movedUnreadable = unreadable.stream().filter(p -> p.startsWith(from)).toList();
        unreadable.removeAll(movedUnreadable);
        movedUnreadable.forEach(p -> unreadable.add(to.resolve(from.relativize(p))));
    }

    /** Stops watching a folder and everything below it. */
    void dropUnder(Path dir) {
        for (Path watched : keysByDir.keySet().stream().filter(p -> p.startsWith(dir)).toList()) {
            WatchKey key = keysByDir.remove(watched);
            dirsByKey.remove(key);
            key.cancel();
        }
        unreadable.removeIf(p -> p.startsWith(dir));
    }

    boolean owns(WatchKey key) {
        return dirsByKey.containsKey(key);
    }

    void cancelAll() {
        dirsByKey.keySet().forEach(WatchKey::cancel);
        clear();
    }

    /** Forgets every key without cancelling: for when the watch service itself closed. */
    void clear() {
        dirsByKey.clear();
        keysByDir.clear();
        unreadable.clear();
    }

    static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
