package io.filesync.mirror;

/**
 * One queued action, as stored in {@link ActionQueue}.
 *
 * @param id           position in the queue: actions on one path run in id order
 * @param kind         send, delete or move
 * @param path         remote-relative path ('/'-separated, relative to the mapping's root); for a move the new path
 * @param previousPath for a move, the path before; else null
 * @param version      the local version ({@code size|modified}) known when queued; may be null
 * @param directory    whether the path is a folder (deletes and moves of whole folders)
 * @param attempts     how many times it failed so far
 * @param dueAtMillis  not to run before this time (after a failure); 0 when due at once
 */
public record MirrorAction(long id, ActionKind kind, String path, String previousPath, String version,
                           boolean directory, int attempts, long dueAtMillis) {

    /** The path and, for moves, where from: for log lines and audit rows. */
    public String describe() {
        return kind == ActionKind.MOVE ? previousPath + " -> " + path : path;
    }
}
