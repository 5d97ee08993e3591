package io.filesync.sync;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.filesync.core.FileVersionRepository;

/**
 * The client's paths that cannot be synced, each reported once: a file or folder the server refused on its own (a
 * name it cannot hold), a name Java cannot spell, an entry that cannot be read. A refusal is remembered in the
 * client's file state like what the server holds, so it is not offered, nor reported, again until the file changes
 * (a file: its size or mtime; a folder: its name), across restarts too; what lies inside a refused folder is covered
 * by that folder's report.
 */
final class UnsyncedPaths {

    /** Remembered for a folder the server refused, or whose name cannot be spelled: not offered again. */
    static final String REFUSED_FOLDER = "d|" + FileSender.REFUSED;

    /** Where a path that cannot be synced is reported. */
    @FunctionalInterface
    interface Reporter {
        void report(String path, String reason);
    }

    private final Path root;
    private final FileVersionRepository state;
    private final Reporter reporter;
    /** Entries that could not be read, reported once per run: nothing is remembered of them. */
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();

    UnsyncedPaths(Path root, FileVersionRepository state, Reporter reporter) {
        this.root = root;
        this.state = state;
        this.reporter = reporter;
    }

    /** Whether the server holds something at a path this client remembers (not a path it refused). */
    static boolean held(String mine) {
        return mine != null && !mine.equals(REFUSED_FOLDER) && !mine.endsWith("|" + FileSender.REFUSED);
    }

    /** Whether a path lies inside one of the folders (not whether it is one). */
    static boolean within(String path, Set<String> folders) {
        if (folders.isEmpty()) {
            return false;
        }
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            if (folders.contains(path.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a folder on the way to a path is one the server refused. */
    boolean insideRefusedFolder(String path) {
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            if (REFUSED_FOLDER.equals(state.version(path.substring(0, slash)))) {
                return true;
            }
        }
        return false;
    }

    /** A folder the server refused: reported; the caller remembers it as {@link #REFUSED_FOLDER}. */
    void folderRefused(String path, String reason) {
        reporter.report(path, "the sync server refused the folder, it and what it holds are not synced: " + reason);
    }

    /** A file the server refused: reported; the version the caller remembers ends in {@link FileSender#REFUSED}. */
    void fileRefused(String path, String reason) {
        reporter.report(path, "the sync server refused the file, it is not synced until it changes: " + reason);
    }

    /** An entry the walk could not read (a path too long to open, a folder it may not list): reported once per run. */
    void unreadable(String path, IOException e) {
        if (unreadable.add(path)) {
            reporter.report(path, "not synced: it cannot be read (" + e + "); what the server holds there is kept");
        }
    }

    /**
     * Reports a file or folder whose name Java cannot spell (not valid UTF-8, the platform's file-name charset), once
     * per version, remembered like a refusal: sending it under the String Java makes of it would create, or
     * overwrite, another name.
     *
     * @return its state key: its bytes percent-encoded after a '/', where no wire path starts
     */
    String unspellable(Path exact, BasicFileAttributes attributes) {
        String rootPath = root.toUri().getRawPath();
        String key = "/" + exact.toUri().getRawPath().substring(rootPath.length() + (rootPath.endsWith("/") ? 0 : 1));
        String version = attributes.isDirectory() ? REFUSED_FOLDER
                : attributes.size() + "|" + attributes.lastModifiedTime().toMillis() + "|" + FileSender.REFUSED;
        if (!version.equals(state.version(key))) {
            state.writeBatch(Map.of(key, version), List.of());
            reporter.report(root.relativize(exact).toString(), "not synced: the name is not valid in the file-name"
                    + " charset " + System.getProperty("sun.jnu.encoding") + " (its bytes, percent-encoded: " + key.substring(1)
                    + "); rename it to sync it" + (attributes.isDirectory() ? ", with what it holds" : ""));
        }
        return key;
    }
}
