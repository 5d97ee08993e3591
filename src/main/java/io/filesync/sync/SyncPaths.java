package io.filesync.sync;

import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import io.filesync.core.ConfinedFolders;
import io.filesync.core.error.BadInputException;

/**
 * How a path crosses the wire, on both sides: relative, its names joined by '/', each name exactly as the file
 * system spells it. On Linux a name may hold any byte but '/' and NUL (a newline, a backslash, '%2e%2e'), so a name
 * is only refused where the side at hand cannot hold it: on the client, a name Java cannot spell as a String (bytes
 * that are not valid in the platform's file-name charset, UTF-8); on the server, a name its own file system cannot
 * represent as one name (a backslash on Windows, say), or one it keeps for its own temporary files.
 * <p>
 * Paths arrive in JSON bodies and are never URL-decoded, so a '%' or a backslash is an ordinary character here; what
 * could leave the root ('..', an absolute path, an empty name, a link) is refused here and by
 * {@link io.filesync.output.SandboxedWriter}.
 */
final class SyncPaths {

    private SyncPaths() {
    }

    /** Refuses a path that is not a plain '/'-separated list of names this server's file system can hold. */
    static String checked(String path) {
        if (path == null || path.isEmpty()) {
            throw new BadInputException(String.valueOf(path), "refused: no path given");
        }
        if (path.indexOf('\0') >= 0) {
            throw new BadInputException(path.replace("\0", "\\0"), "refused: path contains a NUL byte");
        }
        for (String name : path.split("/", -1)) {
            if (name.isEmpty()) {
                throw new BadInputException(path, "refused: not a relative path of names (an empty name: a leading,"
                        + " trailing or doubled '/')");
            }
            if (name.equals(".") || name.equals("..")) {
                throw new BadInputException(path, "refused: '" + name + "' is not a name; paths may not leave the root");
            }
            if (SyncServerTree.isTemporary(name)) {
                throw new BadInputException(path, "refused: the server cannot hold the name '" + name + "': names starting"
                        + " with " + FileAssembler.TEMP_PREFIX + " or " + ConfinedFolders.NEW_FOLDER_PREFIX
                        + " are its own temporary files");
            }
            if (!representable(name)) {
                throw new BadInputException(path, "refused: the server's file system cannot hold the name '" + name + "'");
            }
        }
        return path;
    }

    /** Whether the name is one name of this server's file system, spelled back exactly as given. */
    private static boolean representable(String name) {
        try {
            Path parsed = FileSystems.getDefault().getPath(name);
            return !parsed.isAbsolute() && parsed.getNameCount() == 1 && parsed.toString().equals(name);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /**
     * The wire form of a path relative to a root: its names joined by '/' (never a backslash turned into a
     * separator), or null when a name is not {@link #spelledExactly spelled exactly} by its String.
     */
    static String wirePath(Path relative) {
        StringBuilder wire = new StringBuilder();
        for (Path name : relative) {
            if (!spelledExactly(name)) {
                return null;
            }
            if (wire.length() > 0) {
                wire.append('/');
            }
            wire.append(name);
        }
        return wire.toString();
    }

    /**
     * Whether a name read from the file system survives the round trip through its String: bytes that are not valid
     * in the file-name charset are decoded as U+FFFD, and that String names another file (or none).
     */
    static boolean spelledExactly(Path name) {
        try {
            return name.getFileSystem().getPath(name.toString()).equals(name);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** A path as a log line shows it: control characters escaped, so a name cannot forge or break lines. */
    static String printable(String path) {
        if (path == null || path.chars().noneMatch(c -> c < 0x20 || c == 0x7f)) {
            return path;
        }
        StringBuilder shown = new StringBuilder();
        path.chars().forEach(c -> {
            switch (c) {
                case '\n' -> shown.append("\\n");
                case '\r' -> shown.append("\\r");
                case '\t' -> shown.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        shown.append(String.format("\\x%02x", c));
                    } else {
                        shown.append((char) c);
                    }
                }
            }
        });
        return shown.toString();
    }
}
