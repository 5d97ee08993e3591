package io.filesync.mirror;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;

import io.filesync.mirror.MirrorAudit.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the remote an exact mirror in complete-sync mode, as {@code rclone sync} does: lists the remote below the
 * mapping's base and deletes each file with no local counterpart, hidden ones excepted. Change events only report deletions filesync saw
 * (or found in the watcher's snapshot); a file deleted while complete-sync was off, or put on the remote by someone
 * else, would otherwise stay there for good.
 * <p>
 * The deletions are ordinary delete actions: queued with their audit rows, run in order with the rest, and refused by
 * the mass-delete guard while the root is missing or empty, which also stops the sweep from starting at all. Each
 * waits the move window first: a file missing locally may have been renamed while filesync was stopped, and the
 * watcher's report of that rename replaces the delete. In dry run the engine only audits and logs what it would
 * delete.
 */
final class RemoteSweep {

    /** Where the sweep's deletions go: the engine's {@link MirrorEngine#deleted}. */
    @FunctionalInterface
    interface Deletions {
        void deleted(String path, String reason) throws SQLException;
    }

    /** How a sweep ended. */
    record Outcome(boolean refused, long listed, long stale) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(RemoteSweep.class);

    private final MirrorMapping mapping;
    private final Remote remote;
    private final MirrorAudit audit;
    private final Deletions deletions;

    RemoteSweep(MirrorMapping mapping, Remote remote, MirrorAudit audit, Deletions deletions) {
        this.mapping = mapping;
        this.remote = remote;
        this.audit = audit;
        this.deletions = deletions;
    }

    /** @param stopping asked between files: the sweep ends early when the mirror stops, and runs again on the next start */
    Outcome run(BooleanSupplier stopping) throws IOException, RemoteUnavailableException {
        if (mapping.rootMissingOrEmpty()) {
            String reason = "local root " + mapping.root() + " is missing or empty: the remote is not compared with it"
                    + " until it has content again (an unmounted disk is not a request to empty the remote)";
            LOG.warn("mirror {}: complete sync refused: {}", mapping.name(), reason);
            audit.record(mapping.name(), null, ActionKind.DELETE, "", null, Event.REFUSED, null, reason);
            return new Outcome(true, 0, 0);
        }
        long[] counts = new long[2];
        remote.listFiles(path -> {
            if (stopping.getAsBoolean()) {
                throw new InterruptedIOException("the mirror is stopping");
            }
            counts[0]++;
            if (!hidden(path) && !Files.exists(mapping.local(path), LinkOption.NOFOLLOW_LINKS)) {
                counts[1]++;
                try {
                    deletions.deleted(path, "on the remote, not in " + mapping.root() + " (complete sync)");
                } catch (SQLException e) {
                    throw new IOException("mirror state not reachable: " + e.getMessage(), e);
                }
            }
        });
        String summary = "complete sync compared " + counts[0] + " remote file(s) with " + mapping.root() + ": " + counts[1]
                + " without a local counterpart " + (mapping.dryRun() ? "(dry run: only audited)" : "queued for deletion");
        LOG.info("mirror {}: {}", mapping.name(), summary);
        audit.record(mapping.name(), null, ActionKind.DELETE, "", null, Event.COMPLETED, null, summary);
        return new Outcome(false, counts[0], counts[1]);
    }

    /**
     * Whether a name on the path starts with a dot. The mirror never sends such files ({@link MirrorProducer} ignores
     * the watcher's events for them, as camel-file skips hidden files and folders), so they are not its to delete: an SFTP mirror into a login folder keeps
     * {@code .ssh/authorized_keys}, and the hidden files of uploads under way stay.
     */
    static boolean hidden(String path) {
        return path.startsWith(".") || path.contains("/.");
    }
}
