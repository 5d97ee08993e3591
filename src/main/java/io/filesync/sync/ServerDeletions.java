package io.filesync.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.filesync.core.DryRunRecords;
import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way the sync client destroys data on its server: deleting a path (a file, or a folder with everything in
 * it) and forgetting it from what the client knows the server holds. Every deletion goes through here, whether the
 * path is gone locally, replaced by another kind of entry, or held only by the server at the initial sync.
 * <p>
 * With dry run on, nothing is deleted and nothing is forgotten: the client keeps believing the server holds the path,
 * so the same deletion is due again once dry run is off, and a file that comes back with the content the server
 * still holds is recognised and not sent. Each spared path is logged and recorded once per run through
 * {@link DryRunRecords}; a folder's content, gone with it, is spared under the folder's name, as one deletion, the way
 * a real run sends it.
 */
final class ServerDeletions {

    /** The job named in filesync_dry_run, as in filesync_errors. */
    static final String JOB = "sync-client";
    private static final Logger LOG = LoggerFactory.getLogger(ServerDeletions.class);

    private final Path root;
    private final SyncTransport transport;
    private final FileVersionRepository state;
    private final ManifestCache cache;
    /** Null when deletions are done. */
    private final DryRunRecords dryRun;
    /** Paths already logged and recorded as spared in this run, so a rescan or the events of a folder's content do not repeat them. */
    private final Set<String> spared = ConcurrentHashMap.newKeySet();

    /**
     * @param dryRun where spared deletions are recorded, or null to delete
     */
    ServerDeletions(Path root, SyncTransport transport, FileVersionRepository state, ManifestCache cache, DryRunRecords dryRun) {
        this.root = root;
        this.transport = transport;
        this.state = state;
        this.cache = cache;
        this.dryRun = dryRun;
    }

    boolean dryRun() {
        return dryRun != null;
    }

    /**
     * Deletes a path on the server and forgets it and everything under it, or, in dry run, only says it would have.
     *
     * @param why what made the deletion due, for the dry-run record
     * @return true when deleted; false when dry run spared it, and the server still holds it
     */
    boolean delete(String path, String why) throws IOException {
        if (dryRun != null) {
            String subject = subject(path);
            if (spared.add(subject)) {
                dryRun.wouldHave(JOB, "delete", subject, "on " + transport.base() + ": " + (subject.equals(path) ? why
                        : "its folder is gone from the local folder"));
            }
            return false;
        }
        try {
            transport.delete(path);
        } catch (BadInputException refused) {
            // A path the server refuses to name is one it cannot hold: nothing there to delete.
            LOG.debug("Sync: the server refused to delete {}, forgotten: {}", SyncPaths.printable(path), refused.getMessage());
        }
        Map<String, String> under = state.snapshot(path + "/");
        List<String> forgotten = new ArrayList<>(under.keySet());
        forgotten.add(path);
        state.writeBatch(Map.of(), forgotten);
        cache.forget(forgotten);
        return true;
    }

    /**
     * Whether the path cannot be sent because one of its folders is, on the server, a file the dry run kept there (a
     * file replaced here by a folder): what is inside waits with that folder, and is sent once dry run is off.
     */
    boolean insideKeptFile(String path) {
        if (dryRun == null) {
            return false;
        }
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            String there = state.version(path.substring(0, slash));
            if (there != null && UnsyncedPaths.held(there) && !TreeReconciler.DIRECTORY.equals(there)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The deletion that covers a path: that of its highest folder the server holds and that is no longer a folder
     * here. A real run deletes that folder in one request, with the path in it; naming it alone keeps a folder's
     * deletion one record, whichever of its entries' events comes first.
     */
    private String subject(String path) {
        String subject = path;
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            String folder = path.substring(0, slash);
            if (!TreeReconciler.DIRECTORY.equals(state.version(folder))
                    || Files.isDirectory(root.resolve(folder), LinkOption.NOFOLLOW_LINKS)) {
                break;
            }
            subject = folder;
        }
        return subject;
    }
}
