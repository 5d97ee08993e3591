package io.filesync.core.observe;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;

/**
 * What long work has done so far, said in the log at a steady pace: one reporter for every job of a CamelContext, on
 * one scheduled thread from Camel's ExecutorServiceManager, so no job has a timer of its own.
 * <ul>
 * <li>A {@link Work} is a piece of long work (an initial sync, a queue draining, a multipart upload, a CSV load) with
 * its totals where known. Once it has run for an interval, each tick in which it moved logs one line: done of total,
 * the rate over the last interval and, with a total, the time left. A work that did not move says nothing.</li>
 * <li>A {@link Tally} says each completed unit of work (a file mirrored, a batch of lines committed) in one INFO line,
 * unless another was said within the interval: those are counted and said in one summary line at the next tick, so a
 * burst of a thousand files gives a few lines, not a thousand. Each folded unit is still logged at DEBUG.</li>
 * </ul>
 * Lines go to the logger the job passes, so they carry the job's category. Open works are also in the facts JSON.
 */
public final class Progress extends ServiceSupport {

    /** Registry name of the per-context instance. */
    public static final String BEAN = "filesyncProgress";
    /** How often progress is said, in seconds. */
    static final String INTERVAL_KEY = "filesync.progress.interval-seconds";
    static final long DEFAULT_INTERVAL_SECONDS = 5;

    private static final Object CREATION = new Object();

    private final Clock clock;
    private final long intervalMillis;
    private final CamelContext context;
    /** False for {@link #silent()}: works and tallies are counted but never listed nor said. */
    private final boolean speaks;
    private final Set<Work> works = ConcurrentHashMap.newKeySet();
    private final Set<Tally> tallies = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService reporter;

    /** A reporter that is ticked by hand ({@link #report()}); with a context, {@link #start()} schedules it. */
    Progress(CamelContext context, Clock clock, Duration interval, boolean speaks) {
        this.context = context;
        this.speaks = speaks;
        this.clock = clock;
        this.intervalMillis = interval.toMillis();
    }

    /** A reporter that never speaks, for jobs used without a CamelContext (plain tests, benchmarks). */
    public static Progress silent() {
        return new Progress(null, Clock.systemUTC(), Duration.ofSeconds(DEFAULT_INTERVAL_SECONDS), false);
    }

    /** The context's instance, created and started on first use; stopped with the context. */
    public static Progress of(CamelContext context) {
        synchronized (CREATION) {
            Progress progress = context.getRegistry().lookupByNameAndType(BEAN, Progress.class);
            if (progress == null) {
                long seconds = Long.parseLong(context.resolvePropertyPlaceholders(
                        "{{" + INTERVAL_KEY + ":" + DEFAULT_INTERVAL_SECONDS + "}}"));
                progress = new Progress(context, Clock.systemUTC(), Duration.ofSeconds(Math.max(1, seconds)), true);
                context.getRegistry().bind(BEAN, progress);
                try {
                    // A service of the context: started now, stopped (its thread ended) when the context stops.
                    context.addService(progress, true, true);
                } catch (Exception e) {
                    throw new IllegalStateException("Could not start the progress reporter", e);
                }
            }
            return progress;
        }
    }

    /** The context's instance if some job made one, else null: reading the facts creates nothing. */
    static Progress existing(CamelContext context) {
        return context.getRegistry().lookupByNameAndType(BEAN, Progress.class);
    }

    @Override
    protected void doStart() {
        if (context != null) {
            reporter = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "filesync-progress");
            reporter.scheduleAtFixedRate(this::reportQuietly, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void doStop() {
        if (reporter != null) {
            context.getExecutorServiceManager().shutdownNow(reporter);
            reporter = null;
        }
    }

    /**
     * Starts a piece of long work; close it when it ends, whichever way.
     *
     * @param log        where its lines go
     * @param name       says what the work is, e.g. {@code mirror photos: initial sync}
     * @param unit       what it counts, plural: {@code files}, {@code parts}, {@code rows}
     * @param total      units in all, or -1 when not known
     * @param totalBytes bytes in all, -1 when not known (bytes are then said without a total), 0 when the work
     *                   counts no bytes
     */
    public Work start(Logger log, String name, String unit, long total, long totalBytes) {
        Work work = new Work(this, log, name, unit, total, totalBytes, clock.millis());
        if (speaks) {
            works.add(work);
        }
        return work;
    }

    /**
     * A summariser of completed units, e.g. {@code tally(LOG, "mirror photos", "actions done")}.
     *
     * @param unit what a summary line counts, plural and with its verb, e.g. {@code files mirrored}
     */
    public Tally tally(Logger log, String name, String unit) {
        Tally tally = new Tally(this, log, name, unit);
        if (speaks) {
            tallies.add(tally);
        }
        return tally;
    }

    /** Says what moved since the last tick; called by the reporter thread, or by tests with a controlled clock. */
    void report() {
        long now = clock.millis();
        for (Work work : works) {
            work.report(now, intervalMillis);
        }
        for (Tally tally : tallies) {
            tally.report(now);
        }
    }

    private void reportQuietly() {
        try {
            report();
        } catch (RuntimeException e) {
            // The reporter must outlive a bad line: a scheduled task that throws is never run again.
            org.slf4j.LoggerFactory.getLogger(Progress.class).debug("Progress report failed: {}", e.toString(), e);
        }
    }

    /** The open works as JSON-ready maps, for the facts endpoint and a status page. */
    List<Map<String, Object>> snapshot() {
        long now = clock.millis();
        List<Map<String, Object>> open = new ArrayList<>();
        for (Work work : works) {
            open.add(work.facts(now));
        }
        open.sort((a, b) -> ((String) a.get("name")).compareTo((String) b.get("name")));
        return open;
    }

    long now() {
        return clock.millis();
    }

    long intervalMillis() {
        return intervalMillis;
    }

    void ended(Work work) {
        works.remove(work);
    }

    void ended(Tally tally) {
        tallies.remove(tally);
    }

    /** A piece of long work, advanced by the job as it goes; thread-safe. */
    public static final class Work implements AutoCloseable {

        private final Progress owner;
        private final Logger log;
        private final String name;
        private final String unit;
        private final long startedAt;
        private volatile long total;
        private volatile long totalBytes;
        private long done;
        private long bytes;
        private long reportedAt;
        private long doneAtReport;
        private long bytesAtReport;
        private double unitRate;
        private double byteRate;

        Work(Progress owner, Logger log, String name, String unit, long total, long totalBytes, long startedAt) {
            this.owner = owner;
            this.log = log;
            this.name = name;
            this.unit = unit;
            this.total = total;
            this.totalBytes = totalBytes;
            this.startedAt = startedAt;
            this.reportedAt = startedAt;
        }

        /** Counts units and bytes done. */
        public synchronized void advance(long units, long byteCount) {
            done += units;
            bytes += byteCount;
        }

        /** The totals changed (more work found while it runs); -1 for not known. */
        public void totals(long units, long byteCount) {
            total = units;
            totalBytes = byteCount;
        }

        public synchronized long done() {
            return done;
        }

        /** The work ended: it is said no more. */
        @Override
        public void close() {
            owner.ended(this);
        }

        synchronized void report(long now, long interval) {
            if (now - startedAt < interval) {
                // Short work says nothing: its job says when it ends.
                return;
            }
            if (done == doneAtReport && bytes == bytesAtReport) {
                // Stalled work says nothing either; its rate starts again from here.
                reportedAt = now;
                unitRate = 0;
                byteRate = 0;
                return;
            }
            double seconds = Math.max(1, now - reportedAt) / 1000.0;
            unitRate = (done - doneAtReport) / seconds;
            byteRate = (bytes - bytesAtReport) / seconds;
            log.info("{}", line());
            reportedAt = now;
            doneAtReport = done;
            bytesAtReport = bytes;
        }

        /** Whether bytes are said: the work counts them (a total not 0) and some went. */
        private boolean byBytes() {
            return totalBytes != 0 && bytes > 0;
        }

        private String line() {
            long units = total;
            long allBytes = totalBytes;
            boolean byBytes = byBytes();
            StringBuilder line = new StringBuilder(name).append(": ").append(done);
            if (units >= 0) {
                line.append(" of ").append(units);
            }
            line.append(' ').append(unit);
            if (byBytes) {
                line.append(", ").append(Sizes.bytes(bytes));
                if (allBytes > 0) {
                    line.append(" of ").append(Sizes.bytes(allBytes));
                }
            }
            if (units < 0 && allBytes <= 0) {
                line.append(" so far");
            }
            long percent = allBytes > 0 && byBytes ? bytes * 100 / allBytes : units > 0 ? done * 100 / units : -1;
            if (percent >= 0) {
                line.append(" (").append(Math.min(100, percent)).append("%)");
            }
            line.append(", ").append(byBytes ? Sizes.bytes((long) byteRate) + "/s" : Math.round(unitRate) + " " + unit + "/s");
            long eta = etaSeconds();
            if (eta >= 0) {
                line.append(", about ").append(Sizes.duration(eta)).append(" left");
            }
            return line.toString();
        }

        /** Seconds left at the last interval's rate: by bytes where their total is known, else by units; -1 if neither. */
        private long etaSeconds() {
            if (totalBytes > 0 && byteRate > 0) {
                return (long) Math.ceil(Math.max(0, totalBytes - bytes) / byteRate);
            }
            if (total >= 0 && unitRate > 0) {
                return (long) Math.ceil(Math.max(0, total - done) / unitRate);
            }
            return -1;
        }

        synchronized Map<String, Object> facts(long now) {
            Map<String, Object> facts = new LinkedHashMap<>();
            facts.put("name", name);
            facts.put("unit", unit);
            facts.put("done", done);
            facts.put("total", total);
            facts.put("bytes", bytes);
            facts.put("totalBytes", totalBytes);
            facts.put("runningSeconds", (now - startedAt) / 1000);
            facts.put("unitsPerSecond", Math.round(unitRate));
            facts.put("bytesPerSecond", Math.round(byteRate));
            long eta = etaSeconds();
            if (eta >= 0) {
                facts.put("etaSeconds", eta);
            }
            return facts;
        }
    }

    /** Says completed units one line each while they are few, and in one line per interval when they are many. */
    public static final class Tally implements AutoCloseable {

        private final Progress owner;
        private final Logger log;
        private final String name;
        private final String unit;
        /** When the current interval began: the last unit said on its own or the last summary. */
        private long windowStart = Long.MIN_VALUE / 2;
        private long folded;
        private long foldedBytes;

        Tally(Progress owner, Logger log, String name, String unit) {
            this.owner = owner;
            this.log = log;
            this.name = name;
            this.unit = unit;
        }

        /**
         * One unit of work completed.
         *
         * @param what  the unit's own line, e.g. {@code sent a/b.txt (12 bytes)}
         * @param count units it stands for in a summary (a batch of 40 lines counts 40)
         * @param bytes its bytes, 0 when it has none
         */
        public synchronized void completed(String what, long count, long bytes) {
            long now = owner.now();
            if (!owner.speaks) {
                log.debug("{}: {}", name, what);
                return;
            }
            if (folded == 0 && now - windowStart >= owner.intervalMillis()) {
                log.info("{}: {}", name, what);
                windowStart = now;
                return;
            }
            log.debug("{}: {}", name, what);
            folded += count;
            foldedBytes += bytes;
        }

        synchronized void report(long now) {
            if (folded == 0) {
                return;
            }
            long seconds = Math.max(1, Math.round((now - windowStart) / 1000.0));
            log.info("{}: {} more {} in the last {} s{}", name, folded, unit, seconds,
                    foldedBytes > 0 ? " (" + Sizes.bytes(foldedBytes) + ")" : "");
            folded = 0;
            foldedBytes = 0;
            windowStart = now;
        }

        /** Says what was folded so far and forgets the tally. */
        @Override
        public void close() {
            report(owner.now());
            owner.ended(this);
        }
    }
}
