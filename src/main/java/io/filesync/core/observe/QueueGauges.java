package io.filesync.core.observe;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.Gauge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The depth of a durable queue and the age of its oldest pending entry, as two gauges, from a few indexed reads at
 * most once per refresh interval, never a scan per scrape.
 * <p>
 * The queues keep no enqueue time, but their keys grow with time (an identity column, a sequence). So each refresh
 * notes the newest key with the time it was seen; the oldest pending entry was queued no later than the first note at
 * or above its key, which gives its age to within a refresh interval. Entries already queued when filesync started
 * count from the start: the figure is then a lower bound.
 */
public final class QueueGauges {

    /** Reads of the queue; each should be a bounded, indexed query. */
    public interface Probe {
        /** Entries queued or running (a count may stop at a cap on a huge queue). */
        long depth() throws Exception;

        /** Smallest key of a pending entry, or -1 when none is pending. */
        long oldestPendingKey() throws Exception;

        /** Largest key ever given out so far, or -1. */
        long newestKey() throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(QueueGauges.class);

    /** Notes kept at most; beyond, every second one is dropped, so a queue stuck for weeks costs no more memory. */
    private static final int MAX_NOTES = 512;

    private record Note(long key, long atMillis) {
    }

    private final String what;
    private final Probe probe;
    private final long refreshMillis;
    private final List<Note> notes = new ArrayList<>();
    private long refreshedAt;
    private double depth;
    private double ageSeconds;
    private Gauge depthGauge;
    private Gauge ageGauge;

    /** @param what names the queue in a log line when a read fails, e.g. {@code mirror photos} */
    public QueueGauges(String what, Probe probe, long refreshMillis) {
        this.what = what;
        this.probe = probe;
        this.refreshMillis = refreshMillis;
    }

    /**
     * Registers {@code filesync.<job>.queue.depth} and {@code filesync.<job>.queue.oldest.age.seconds} and takes the
     * first note, so entries left from a previous run count from now.
     */
    public QueueGauges register(FilesyncMetrics metrics, String job, String... tags) {
        refresh(System.currentTimeMillis());
        depthGauge = metrics.gauge(job, "queue.depth", this, QueueGauges::depth, tags);
        ageGauge = metrics.gauge(job, "queue.oldest.age.seconds", this, QueueGauges::oldestAgeSeconds, tags);
        return this;
    }

    public void unregister(FilesyncMetrics metrics) {
        metrics.remove(depthGauge);
        metrics.remove(ageGauge);
    }

    public synchronized double depth() {
        refreshIfStale();
        return depth;
    }

    public synchronized double oldestAgeSeconds() {
        refreshIfStale();
        return ageSeconds;
    }

    private void refreshIfStale() {
        long now = System.currentTimeMillis();
        if (now - refreshedAt >= refreshMillis) {
            refresh(now);
        }
    }

    synchronized void refresh(long now) {
        refreshedAt = now;
        try {
            long newest = probe.newestKey();
            if (newest >= 0 && !notes.isEmpty() && notes.get(notes.size() - 1).key() > newest) {
                // The keys started again lower (a sequence kept in memory, restarted on an empty queue): old notes lie.
                notes.clear();
            }
            if (newest >= 0 && (notes.isEmpty() || notes.get(notes.size() - 1).key() < newest)) {
                notes.add(new Note(newest, now));
            }
            depth = probe.depth();
            long oldest = probe.oldestPendingKey();
            ageSeconds = oldest < 0 ? 0 : (now - queuedNoLaterThan(oldest)) / 1000.0;
            forgetBefore(oldest);
        } catch (Exception e) {
            // The gauges keep their last values; the database's own health check reports the outage.
            LOG.debug("{}: could not read the queue's depth and age: {}", what, e.getMessage());
        }
    }

    private long queuedNoLaterThan(long key) {
        for (Note note : notes) {
            if (note.key() >= key) {
                return note.atMillis();
            }
        }
        return notes.isEmpty() ? refreshedAt : notes.get(notes.size() - 1).atMillis();
    }

    private void forgetBefore(long oldest) {
        if (oldest < 0) {
            // Nothing pending: only the newest note matters for what comes next.
            if (notes.size() > 1) {
                notes.subList(0, notes.size() - 1).clear();
            }
            return;
        }
        while (notes.size() > 1 && notes.get(0).key() < oldest) {
            notes.remove(0);
        }
        if (notes.size() > MAX_NOTES) {
            for (int i = notes.size() - 2; i > 0; i -= 2) {
                notes.remove(i);
            }
        }
    }
}
