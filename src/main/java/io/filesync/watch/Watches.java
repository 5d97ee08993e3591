package io.filesync.watch;

/** Small helpers shared by the watch classes. */
final class Watches {

    private Watches() {
    }

    /** Monotonic milliseconds, for deadlines: immune to wall-clock jumps. */
    static long now() {
        return System.nanoTime() / 1_000_000L;
    }
}
