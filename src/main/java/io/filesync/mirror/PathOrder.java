package io.filesync.mirror;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The per-path order of a mapping's actions: an action may run only when no running action and no older queued one
 * touches its path (or, for a move, its previous path). Decided in memory over the oldest queued actions rather than
 * by a correlated subquery, which cost a scan of the queue per queued row.
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
        for (MirrorAction action : running) {
            busy.addAll(paths(action));
        }
        List<MirrorAction> due = new ArrayList<>();
        for (MirrorAction candidate : queued) {
            List<String> paths = paths(candidate);
            boolean free = paths.stream().noneMatch(busy::contains);
            busy.addAll(paths);
            if (free && candidate.dueAtMillis() <= nowMillis) {
                due.add(candidate);
                if (due.size() >= limit) {
                    break;
                }
            }
        }
        return due;
    }

    private static List<String> paths(MirrorAction action) {
        return action.previousPath() == null ? List.of(action.path()) : List.of(action.path(), action.previousPath());
    }
}
