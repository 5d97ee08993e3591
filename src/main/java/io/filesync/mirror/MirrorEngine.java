package io.filesync.mirror;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ExecutorService;

import javax.sql.DataSource;

import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.ErrorRecorder;
import io.filesync.mirror.MirrorAudit.Event;
import io.filesync.mirror.MirrorAudit.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mapping's mirror: records changes as actions in the durable {@link ActionQueue} and runs them against the
 * {@link Remote} ({@link ActionDispatcher}), oldest first, several at once but one at a time per path.
 * <ul>
 * <li>A change is committed with its audit row in one transaction before the call returns.</li>
 * <li>The remote as a whole failing pauses the queue with exponential backoff and jitter ({@link Backoff}); changes
 * keep being recorded meanwhile, and the queue drains by itself when the remote answers again.</li>
 * <li>What the remote holds is kept per path in table filesync_file_state under {@link MirrorMapping#stateKey()}:
 * the version sent and the checksum the remote verified.</li>
 * </ul>
 */
public final class MirrorEngine {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorEngine.class);

    private final MirrorMapping mapping;
    private final Remote remote;
    private final ActionQueue queue;
    private final MirrorAudit audit;
    private final FileVersionRepository remoteState;
    private final int concurrency;
    private final ActionDispatcher dispatcher;

    /** @param errors where failures are also recorded for the shared error table; may be null */
    public MirrorEngine(MirrorMapping mapping, Remote remote, DataSource dataSource, ErrorRecorder errors) {
        this.mapping = mapping;
        this.remote = remote;
        this.queue = new ActionQueue(dataSource, mapping.name());
        this.audit = new MirrorAudit(dataSource);
        this.remoteState = new FileVersionRepository(dataSource, mapping.stateKey());
        this.concurrency = Math.max(1, Math.min(mapping.concurrency(), remote.maxConcurrency()));
        this.dispatcher = new ActionDispatcher(mapping, remote, queue, audit, remoteState, errors, concurrency, this::fileChanged);
    }

    public MirrorMapping mapping() {
        return mapping;
    }

    public ActionQueue queue() {
        return queue;
    }

    // ---- recording changes (caller's thread; durable when these return) ----

    /** A file is new or changed: queue a send of its current content, unless the remote already holds this version. */
    public void fileChanged(String path) throws IOException, SQLException {
        FileStamp stamp;
        try {
            stamp = FileStamp.of(mapping.local(path));
        } catch (NoSuchFileException gone) {
            return;
        }
        String version = stamp.version();
        if (version.equals(FileStamp.versionOf(remoteState.version(path))) && !queue.hasPending(path)) {
            return;
        }
        queued(ActionKind.SEND, path, null, version, false);
    }

    /** A file or folder is gone locally: queue a remote delete in complete-sync mode, else leave the remote copy. */
    public void deleted(String path, boolean directory) throws SQLException {
        if (!mapping.completeSync()) {
            audit.record(mapping.name(), null, ActionKind.DELETE, path, null, Event.SKIPPED, null,
                    "complete-sync is off: the remote copy is kept");
            return;
        }
        queued(ActionKind.DELETE, path, null, null, directory);
    }

    /** A file or folder was renamed: queue a remote rename, or a send when the remote never had it. */
    public void moved(String from, String to, boolean directory) throws IOException, SQLException {
        if (!directory && remoteState.version(from) == null && !queue.hasPending(from)) {
            fileChanged(to);
            return;
        }
        String version = null;
        if (!directory) {
            try {
                version = FileStamp.of(mapping.local(to)).version();
            } catch (NoSuchFileException gone) {
                version = null;
            }
        }
        queued(ActionKind.MOVE, to, from, version, directory);
    }

    /** The action and its audit row commit together: one transaction per change. */
    private void queued(ActionKind kind, String path, String previousPath, String version, boolean directory) throws SQLException {
        queue.write(connection -> {
            ActionQueue.Outcome outcome = queue.enqueue(connection, kind, path, previousPath, version, directory);
            audit.insert(connection, List.of(new Row(mapping.name(), null, kind, path, previousPath, switch (outcome) {
                case QUEUED -> Event.QUEUED;
                case COALESCED -> Event.COALESCED;
                case SKIPPED -> Event.SKIPPED;
            }, null, outcome == ActionQueue.Outcome.SKIPPED ? "already on its way: " + version : version)));
            return outcome;
        });
        dispatcher.wake();
    }

    // ---- executing ----

    /** How many actions run at once: the mapping's setting, bounded by what the remote supports. */
    public int concurrency() {
        return concurrency;
    }

    /**
     * Starts executing: the dispatcher on {@code dispatcher}, the actions on {@code workers} (at least
     * {@link #concurrency()} threads). Actions left running by a crash or stop are queued again first.
     */
    public void start(ExecutorService dispatcher, ExecutorService workers) {
        this.dispatcher.start(dispatcher, workers);
        LOG.info("mirror {}: {} -> {}, complete-sync {}, {} at once", mapping.name(), mapping.root(), remote.describe(),
                mapping.completeSync() ? "on" : "off", concurrency);
    }

    /** Stops between actions or between the parts of a large upload, which resumes on the next start. */
    public void stop() {
        dispatcher.stop();
        remote.close();
    }
}
