package io.filesync.watch;

/**
 * What happened to a path under a watched target. Names are part of the JSON schema of {@link ChangeEvent}: they
 * never change, new kinds are only ever added.
 */
public enum ChangeType {
    /** A file appeared (created, moved in from outside the tree, or found on a rescan) and has settled. */
    FILE_CREATED(false),
    /** A file's content or modification time changed, and has settled again. */
    FILE_UPDATED(false),
    /** A file was renamed or moved within the tree; {@link ChangeEvent#previousPath()} says from where. */
    FILE_MOVED(false),
    /** A file disappeared (deleted, or moved out of the tree). */
    FILE_DELETED(false),
    /** A directory appeared. Its content follows as separate events. */
    DIRECTORY_CREATED(true),
    /** A directory was renamed or moved within the tree: one event, none for what it contains. */
    DIRECTORY_MOVED(true),
    /** A directory disappeared, after a delete event for everything it contained. */
    DIRECTORY_DELETED(true),
    /** The watched target itself appeared (or reappeared, possibly as the other kind); watching has begun. */
    TARGET_CREATED(false),
    /** The watched target itself disappeared, after delete events for everything it contained. */
    TARGET_DELETED(false);

    private final boolean directory;

    ChangeType(boolean directory) {
        this.directory = directory;
    }

    /** True for the directory kinds; the target kinds say it through {@link ChangeEvent#directory()}. */
    public boolean isDirectoryType() {
        return directory;
    }

    public boolean isMove() {
        return this == FILE_MOVED || this == DIRECTORY_MOVED;
    }

    public boolean isDeletion() {
        return this == FILE_DELETED || this == DIRECTORY_DELETED || this == TARGET_DELETED;
    }
}
