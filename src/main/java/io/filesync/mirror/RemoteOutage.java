package io.filesync.mirror;

import io.filesync.core.retry.Backoff;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a mapping's remote is down, and until when the queue waits before trying it again: exponential backoff
 * with jitter per outage, however many actions in flight find the remote down (each used to double the pause). The
 * first failure of an outage is recorded as an error; the log repeats it only every twentieth time, so a long outage
 * does not flood it.
 */
final class RemoteOutage {

    /** Where the first failure of an outage is recorded. */
    @FunctionalInterface
    interface ErrorSink {
        void record(String reason);
    }

    private static final Logger LOG = LoggerFactory.getLogger(RemoteOutage.class);

    private final MirrorMapping mapping;
    private final Remote remote;
    private final Backoff backoff;
    private final ErrorSink errors;
    private int failures;
    private volatile long pausedUntil;

    RemoteOutage(MirrorMapping mapping, Remote remote, ErrorSink errors) {
        this.mapping = mapping;
        this.remote = remote;
        this.backoff = new Backoff(mapping.initialBackoff(), mapping.maxBackoff());
        this.errors = errors;
    }

    /** Until when (epoch milliseconds) the queue waits; in the past when the remote is thought to be up. */
    long pausedUntil() {
        return pausedUntil;
    }

    boolean paused(long now) {
        return now < pausedUntil;
    }

    /** The remote as a whole failed: pause the queue, one backoff step per outage. */
    synchronized void failed(String reason) {
        long now = System.currentTimeMillis();
        if (now < pausedUntil) {
            // Another action in flight already found the remote down: one outage is one step of the backoff.
            return;
        }
        long delay = backoff.delayMillis(failures++);
        pausedUntil = now + delay;
        if (failures == 1 || failures % 20 == 0) {
            LOG.warn("mirror {}: remote {} unavailable ({} time(s) in a row): {}; the queue pauses {} ms, changes are still recorded",
                    mapping.name(), remote.describe(), failures, reason, delay);
        }
        if (failures == 1) {
            errors.record(reason);
        }
    }

    /** The remote answered: the outage, if any, is over. */
    synchronized void answered() {
        if (failures > 0) {
            LOG.info("mirror {}: remote {} is back; the queue drains", mapping.name(), remote.describe());
            failures = 0;
        }
    }
}
