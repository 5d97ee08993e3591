package io.filesync.mirror;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.ErrorRecorder;
import io.filesync.core.observe.Progress;
import io.filesync.core.retry.Backoff;
import io.filesync.mirror.MirrorAudit.Event;
import io.filesync.mirror.MirrorAudit.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a mapping's queued actions: one dispatcher thread claims due actions in batches (one transaction marks them
 * running and audits their start) and hands them to the workers ({@link ActionRunner}), then commits how they ended
 * in batches too ({@link SettledActions}). An action leaves the queue only in that commit, so a kill -9 at any point
 * runs it again, never loses it. The remote as a whole failing pauses everything ({@link RemoteOutage}).
 */
final class ActionDispatcher implements ActionRunner.Engine {

    /** Where a folder moved that the remote never had queues the sends of its files. */
    @FunctionalInterface
    interface ChangeRecorder {
        void fileChanged(String path) throws IOException, SQLException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ActionDispatcher.class);
    private static final long IDLE_POLL_MILLIS = 1000;
    /** How long finished actions may wait for their commit while others run: the latency a batch adds. */
    private static final long SETTLE_MILLIS = 20;
    private static final long ABANDONED_FIRST_CHECK_MILLIS = 60_000;
    private static final long ABANDONED_CHECK_MILLIS = 3_600_000;
    /** How many due actions one look at the queue fetches for later claims. */
    private static final int DUE_BATCH = 256;

    private final MirrorMapping mapping;
    private final Remote remote;
    private final ActionQueue queue;
    private final MirrorAudit audit;
    private final ActionRunner runner;
    private final ChangeRecorder recorder;
    private final int concurrency;
    private final Object signal = new Object();
    private boolean woken;
    private volatile boolean running;
    private volatile Future<?> loop;
    private ExecutorService workers;
    /** Claimed and handed to the workers, not yet committed as settled. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final SettledActions settled;
    /** Due actions fetched ahead, dispatcher thread only. */
    private final Deque<MirrorAction> ready = new ArrayDeque<>();
    private final RemoteOutage outage;
    private final MirrorMeters meters = new MirrorMeters();
    /** Whether the actions a crash or stop left running are queued again; set before the loop starts. */
    private boolean recovered;
    /** When the next look for abandoned multipart uploads is due: a minute after the start, then hourly. */
    private long nextAbandonedCheck;
    /** In complete-sync mode, the comparison of the remote with the root due once per start; else null. */
    private final RemoteSweep sweep;
    private final Backoff sweepBackoff;
    private volatile boolean swept;
    private volatile boolean sweeping;
    private volatile long nextSweep;
    private int sweepFailures;
    private final Progress progress;
    /** The queue draining, from the first due action until it is empty; dispatcher thread opens and closes it. */
    private volatile Progress.Work draining;
    /** The remote's byte count when the draining last advanced. */
    private final AtomicLong bytesCounted = new AtomicLong();

    ActionDispatcher(MirrorMapping mapping, Remote remote, ActionQueue queue, MirrorAudit audit,
                     FileVersionRepository remoteState, ErrorRecorder errors, int concurrency, ChangeRecorder recorder,
                     RemoteSweep sweep, Progress progress) {
        this.mapping = mapping;
        this.remote = remote;
        this.queue = queue;
        this.audit = audit;
        this.recorder = recorder;
        this.concurrency = concurrency;
        this.settled = new SettledActions(queue, audit, remoteState);
        this.progress = progress;
        this.runner = new ActionRunner(mapping, remote, remoteState, audit, errors, this, progress);
        this.outage = new RemoteOutage(mapping, remote, reason -> runner.recordError(null, reason, null, true));
        this.sweep = sweep;
        this.sweepBackoff = new Backoff(mapping.initialBackoff(), mapping.maxBackoff());
    }

    /** Starts the dispatcher on {@code dispatcher}, the actions on {@code workers}. */
    void start(ExecutorService dispatcher, ExecutorService workers) {
        running = true;
        this.workers = workers;
        // Before start returns, so a change recorded right after merges into the action it would repeat instead of
        // queueing behind it as if it were still running; the loop tries again while the database is down.
        try {
            recover();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("mirror {}: interrupted actions not queued again yet: {}", mapping.name(), e.getMessage());
        }
        loop = dispatcher.submit(this::runLoop);
    }

    private void recover() throws SQLException {
        int requeued = queue.requeueRunning();
        if (requeued > 0) {
            LOG.info("mirror {}: {} action(s) interrupted by the last stop queued again", mapping.name(), requeued);
        }
        recovered = true;
    }

    /** Stops claiming; actions in flight stop between parts, and how they ended is committed before this returns. */
    void stop() {
        running = false;
        wake();
        Future<?> stopping = loop;
        if (stopping != null) {
            try {
                stopping.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("mirror {}: executor did not stop cleanly: {}", mapping.name(), e.toString());
            }
        }
    }

    /** Something new was queued. */
    void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    @Override
    public boolean stopping() {
        return !running;
    }

    @Override
    public void fileChanged(String path) throws IOException, SQLException {
        recorder.fileChanged(path);
    }

    private void runLoop() {
        // Claimed ahead so a worker never waits for the dispatcher; a batch is claimed once this many have room.
        int capacity = concurrency * 4;
        while (running) {
            try {
                settled.commit();
                if (!recovered) {
                    recover();
                }
                long now = System.currentTimeMillis();
                if (outage.paused(now)) {
                    ready.clear();
                    await(outage.pausedUntil() - now);
                    continue;
                }
                if (nextAbandonedCheck == 0) {
                    // Housekeeping: the first look need not hold up a start's sync, nor load the S3 client at once.
                    nextAbandonedCheck = now + ABANDONED_FIRST_CHECK_MILLIS;
                }
                if (now >= nextAbandonedCheck) {
                    checkAbandonedUploads(now);
                }
                if (sweep != null && !swept && !sweeping && now >= nextSweep) {
                    startSweep();
                }
                int room = capacity - inFlight.get();
                if (room >= Math.max(1, concurrency / 2) && dispatch(now, room) > 0) {
                    continue;
                }
                await(inFlight.get() > 0 ? SETTLE_MILLIS : IDLE_POLL_MILLIS);
            } catch (RemoteUnavailableException e) {
                pause(e.getMessage());
            } catch (SQLException | IOException | RuntimeException e) {
                pause("mirror state not reachable: " + e.getMessage());
            }
        }
        // In-flight actions stop between parts (or do not start) and are settled, so the next start resumes them.
        synchronized (signal) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
                try {
                    signal.wait(SETTLE_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        drained();
        runner.close();
        try {
            settled.commit();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("mirror {}: could not record how the last actions ended; they run again on the next start: {}",
                    mapping.name(), e.getMessage());
        }
    }

    /**
     * Runs the complete-sync comparison on a worker, beside the actions: listing a large remote takes a while, and the
     * queue keeps draining meanwhile. Refused by the mass-delete guard or failed, it is tried again with backoff.
     */
    private void startSweep() {
        sweeping = true;
        try {
            workers.execute(() -> {
                boolean done = false;
                try {
                    done = !sweep.run(this::stopping).refused();
                } catch (RemoteUnavailableException e) {
                    pause(e.getMessage());
                } catch (UnsupportedOperationException e) {
                    LOG.warn("mirror {}: {}: complete sync does not compare the remote with the root", mapping.name(), e.getMessage());
                    done = true;
                } catch (IOException | RuntimeException e) {
                    if (running) {
                        LOG.warn("mirror {}: complete sync could not compare the remote with the root, tried again later: {}",
                                mapping.name(), e.getMessage());
                        runner.recordError(null, "complete sync: " + e.getMessage(), e, true);
                    }
                } finally {
                    swept = done;
                    nextSweep = done ? 0 : System.currentTimeMillis() + sweepBackoff.delayMillis(sweepFailures++);
                    sweeping = false;
                    wake();
                }
            });
        } catch (RejectedExecutionException stopped) {
            sweeping = false;
        }
    }

    /** Aborts multipart uploads abandoned longer than the remote's limit; a failure pauses once, then the actions go on. */
    private void checkAbandonedUploads(long now) throws IOException, RemoteUnavailableException {
        nextAbandonedCheck = now + ABANDONED_CHECK_MILLIS;
        int aborted = remote.abortAbandonedUploads();
        if (aborted > 0) {
            LOG.info("mirror {}: aborted {} abandoned multipart upload(s)", mapping.name(), aborted);
        }
    }

    /** Claims up to {@code room} due actions in one transaction and hands them to the workers; returns how many. */
    private int dispatch(long now, int room) throws SQLException {
        if (ready.isEmpty()) {
            ready.addAll(queue.due(now, Math.max(DUE_BATCH, room)));
            countQueue();
        }
        List<MirrorAction> offered = new ArrayList<>();
        while (offered.size() < room && !ready.isEmpty()) {
            offered.add(ready.poll());
        }
        if (offered.isEmpty()) {
            return 0;
        }
        List<MirrorAction> claimed = queue.write(connection -> {
            List<MirrorAction> taken = queue.claim(connection, offered);
            List<Row> rows = new ArrayList<>();
            for (MirrorAction action : taken) {
                if (action.attempts() > 0) {
                    rows.add(Row.of(mapping.name(), action, Event.RETRIED, null, "attempt " + (action.attempts() + 1)));
                }
                rows.add(Row.of(mapping.name(), action, Event.STARTED, null, null));
            }
            audit.insert(connection, rows);
            return taken;
        });
        for (MirrorAction action : claimed) {
            inFlight.incrementAndGet();
            try {
                workers.execute(() -> work(action));
            } catch (RejectedExecutionException stopped) {
                settle(Settlement.notStarted(mapping.name(), action, "the mirror is stopping"));
            }
        }
        return Math.max(1, claimed.size());
    }

    private void work(MirrorAction action) {
        Settlement settlement;
        if (!running) {
            settlement = Settlement.notStarted(mapping.name(), action, "the mirror is stopping");
        } else if (outage.paused(System.currentTimeMillis())) {
            settlement = Settlement.notStarted(mapping.name(), action, "the queue is paused");
        } else {
            settlement = runner.run(action);
        }
        meters.settled(settlement);
        Progress.Work work = draining;
        if (work != null && settlement.disposition() != Settlement.Disposition.RETRY) {
            long sentNow = remote.bytesSent();
            work.advance(1, sentNow - bytesCounted.getAndSet(sentNow));
        }
        settle(settlement);
    }

    /**
     * Keeps the draining's total up to date at each look at the queue (one capped count per batch of due actions):
     * opened when there is work, closed once nothing is due nor running. A short drain says nothing, a long one says
     * actions done of total at the reporter's pace.
     */
    private void countQueue() throws SQLException {
        Progress.Work work = draining;
        if (ready.isEmpty()) {
            if (work != null && inFlight.get() == 0) {
                drained();
            }
            return;
        }
        long pending = queue.pendingUpTo(1_000_000);
        if (work == null) {
            bytesCounted.set(remote.bytesSent());
            draining = progress.start(LOG, "mirror " + mapping.name() + ": queue", "actions", pending, -1);
        } else {
            work.totals(work.done() + pending, -1);
        }
    }

    private void drained() {
        Progress.Work work = draining;
        if (work != null) {
            draining = null;
            work.close();
        }
    }

    private void settle(Settlement settlement) {
        settled.add(settlement);
        int left = inFlight.decrementAndGet();
        // The dispatcher commits settlements in batches: woken when workers run short of work, else on its short wait.
        if (left <= concurrency || !running) {
            wake();
        }
    }

    /** What this mapping's actions came to, for its metrics. */
    MirrorMeters meters() {
        return meters;
    }

    @Override
    public void pause(String reason) {
        outage.failed(reason);
    }

    @Override
    public void resumed() {
        outage.answered();
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
}
