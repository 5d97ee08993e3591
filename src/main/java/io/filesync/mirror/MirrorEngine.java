package io.filesync.mirror;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

import javax.sql.DataSource;

import io.filesync.core.DryRunRecords;
import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.ErrorRecorder;
import io.filesync.core.observe.Progress;
import io.filesync.mirror.MirrorAudit.Event;
import io.filesync.mirror.MirrorAudit.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mapping's mirror: records changes as actions in the durable {@link ActionQueue} and runs them against the
 * {@link Remote} ({@link ActionDispatcher}), oldest first, several at once but one at a time per path.
 * <ul>
 * <li>A change is committed with its audit row in one transaction before the call returns.</li>
 * <li>The remote as a whole failing pauses the queue with exponential backoff and jitter
 * ({@link io.filesync.core.retry.Backoff}); changes keep being recorded meanwhile, and the queue drains by itself
 * when the remote answers again.</li>
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
    private final DryRunRecords dryRun;
    private final FileVersionRepository remoteState;
    private final int concurrency;
    private final ActionDispatcher dispatcher;

    /** @param errors where failures are also recorded for the shared error table; may be null */
    public MirrorEngine(MirrorMapping mapping, Remote remote, DataSource dataSource, ErrorRecorder errors) {
        this(mapping, remote, dataSource, errors, Progress.silent());
    }

    /** @param progress where actions completed, the queue draining and large uploads are said in the log */
    public MirrorEngine(MirrorMapping mapping, Remote remote, DataSource dataSource, ErrorRecorder errors, Progress progress) {
        this.mapping = mapping;
        this.remote = remote;
        this.queue = new ActionQueue(dataSource, mapping.name());
        this.audit = new MirrorAudit(dataSource);
        this.dryRun = new DryRunRecords(dataSource);
        this.remoteState = new FileVersionRepository(dataSource, mapping.stateKey());
        this.concurrency = Math.max(1, Math.min(mapping.concurrency(), remote.maxConcurrency()));
        this.dispatcher = new ActionDispatcher(mapping, remote, queue, audit, remoteState, errors, concurrency, this::fileChanged,
                mapping.completeSync() ? new RemoteSweep(mapping, remote, audit,
                        (path, reason) -> deleted(path, false, reason, System.currentTimeMillis() + mapping.moveWindow())) : null,
                progress);
    }

    public MirrorMapping mapping() {
        return mapping;
    }

    public ActionQueue queue() {
        return queue;
    }

    /** The remote, for the mapping's readiness probe and byte count. */
    Remote remote() {
        return remote;
    }

    /** What the mapping's actions came to, for its metrics. */
    MirrorMeters meters() {
        return dispatcher.meters();
    }

    // ---- recording changes (caller's thread; durable when these return) ----

    /**
     * A file is new or changed, as a file exchange (a file consumer, not the watcher) or the walk of a moved folder says:
     * queue a send of its current content, unless the remote already holds this version.
     * <p>
     * A renamed file keeps its modification time, so a file consumer may hand it over as new before the watcher reports
     * the rename. A path the remote lacks whose file was renamed lately (its status changed after its content) is
     * therefore held until {@link MirrorMapping#moveWindow()} after that change: the rename, when it comes, replaces
     * the send ({@link ActionQueue.Outcome#REPLACED_SEND}) and the remote renames its copy instead of receiving a second.
     */
    public void fileChanged(String path) throws IOException, SQLException {
        send(path, true);
    }

    /**
     * A file the watcher reported created or updated: queue a send, unless the remote already holds this version. The
     * watcher pairs a rename itself and reports it as one move, so unlike {@link #fileChanged} nothing waits for one.
     */
    public void fileWritten(String path) throws IOException, SQLException {
        send(path, false);
    }

    private void send(String path, boolean mayBeRenamed) throws IOException, SQLException {
        Path file = mapping.local(path);
        FileStamp stamp;
        try {
            stamp = FileStamp.of(file);
        } catch (NoSuchFileException gone) {
            return;
        }
        String version = stamp.version();
        String remoteVersion = remoteState.version(path);
        if (version.equals(FileStamp.versionOf(remoteVersion)) && !queue.hasPending(path)) {
            return;
        }
        long dueAt = 0;
        if (remoteVersion == null && mayBeRenamed) {
            long renamedAt = renamedAtMillis(mapping.root(), file, stamp);
            dueAt = renamedAt < 0 ? 0 : renamedAt + mapping.moveWindow();
        }
        queued(ActionKind.SEND, path, null, version, false, dueAt, null);
    }

    /**
     * When the file, or a folder between it and the root, last had its status changed after the file's content did (a
     * rename of the file or of a folder above it, or a copy that kept the modification time), the time of the latest
     * such change; else, or where the platform has no status change time, -1. The folders count because renaming a
     * folder changes its own status time, not that of the files inside, which the file source then finds as new.
     */
    static long renamedAtMillis(Path root, Path file, FileStamp stamp) {
        long latest = -1;
        for (Path entry = file; entry != null && entry.startsWith(root) && !entry.equals(root); entry = entry.getParent()) {
            try {
                long changedMillis = ((FileTime) Files.getAttribute(entry, "unix:ctime", LinkOption.NOFOLLOW_LINKS)).toMillis();
                if (changedMillis > stamp.modifiedMillis()) {
                    latest = Math.max(latest, changedMillis);
                }
            } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
                return latest;
            }
        }
        return latest;
    }

    /** A file or folder is gone locally: queue a remote delete in complete-sync mode, else leave the remote copy. */
    public void deleted(String path, boolean directory) throws SQLException {
        deleted(path, directory, null);
    }

    /**
     * As {@link #deleted(String, boolean)}, with why the delete is queued for the audit row. In dry run the delete is
     * only audited and logged.
     */
    void deleted(String path, boolean directory, String reason) throws SQLException {
        deleted(path, directory, reason, 0);
    }

    /**
     * As {@link #deleted(String, boolean, String)}, not to run before {@code dueAtMillis}: a file missing locally may
     * have been renamed, and the rename, when the watcher reports it, replaces the delete.
     */
    void deleted(String path, boolean directory, String reason, long dueAtMillis) throws SQLException {
        if (!mapping.completeSync()) {
            audit.record(mapping.name(), null, ActionKind.DELETE, path, null, Event.SKIPPED, null,
                    "complete-sync is off: the remote copy is kept");
            return;
        }
        if (mapping.dryRun()) {
            dryRun.wouldHave(mapping.name(), "delete", path, "on " + remote.describe() + (reason == null ? "" : ": " + reason));
            audit.record(mapping.name(), null, ActionKind.DELETE, path, null, Event.SKIPPED, null,
                    "dry run: would delete" + (reason == null ? "" : ": " + reason));
            return;
        }
        queued(ActionKind.DELETE, path, null, null, directory, dueAtMillis, reason);
    }

    /** A file or folder was renamed: queue a remote rename, or a send when the remote never had it. */
    public void moved(String from, String to, boolean directory) throws IOException, SQLException {
        if (!directory && remoteState.version(from) == null && !queue.hasPending(from)) {
            send(to, false);
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
        queued(ActionKind.MOVE, to, from, version, directory, 0, null);
    }

    /**
     * The action and its audit row commit together: one transaction per change. The row's detail is {@code why}
     * where given, else the version.
     */
    private void queued(ActionKind kind, String path, String previousPath, String version, boolean directory, long dueAt,
                        String why) throws SQLException {
        queue.write(connection -> {
            List<Row> replaced = new ArrayList<>();
            if (kind == ActionKind.MOVE && directory) {
                for (String below : queue.dropWaiting(connection, ActionKind.SEND, path, true)) {
                    replaced.add(new Row(mapping.name(), null, ActionKind.SEND, below, null, Event.SKIPPED, null,
                            "the rename of the folder " + previousPath + " brings it (checked again once renamed)"));
                }
            }
            if (kind == ActionKind.MOVE) {
                for (String gone : queue.dropWaiting(connection, ActionKind.DELETE, previousPath, directory)) {
                    replaced.add(new Row(mapping.name(), null, ActionKind.DELETE, gone, null, Event.SKIPPED, null,
                            "the rename to " + path + " takes it off the remote"));
                }
            }
            ActionQueue.Outcome outcome = queue.enqueue(connection, kind, path, previousPath, version, directory, dueAt);
            Row row = new Row(mapping.name(), null, kind, path, previousPath, switch (outcome) {
                case QUEUED, REPLACED_SEND -> Event.QUEUED;
                case COALESCED -> Event.COALESCED;
                case SKIPPED -> Event.SKIPPED;
            }, null, outcome == ActionQueue.Outcome.SKIPPED ? "already on its way: " + version : why != null ? why : version);
            replaced.add(0, row);
            if (outcome == ActionQueue.Outcome.REPLACED_SEND) {
                replaced.add(new Row(mapping.name(), null, ActionKind.SEND, path, null, Event.SKIPPED, null,
                        "the rename from " + previousPath + " brings this version: " + version));
            }
            audit.insert(connection, replaced);
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
        LOG.info("mirror {}: {} -> {}, complete-sync {}{}, {} at once", mapping.name(), mapping.root(), remote.describe(),
                mapping.completeSync() ? "on" : "off", mapping.dryRun() ? " (dry run: deletions only audited)" : "", concurrency);
    }

    /** Stops between actions or between the parts of a large upload, which resumes on the next start. */
    public void stop() {
        dispatcher.stop();
        remote.close();
    }
}
