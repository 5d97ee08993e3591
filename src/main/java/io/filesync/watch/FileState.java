package io.filesync.watch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the watcher remembers about one path: kind, size, modification time and identity (device and inode), the
 * latter so a path that vanished and one that appeared can be recognised as the same file moved.
 * <p>
 * Stored in the persisted snapshot as a compact string ({@link #encode()}), short enough for the 64-character version
 * column of the shared file state table.
 *
 * @param directory  whether it is a directory (symbolic links are never followed: a link is a file)
 * @param size       size in bytes, 0 for directories
 * @param mtimeNanos modification time in nanoseconds since the epoch
 * @param identity   device and inode as {@code dev:inode}, or a fallback when the platform has no file keys
 */
record FileState(boolean directory, long size, long mtimeNanos, String identity) {

    private static final Pattern UNIX_FILE_KEY = Pattern.compile("dev=([0-9a-fA-F]+),ino=(\\d+)");

    /** Reads the state of a path without following a final symbolic link; null when it does not exist (any more). */
    static FileState of(Path path) {
        return read(path, LinkOption.NOFOLLOW_LINKS);
    }

    /** As {@link #of(Path)}, following symbolic links: used for the target itself, which may be a link. */
    static FileState following(Path path) {
        return read(path);
    }

    private static FileState read(Path path, LinkOption... options) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, options);
            boolean directory = attributes.isDirectory();
            return new FileState(directory, directory ? 0 : attributes.size(),
                    attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS), identityOf(attributes, path));
        } catch (IOException e) {
            return null;
        }
    }

    private static String identityOf(BasicFileAttributes attributes, Path path) {
        Object key = attributes.fileKey();
        if (key == null) {
            // No inode on this platform: moves are then reported as delete and create.
            return "path:" + path.hashCode() + ':' + attributes.creationTime().toMillis();
        }
        Matcher unix = UNIX_FILE_KEY.matcher(key.toString());
        if (unix.find()) {
            return Long.toString(Long.parseLong(unix.group(1), 16), 36) + ':' + Long.toString(Long.parseLong(unix.group(2)), 36);
        }
        return Integer.toString(key.hashCode(), 36);
    }

    /** Same identity, kind, size and time: nothing to report. */
    boolean sameVersion(FileState other) {
        return other != null && directory == other.directory && identity.equals(other.identity)
                && (directory || (size == other.size && mtimeNanos == other.mtimeNanos));
    }

    /** Same kind, size and time: a file found elsewhere with the same identity is this one moved, not a reused inode. */
    boolean sameContentAs(FileState other) {
        return directory == other.directory && (directory || (size == other.size && mtimeNanos == other.mtimeNanos));
    }

    /**
     * The same file with a size and time no real state has: it is still recognised by identity, but never the same
     * version as what is on disk, so the next walk reports it as updated.
     */
    FileState withUnknownContent() {
        return new FileState(directory, -1, -1, identity);
    }

    String encode() {
        return directory ? "d|" + identity
                : "f|" + Long.toString(size, 36) + '|' + Long.toString(mtimeNanos, 36) + '|' + identity;
    }

    /** Reads {@link #encode()}'s form back; null for anything else (a row written by another job or version). */
    static FileState decode(String text) {
        if (text == null) {
            return null;
        }
        try {
            if (text.startsWith("d|")) {
                return new FileState(true, 0, 0, text.substring(2));
            }
            if (text.startsWith("f|")) {
                String[] parts = text.split("\\|", 4);
                return new FileState(false, Long.parseLong(parts[1], 36), Long.parseLong(parts[2], 36), parts[3]);
            }
        } catch (RuntimeException e) {
            return null;
        }
        return null;
    }
}
