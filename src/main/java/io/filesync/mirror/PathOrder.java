package io.filesync.mirror;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The per-path order of a mapping's actions: an action may run only when no running action and no older queued one
 * touches its path (or, for a move, its previous path). A folder's action also covers every path below the folder:
 * a send below a folder being moved waits for the move (and then finds its version already there), and a folder's
 * move or delete waits for the actions below it that came first. Decided in memory over the oldest queued actions
 * rather than by a correlated subquery, which cost a scan of the queue per queued row.
 */
final class PathOrder {

    private PathOrder() {
    }

    /**
     * Up to {@code limit} of {@code queued} (oldest first) that may run at {@code nowMillis}, each the first unfinished
     * action of its paths.
     */
    static List<MirrorAction> due(List<MirrorAction> running, List<MirrorAction> queued, long nowMillis, int limit) {
        Set<String> busy = new HashSet<>();
        Set<String> busyFolders = new HashSet<>();
        for (MirrorAction action : running) {
            mark(action, busy, busyFolders);
        }
        List<MirrorAction> due = new ArrayList<>();
        for (MirrorAction candidate : queued) {
            List<String> paths = paths(candidate);
            boolean free = paths.stream().noneMatch(path -> busy.contains(path) || belowAny(path, busyFolders))
                    && (!candidate.directory() || paths.stream().noneMatch(folder -> anyBelow(folder, busy)));
            mark(candidate, busy, busyFolders);
            if (free && candidate.dueAtMillis() <= nowMillis) {
                due.add(candidate);
                if (due.size() >= limit) {
                    break;
                }
            }
        }
        return due;
    }

    private static void mark(MirrorAction action, Set<String> busy, Set<String> busyFolders) {
        busy.addAll(paths(action));
        if (action.directory()) {
            busyFolders.addAll(paths(action));
        }
    }

    /** Whether a folder of {@code folders} holds {@code path}: a look-up per folder above it. */
    private static boolean belowAny(String path, Set<String> folders) {
        if (folders.isEmpty()) {
            return false;
        }
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            if (folders.contains(path.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a path of {@code paths} lies below {@code folder}; folder actions are rare, so a scan is affordable. */
    private static boolean anyBelow(String folder, Set<String> paths) {
        String prefix = folder + "/";
        return paths.stream().anyMatch(path -> path.startsWith(prefix));
    }

    private static List<String> paths(MirrorAction action) {
        return action.previousPath() == null ? List.of(action.path()) : List.of(action.path(), action.previousPath());
    }
}
