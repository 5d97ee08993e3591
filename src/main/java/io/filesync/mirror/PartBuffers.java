package io.filesync.mirror;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The memory one S3 remote may hold in part buffers, as a fixed number of part-sized buffers shared by all its
 * uploads: a part is read into a buffer, sent from it, and the buffer comes back. Parts in flight times the part
 * size never exceeds the budget, however many files are uploaded at once, and no buffer is allocated per part.
 */
final class PartBuffers {

    private final int partSize;
    private final int count;
    private final Deque<byte[]> free = new ArrayDeque<>();
    private int allocated;

    /** @param memoryBytes the budget; at least one buffer is allowed whatever it says */
    PartBuffers(int partSize, long memoryBytes) {
        this.partSize = partSize;
        this.count = (int) Math.max(1, Math.min(64, memoryBytes / partSize));
    }

    /** How many parts may be in flight at once. */
    int count() {
        return count;
    }

    /** A buffer of the part size, waiting until one is free. */
    synchronized byte[] take() throws InterruptedException {
        while (free.isEmpty() && allocated >= count) {
            wait();
        }
        if (!free.isEmpty()) {
            return free.pop();
        }
        allocated++;
        return new byte[partSize];
    }

    synchronized void give(byte[] buffer) {
        free.push(buffer);
        notifyAll();
    }
}
