package io.filesync.mirror;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter, capped: attempt n waits a random time between half and all of
 * {@code min(cap, initial * 2^n)}, so many mirrors losing the same remote do not all come back at the same instant.
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
