package io.filesync.mirror;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.BadInputException;
import io.filesync.core.error.ErrorRecord;
import io.filesync.core.error.ErrorRecorder;
import io.filesync.mirror.MirrorAudit.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mapping's mirror: records changes as actions in the durable {@link ActionQueue} and runs them against the
 * {@link Remote} on one thread, oldest first, one path at a time.
 * <ul>
 * <li>The remote as a whole failing pauses the queue with exponential backoff and jitter ({@link Backoff}); changes
 * keep being recorded meanwhile, and the queue drains by itself when the remote answers again.</li>
 * <li>One action failing (an unreadable file) is retried later with its own backoff while the others go on; bad
 * input is kept as failed; a file that changed during its upload is sent again at once, newest content.</li>
 * <li>Deletions run only in complete-sync mode, never for a path that exists locally again, and never while the
 * local root is missing or empty (an unmounted disk is not a request to empty the remote).</li>
 * <li>What the remote holds is kept per path in table filesync_file_state under {@link MirrorMapping#stateKey()}.</li>
 * </ul>
 */
public final class MirrorEngine {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorEngine.class);
    private static final long IDLE_POLL_MILLIS = 1000;
    private static final long ABANDONED_CHECK_MILLIS = 3_600_000;

    private final MirrorMapping mapping;
    private final Remote remote;
    private final ActionQueue queue;
    private final MirrorAudit audit;
    private final FileVersionRepository remoteState;
    private final ErrorRecorder errors;
    private final Backoff backoff;
    private final Object signal = new Object();
    private boolean woken;
    private volatile boolean running;
    private volatile Future<?> loop;
    private final int concurrency;
    private final Semaphore permits;
    private ExecutorService workers;
    private int remoteFailures;
    private volatile long pausedUntil;
    private long nextAbandonedCheck;

    /** @param errors where failures are also recorded for the shared error table; may be null */
    public MirrorEngine(MirrorMapping mapping, Remote remote, DataSource dataSource, ErrorRecorder errors) {
        this.mapping = mapping;
        this.remote = remote;
        this.queue = new ActionQueue(dataSource, mapping.name());
        this.audit = new MirrorAudit(dataSource);
        this.remoteState = new FileVersionRepository(dataSource, mapping.stateKey());
        this.errors = errors;
        this.backoff = new Backoff(mapping.initialBackoff(), mapping.maxBackoff());
        this.concurrency = Math.max(1, Math.min(mapping.concurrency(), remote.maxConcurrency()));
        this.permits = new Semaphore(concurrency);
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
        if (version.equals(remoteState.version(path)) && !queue.hasPending(path)) {
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

    private void queued(ActionKind kind, String path, String previousPath, String version, boolean directory) throws SQLException {
        ActionQueue.Outcome outcome = queue.enqueue(kind, path, previousPath, version, directory);
        audit.record(mapping.name(), null, kind, path, previousPath, switch (outcome) {
            case QUEUED -> Event.QUEUED;
            case COALESCED -> Event.COALESCED;
            case SKIPPED -> Event.SKIPPED;
        }, null, outcome == ActionQueue.Outcome.SKIPPED ? "carried by a waiting move" : version);
        wake();
    }

    // ---- executing (one thread) ----

    /** How many actions run at once: the mapping's setting, bounded by what the remote supports. */
    public int concurrency() {
        return concurrency;
    }

    /**
     * Starts executing: the dispatcher on {@code dispatcher}, the actions on {@code workers} (at least
     * {@link #concurrency()} threads). Actions left running by a crash or stop are queued again first.
     */
    public void start(ExecutorService dispatcher, ExecutorService workers) {
        running = true;
        this.workers = workers;
        loop = dispatcher.submit(this::runLoop);
        LOG.info("mirror {}: {} -> {}, complete-sync {}, {} at once", mapping.name(), mapping.root(), remote.describe(),
                mapping.completeSync() ? "on" : "off", concurrency);
    }

    /** Stops between actions or between the parts of a large upload, which resumes on the next start. */
    public void stop() {
        running = false;
        wake();
        Future<?> running = loop;
        if (running != null) {
            try {
                running.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("mirror {}: executor did not stop cleanly: {}", mapping.name(), e.toString());
            }
        }
        remote.close();
    }

    private void runLoop() {
        boolean recovered = false;
        while (running) {
            long now = System.currentTimeMillis();
            try {
                if (!recovered) {
                    int requeued = queue.requeueRunning();
                    if (requeued > 0) {
                        LOG.info("mirror {}: {} action(s) interrupted by the last stop queued again", mapping.name(), requeued);
                    }
                    recovered = true;
                }
                if (now < pausedUntil) {
                    await(pausedUntil - now);
                    continue;
                }
                if (now >= nextAbandonedCheck) {
                    // Scheduled first: a failing check pauses once, then the actions get their turn and their audit rows.
                    nextAbandonedCheck = now + ABANDONED_CHECK_MILLIS;
                    int aborted = remote.abortAbandonedUploads();
                    if (aborted > 0) {
                        LOG.info("mirror {}: aborted {} abandoned multipart upload(s)", mapping.name(), aborted);
                    }
                }
                // Blocks until a worker is free, so the queue is asked again exactly when something can run.
                if (!permits.tryAcquire(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                List<MirrorAction> due = queue.due(now, permits.availablePermits() + 1);
                if (due.isEmpty()) {
                    permits.release();
                    await(IDLE_POLL_MILLIS);
                    continue;
                }
                for (int i = 0; i < due.size(); i++) {
                    if (i > 0 && !permits.tryAcquire()) {
                        break;
                    }
                    MirrorAction action = due.get(i);
                    // Marked running here, before the next query, so no action is handed out twice.
                    queue.start(action.id());
                    workers.execute(() -> {
                        try {
                            execute(action);
                        } catch (SQLException | RuntimeException e) {
                            pause(action, "mirror state not reachable: " + e.getMessage());
                        } finally {
                            permits.release();
                        }
                    });
                }
            } catch (RemoteUnavailableException e) {
                pause(null, e.getMessage());
            } catch (SQLException | IOException | RuntimeException e) {
                pause(null, "mirror state not reachable: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
        // In-flight actions stop between parts and are queued again at the next start.
        permits.acquireUninterruptibly(concurrency);
        permits.release(concurrency);
    }

    private void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    /** Runs one action; returns false when the remote is unavailable and the queue pauses. */
    private boolean execute(MirrorAction action) throws SQLException {
        if (action.attempts() > 0) {
            audit.record(mapping.name(), action, Event.RETRIED, null, "attempt " + (action.attempts() + 1));
        }
        audit.record(mapping.name(), action, Event.STARTED, null, null);
        try {
            String detail = switch (action.kind()) {
                case SEND -> send(action);
                case DELETE -> delete(action);
                case MOVE -> move(action);
            };
            if (detail == null) {
                return true;
            }
            // The audit row first: once the queue shows an action done, its record is there to read.
            audit.record(mapping.name(), action, Event.COMPLETED, null, detail);
            queue.complete(action.id());
            resumed();
            return true;
        } catch (RemoteUnavailableException e) {
            audit.record(mapping.name(), action, Event.FAILED, null, e.getMessage() + "; the queue pauses and retries");
            queue.retryAt(action.id(), 0, true, e.getMessage());
            pause(action, e.getMessage());
            return false;
        } catch (ChangedDuringUploadException e) {
            audit.record(mapping.name(), action, Event.RETRIED, null, e.getMessage() + "; sending the newest content");
            queue.retryAt(action.id(), 0, false, e.getMessage());
            return true;
        } catch (InterruptedIOException e) {
            audit.record(mapping.name(), action, Event.FAILED, null, "interrupted: " + e.getMessage());
            queue.retryAt(action.id(), 0, false, e.getMessage());
            return false;
        } catch (BadInputException e) {
            LOG.error("mirror {}: {} {}: {} (kept as failed until the path changes)", mapping.name(), action.kind(),
                    action.describe(), e.reason());
            audit.record(mapping.name(), action, Event.FAILED, null, e.reason() + "; kept as failed until the path changes");
            queue.fail(action.id(), e.reason());
            recordError(action, e.reason(), e, false);
            return true;
        } catch (IOException | RuntimeException e) {
            long delay = backoff.delayMillis(action.attempts());
            String reason = describe(e);
            LOG.warn("mirror {}: {} {} failed: {} (kept, retry in {} ms)", mapping.name(), action.kind(), action.describe(),
                    reason, delay);
            audit.record(mapping.name(), action, Event.FAILED, null, reason + "; retry in " + delay + " ms");
            queue.retryAt(action.id(), System.currentTimeMillis() + delay, true, reason);
            recordError(action, reason, e, true);
            return true;
        }
    }

    private String send(MirrorAction action) throws IOException, RemoteUnavailableException, SQLException {
        Path file = mapping.local(action.path());
        if (!Files.exists(file)) {
            return "nothing to send: the file is gone";
        }
        if (Files.isDirectory(file)) {
            return "a folder: nothing to send";
        }
        FileStamp stamp = FileStamp.of(file);
        String detail = remote.send(action.path(), file, progressOf(action));
        remoteState.put(action.path(), stamp.version());
        return detail;
    }

    private String delete(MirrorAction action) throws IOException, RemoteUnavailableException, SQLException {
        if (Files.exists(mapping.local(action.path()))) {
            return "not deleted: the path exists locally again";
        }
        if (rootMissingOrEmpty()) {
            long delay = backoff.delayMillis(action.attempts());
            String reason = "local root " + mapping.root() + " is missing or empty: deletions are not mirrored until it has"
                    + " content again (an unmounted disk is not a request to empty the remote)";
            LOG.warn("mirror {}: refused to delete {}: {}", mapping.name(), action.path(), reason);
            audit.record(mapping.name(), action, Event.REFUSED, null, reason);
            queue.retryAt(action.id(), System.currentTimeMillis() + delay, true, reason);
            return null;
        }
        remote.delete(action.path(), action.directory());
        forgetBelow(action.path(), action.directory());
        return action.directory() ? "deleted the folder and what was below it" : "deleted";
    }

    private String move(MirrorAction action) throws IOException, RemoteUnavailableException, SQLException {
        if (remote.move(action.previousPath(), action.path(), action.directory())) {
            if (action.directory()) {
                Map<String, String> below = remoteState.snapshot(action.previousPath() + "/");
                Map<String, String> renamed = new HashMap<>();
                below.forEach((path, version) -> renamed.put(action.path() + path.substring(action.previousPath().length()), version));
                remoteState.writeBatch(renamed, below.keySet());
                return "renamed on the remote";
            }
            remoteState.rename(action.previousPath(), action.path());
            // The file may have changed between its last send and the move: the newest content must end up there.
            Path local = mapping.local(action.path());
            String sent = remoteState.version(action.path());
            if (Files.isRegularFile(local) && !FileStamp.of(local).version().equals(sent)) {
                return "renamed on the remote, then " + send(action);
            }
            return "renamed on the remote";
        }
        // The remote never had it: send what is there now.
        Path local = mapping.local(action.path());
        if (action.directory()) {
            try (Stream<Path> files = Files.walk(local)) {
                for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    fileChanged(mapping.relative(file));
                }
            }
            return "not on the remote: its files were queued as sends";
        }
        String detail = send(action);
        return "not on the remote, sent instead: " + detail;
    }

    private Remote.Progress progressOf(MirrorAction action) {
        return new Remote.Progress() {
            @Override
            public void sent(int part, int parts, long bytes) {
                audit.record(mapping.name(), action, Event.PROGRESS, bytes, "part " + part + " of " + parts);
            }

            @Override
            public boolean stopping() {
                return !running;
            }
        };
    }

    private void forgetBelow(String path, boolean directory) {
        remoteState.forget(path);
        if (directory) {
            remoteState.writeBatch(Map.of(), remoteState.snapshot(path + "/").keySet());
        }
    }

    private boolean rootMissingOrEmpty() throws IOException {
        if (!Files.isDirectory(mapping.root())) {
            return true;
        }
        try (Stream<Path> entries = Files.list(mapping.root())) {
            return entries.findAny().isEmpty();
        }
    }

    private synchronized void pause(MirrorAction action, String reason) {
        long delay = backoff.delayMillis(remoteFailures++);
        pausedUntil = System.currentTimeMillis() + delay;
        if (remoteFailures == 1 || remoteFailures % 20 == 0) {
            LOG.warn("mirror {}: remote {} unavailable ({} time(s) in a row): {}; the queue pauses {} ms, changes are still recorded",
                    mapping.name(), remote.describe(), remoteFailures, reason, delay);
        }
        if (remoteFailures == 1) {
            recordError(null, reason, null, true);
        }
    }

    private synchronized void resumed() {
        if (remoteFailures > 0) {
            LOG.info("mirror {}: remote {} is back; the queue drains", mapping.name(), remote.describe());
            remoteFailures = 0;
        }
    }

    /** Waits for new work or the timeout; a wake-up that came before the wait is not lost. */
    private void await(long millis) {
        synchronized (signal) {
            if (!running || woken) {
                woken = false;
                return;
            }
            try {
                signal.wait(Math.max(1, Math.min(millis, IDLE_POLL_MILLIS)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
            woken = false;
        }
    }

    private void recordError(MirrorAction action, String reason, Throwable failure, boolean retried) {
        if (errors != null) {
            errors.record(new ErrorRecord(Instant.now(), "mirror-" + mapping.name(), action == null ? remote.describe()
                    : action.describe(), null, null, null, reason, failure == null ? null : failure.getClass().getName(), retried));
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() != null ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getClass().getSimpleName();
    }
}
