package io.filesync.mirror;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A local root kept in step with a remote base: the remote path of a file is the base plus its path relative to the
 * root, '/'-separated on every OS.
 *
 * @param name            names the mapping in the queue, audit, upload and state tables; keep it stable
 * @param root            the local folder
 * @param completeSync    whether local deletions are mirrored (without it, remote copies of deleted files stay)
 * @param initialBackoff  first retry delay after a failure, in milliseconds
 * @param maxBackoff      cap of the retry delay, in milliseconds
 * @param concurrency     how many actions on different paths run at once (the remote may allow fewer)
 * @param moveWindow      how long, in milliseconds, a deletion the complete-sync comparison queues at start, or a file
 *                        exchange (not a watcher event) of a file just renamed, waits for the watcher to report a
 *                        rename, which then becomes a remote rename
 * @param dryRun          whether deletions on the remote are only logged and audited ("would delete"), never run
 */
public record MirrorMapping(String name, Path root, boolean completeSync, long initialBackoff, long maxBackoff, int concurrency,
                            long moveWindow, boolean dryRun) {

    /** The default {@link #moveWindow()}: long enough for the watcher's start-up report of renames made while stopped. */
    public static final long DEFAULT_MOVE_WINDOW = 2000;

    public MirrorMapping {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A mirror mapping needs a name");
        }
        root = root.toAbsolutePath().normalize();
    }

    /** Without dry run. */
    public MirrorMapping(String name, Path root, boolean completeSync, long initialBackoff, long maxBackoff, int concurrency,
                         long moveWindow) {
        this(name, root, completeSync, initialBackoff, maxBackoff, concurrency, moveWindow, false);
    }

    /**
     * The mass-delete guard: a root that is missing or empty (an unmounted disk) is no request to empty the remote, so
     * no deletion is mirrored while this holds.
     */
    public boolean rootMissingOrEmpty() throws IOException {
        if (!Files.isDirectory(root)) {
            return true;
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries.findAny().isEmpty();
        }
    }

    /** The '/'-separated path of a local file relative to the root. */
    public String relative(Path file) {
        Path relative = root.relativize(file.toAbsolutePath().normalize());
        StringBuilder path = new StringBuilder();
        for (Path segment : relative) {
            path.append(path.length() == 0 ? "" : "/").append(segment);
        }
        return path.toString();
    }

    /** The local file of a '/'-separated relative path. */
    public Path local(String path) {
        Path file = root;
        for (String segment : path.split("/")) {
            if (!segment.isEmpty()) {
                file = file.resolve(segment);
            }
        }
        return file;
    }

    /** The key the mirror's record of what the remote holds is kept under, in table filesync_file_state. */
    public String stateKey() {
        return "filesync-mirror:" + name;
    }
}
