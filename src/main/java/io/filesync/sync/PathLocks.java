package io.filesync.sync;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The server's locking: requests on different files run in parallel, requests on the same file one after the other
 * (so of two quick changes the later one wins), and an operation on a whole subtree (a folder's move or deletion)
 * waits for the file operations in flight and holds the others back. Files are locked through a fixed set of
 * stripes, so the lock table never grows with the number of paths.
 */
final class PathLocks {

    /** Held while it is open; released by close. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private static final int STRIPES = 64;

    private final ReadWriteLock tree = new ReentrantReadWriteLock();
    private final Lock[] stripes = new Lock[STRIPES];

    PathLocks() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** For an operation on one file (or one folder's creation): excludes others on the same path and subtree moves. */
    Held file(String path) {
        Lock shared = tree.readLock();
        Lock stripe = stripes[Math.floorMod(path.hashCode(), STRIPES)];
        shared.lock();
        stripe.lock();
        return () -> {
            stripe.unlock();
            shared.unlock();
        };
    }

    /** For a batch of file operations: the stripes are taken in one order, so two batches never deadlock. */
    Held files(java.util.Collection<String> paths) {
        java.util.TreeSet<Integer> taken = new java.util.TreeSet<>();
        for (String path : paths) {
            taken.add(Math.floorMod(path.hashCode(), STRIPES));
        }
        Lock shared = tree.readLock();
        shared.lock();
        for (int stripe : taken) {
            stripes[stripe].lock();
        }
        return () -> {
            for (int stripe : taken.descendingSet()) {
                stripes[stripe].unlock();
            }
            shared.unlock();
        };
    }

    /** For a move or a deletion, which may touch a whole subtree: excludes everything else. */
    Held tree() {
        Lock exclusive = tree.writeLock();
        exclusive.lock();
        return exclusive::unlock;
    }
}
