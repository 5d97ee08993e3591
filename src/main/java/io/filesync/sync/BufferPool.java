package io.filesync.sync;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Buffers of one size, handed out and given back, so a buffer of megabytes is allocated once and used for batch
 * after batch. A fresh 8 MiB array per upload batch was, on each side, a humongous allocation the JVM zeroed and the
 * kernel faulted in every time. Taking never waits: with none idle a new buffer is made; at most {@code keep} idle
 * ones are kept, so memory is bounded by how many are in use at once (which their users bound) plus {@code keep}.
 */
final class BufferPool {

    private final int capacity;
    private final boolean direct;
    private final int keep;
    private final ArrayDeque<ByteBuffer> idle = new ArrayDeque<>();

    /**
     * @param direct direct buffers (outside the heap) for bytes that go to a file or a socket: the JDK copies a heap
     *               buffer into a temporary direct one first; heap buffers for bytes Java code reads byte by byte
     * @param keep   idle buffers kept at most
     */
    BufferPool(int capacity, boolean direct, int keep) {
        this.capacity = capacity;
        this.direct = direct;
        this.keep = keep;
    }

    int capacity() {
        return capacity;
    }

    /** A buffer, cleared: position 0, limit its capacity. Its old content is still there (it is not zeroed). */
    ByteBuffer take() {
        ByteBuffer buffer;
        synchronized (this) {
            buffer = idle.poll();
        }
        if (buffer == null) {
            return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        }
        return buffer.clear();
    }

    /** Gives a buffer back: its taker no longer reads or writes it, and nothing else does either. */
    void give(ByteBuffer buffer) {
        if (buffer == null || buffer.capacity() != capacity || buffer.isDirect() != direct) {
            return;
        }
        synchronized (this) {
            if (idle.size() < keep) {
                idle.push(buffer);
            }
        }
    }

    /** Idle buffers, for tests. */
    synchronized int idle() {
        return idle.size();
    }
}
