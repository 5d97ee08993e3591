package io.filesync.mirror;

/** What the remote must do for one path. Names are stored in the queue and audit tables: never renamed. */
public enum ActionKind {
    /** Upload the local file's current content. */
    SEND,
    /** Remove the remote copy (a file, or for a directory everything below it). */
    DELETE,
    /** Rename the remote copy from the previous path: no re-upload. */
    MOVE
}
