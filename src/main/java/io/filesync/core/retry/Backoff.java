package io.filesync.core.retry;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The one retry delay of filesync's own retries (tail, watch, mirror, sync client): exponential with jitter, capped.
 * Attempt n waits a random time between half and all of {@code min(cap, initial * 2^n)}, so many workers losing the
 * same database or remote do not all come back at the same instant. Retries of a failed route are Camel's, through
 * the shared error handling, and are not done again with this.
 */
public final class Backoff {

    private final long initialMillis;
    private final long capMillis;

    public Backoff(long initialMillis, long capMillis) {
        if (initialMillis <= 0 || capMillis < initialMillis) {
            throw new IllegalArgumentException("Backoff needs 0 < initial <= cap, got " + initialMillis + " and " + capMillis);
        }
        this.initialMillis = initialMillis;
        this.capMillis = capMillis;
    }

    /**
     * A backoff from settings that may be out of order (a cap below the first delay, as tests set to retry fast):
     * the first delay is at least 1 ms and the cap at least the first delay.
     */
    public static Backoff clamped(long initialMillis, long capMillis) {
        long initial = Math.max(1, initialMillis);
        return new Backoff(Math.min(initial, Math.max(1, capMillis)), Math.max(1, capMillis));
    }

    /** The delay before retry number {@code attempt} (0 for the first retry). */
    public long delayMillis(int attempt) {
        long ceiling = ceilingMillis(attempt);
        long floor = Math.max(1, ceiling / 2);
        return floor + ThreadLocalRandom.current().nextLong(ceiling - floor + 1);
    }

    /** The upper bound of {@link #delayMillis(int)}. */
    public long ceilingMillis(int attempt) {
        int shift = Math.min(Math.max(attempt, 0), 30);
        long ceiling = initialMillis << shift;
        return ceiling <= 0 || ceiling > capMillis ? capMillis : ceiling;
    }

    public long capMillis() {
        return capMillis;
    }
}
