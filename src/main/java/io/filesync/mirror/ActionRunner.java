package io.filesync.mirror;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.BadInputException;
import io.filesync.core.error.ErrorRecord;
import io.filesync.core.error.ErrorRecorder;
import io.filesync.core.observe.Progress;
import io.filesync.core.retry.Backoff;
import io.filesync.mirror.MirrorAudit.Event;
import io.filesync.mirror.MirrorAudit.Row;
import io.filesync.mirror.Settlement.Disposition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one action of a mapping against its remote and says how it ended, as a {@link Settlement} the engine commits
 * with others. It sorts failures: the remote as a whole unavailable pauses the queue; bad input is kept as failed; a
 * file that changed during its upload is sent again at once; anything else is retried with the action's own backoff.
 * Deletions never run for a path that exists locally again, nor while the local root is missing or empty.
 */
final class ActionRunner {

    /** What the runner needs from its engine. */
    interface Engine {
        /** Whether the engine is stopping: a large upload stops between parts. */
        boolean stopping();

        /** The remote as a whole failed: pause the queue. */
        void pause(String reason);

        /** The remote answered: end a pause. */
        void resumed();

        /** Queue a send of a file (a folder moved that the remote never had). */
        void fileChanged(String path) throws IOException, SQLException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ActionRunner.class);

    private final MirrorMapping mapping;
    private final Remote remote;
    private final FileVersionRepository remoteState;
    private final MirrorAudit audit;
    private final ErrorRecorder errors;
    private final Backoff backoff;
    private final Engine engine;
    private final Progress progress;
    /** Each completed action in one line, summarised per interval when many complete. */
    private final Progress.Tally completed;

    ActionRunner(MirrorMapping mapping, Remote remote, FileVersionRepository remoteState, MirrorAudit audit,
                 ErrorRecorder errors, Engine engine, Progress progress) {
        this.mapping = mapping;
        this.remote = remote;
        this.remoteState = remoteState;
        this.audit = audit;
        this.errors = errors;
        this.backoff = new Backoff(mapping.initialBackoff(), mapping.maxBackoff());
        this.engine = engine;
        this.progress = progress;
        this.completed = progress.tally(LOG, "mirror " + mapping.name(), "actions done");
    }

    /** The mapping stops: what the tally folded is said now. */
    void close() {
        completed.close();
    }

    Settlement run(MirrorAction action) {
        Map<String, String> sent = new HashMap<>();
        AtomicLong bytes = new AtomicLong();
        try {
            String detail = switch (action.kind()) {
                case SEND -> send(action, sent, bytes);
                case DELETE -> delete(action);
                case MOVE -> move(action, sent, bytes);
            };
            if (detail == null) {
                return refused(action);
            }
            engine.resumed();
            completed.completed(action.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + action.describe() + ": "
                    + detail, 1, bytes.get());
            return Settlement.done(action, row(action, Event.COMPLETED, detail), sent);
        } catch (RemoteUnavailableException e) {
            engine.pause(e.getMessage());
            return Settlement.retry(action, Disposition.RETRY_COUNTED, 0, e.getMessage(),
                    row(action, Event.FAILED, e.getMessage() + "; the queue pauses and retries"));
        } catch (ChangedDuringUploadException e) {
            return Settlement.retry(action, Disposition.RETRY, 0, e.getMessage(),
                    row(action, Event.RETRIED, e.getMessage() + "; sending the newest content"));
        } catch (InterruptedIOException e) {
            return Settlement.retry(action, Disposition.RETRY, 0, e.getMessage(), row(action, Event.FAILED, "interrupted: " + e.getMessage()));
        } catch (BadInputException e) {
            LOG.error("mirror {}: {} {}: {} (kept as failed until the path changes)", mapping.name(), action.kind(),
                    action.describe(), e.reason());
            recordError(action, e.reason(), e, false);
            return new Settlement(action, Disposition.FAILED, 0, e.reason(),
                    java.util.List.of(row(action, Event.FAILED, e.reason() + "; kept as failed until the path changes")), Map.of());
        } catch (IOException | SQLException | RuntimeException e) {
            long delay = backoff.delayMillis(action.attempts());
            String reason = describe(e);
            LOG.warn("mirror {}: {} {} failed: {} (kept, retry in {} ms)", mapping.name(), action.kind(), action.describe(),
                    reason, delay);
            recordError(action, reason, e, true);
            return Settlement.retry(action, Disposition.RETRY_COUNTED, System.currentTimeMillis() + delay, reason,
                    row(action, Event.FAILED, reason + "; retry in " + delay + " ms"));
        }
    }

    /** The mass-delete guard said no: the delete waits with backoff. */
    private Settlement refused(MirrorAction action) {
        long delay = backoff.delayMillis(action.attempts());
        String reason = "local root " + mapping.root() + " is missing or empty: deletions are not mirrored until it has"
                + " content again (an unmounted disk is not a request to empty the remote)";
        LOG.warn("mirror {}: refused to delete {}: {}", mapping.name(), action.path(), reason);
        return Settlement.retry(action, Disposition.RETRY_COUNTED, System.currentTimeMillis() + delay, reason,
                row(action, Event.REFUSED, reason));
    }

    private String send(MirrorAction action, Map<String, String> sent, AtomicLong bytes)
            throws IOException, RemoteUnavailableException, SQLException {
        Path file = mapping.local(action.path());
        // One look at the file says whether it is gone, a folder, or which version goes out.
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException gone) {
            return "nothing to send: the file is gone";
        }
        if (attributes.isDirectory()) {
            return "a folder: nothing to send";
        }
        FileStamp stamp = FileStamp.of(attributes);
        // The engine checks the remote's version before it queues a send, but a rename to this path may settle between
        // that check and the enqueue (seen in MirrorRoutesIT: the file source handed the renamed file over while the
        // rename ran). The send then finds the version already there, and nothing goes out twice.
        if (stamp.version().equals(FileStamp.versionOf(remoteState.version(action.path())))) {
            return "nothing to send: the remote already holds this version (" + stamp.version() + ")";
        }
        Remote.Sent result;
        try (PartsProgress parts = new PartsProgress(action, stamp.size())) {
            result = remote.send(action.path(), file, parts);
        }
        sent.put(action.path(), FileStamp.sentState(stamp.version(), result.checksum()));
        bytes.addAndGet(stamp.size());
        return result.detail();
    }

    /** Returns null when the mass-delete guard refuses. */
    private String delete(MirrorAction action) throws IOException, RemoteUnavailableException {
        if (Files.exists(mapping.local(action.path()))) {
            return "not deleted: the path exists locally again";
        }
        if (mapping.rootMissingOrEmpty()) {
            return null;
        }
        remote.delete(action.path(), action.directory());
        remoteState.forget(action.path());
        if (action.directory()) {
            remoteState.writeBatch(Map.of(), remoteState.snapshot(action.path() + "/").keySet());
        }
        return action.directory() ? "deleted the folder and what was below it" : "deleted";
    }

    private String move(MirrorAction action, Map<String, String> sent, AtomicLong bytes) throws IOException, RemoteUnavailableException, SQLException {
        if (remote.move(action.previousPath(), action.path(), action.directory())) {
            if (action.directory()) {
                Map<String, String> below = remoteState.snapshot(action.previousPath() + "/");
                Map<String, String> renamed = new HashMap<>();
                below.forEach((path, version) -> renamed.put(action.path() + path.substring(action.previousPath().length()), version));
                remoteState.writeBatch(renamed, below.keySet());
                // Sends of the moved files were dropped as the rename brings them: any file that is new or changed
                // since (or was never sent) is queued now; the others find their version on the remote and add nothing.
                queueFilesBelow(mapping.local(action.path()));
                return "renamed on the remote";
            }
            remoteState.rename(action.previousPath(), action.path());
            // The file may have changed between its last send and the move: the newest content must end up there.
            Path local = mapping.local(action.path());
            String held = FileStamp.versionOf(remoteState.version(action.path()));
            if (Files.isRegularFile(local) && !FileStamp.of(local).version().equals(held)) {
                return "renamed on the remote, then " + send(action, sent, bytes);
            }
            return "renamed on the remote";
        }
        // The remote never had it: send what is there now.
        Path local = mapping.local(action.path());
        if (action.directory()) {
            queueFilesBelow(local);
            return "not on the remote: its files were queued as sends";
        }
        return "not on the remote, sent instead: " + send(action, sent, bytes);
    }

    /** Asks the engine to send each file below a local folder, which it does only where the remote lacks that version. */
    private void queueFilesBelow(Path folder) throws IOException, SQLException {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                engine.fileChanged(mapping.relative(file));
            }
        }
    }

    /**
     * A large upload's parts: each confirmed part in the audit table, and in the log as parts done of total at the
     * reporter's pace, from the first part on (an upload in one request says nothing but its completion).
     */
    private final class PartsProgress implements Remote.Progress, AutoCloseable {
        private final MirrorAction action;
        private final long size;
        private Progress.Work work;

        PartsProgress(MirrorAction action, long size) {
            this.action = action;
            this.size = size;
        }

        @Override
        public void sent(int part, int parts, long bytes) {
            audit.record(mapping.name(), action, Event.PROGRESS, bytes, "part " + part + " of " + parts);
            synchronized (this) {
                if (work == null) {
                    work = progress.start(LOG, "mirror " + mapping.name() + ": uploading " + action.path(), "parts", parts, size);
                }
            }
            work.advance(1, bytes);
        }

        @Override
        public boolean stopping() {
            return engine.stopping();
        }

        @Override
        public synchronized void close() {
            if (work != null) {
                work.close();
            }
        }
    }

    private Row row(MirrorAction action, Event event, String detail) {
        return Row.of(mapping.name(), action, event, null, detail);
    }

    void recordError(MirrorAction action, String reason, Throwable failure, boolean retried) {
        if (errors != null) {
            errors.record(new ErrorRecord(Instant.now(), "mirror-" + mapping.name(), action == null ? remote.describe()
                    : action.describe(), null, null, null, reason, failure == null ? null : failure.getClass().getName(), retried));
        }
    }

    /** A failure in words an operator understands; local file problems say what filesync could not do to which file. */
    private static String describe(Throwable e) {
        if (e instanceof java.nio.file.AccessDeniedException denied) {
            return "cannot read " + denied.getFile() + ": permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException local && local.getFile() != null) {
            return "cannot read " + local.getFile() + ": " + (local.getReason() != null ? local.getReason() : e.getClass().getSimpleName());
        }
        return e.getMessage() != null ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getClass().getSimpleName();
    }
}
