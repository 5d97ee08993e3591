package io.filesync.sync;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Runs the tasks of one request on a pool and answers their results in order. Every task runs to its end even when
 * another fails, so what succeeded is known (and recorded) before the first failure is thrown: a commit that refuses
 * one file still keeps the files it put in place. Without a pool the tasks run one after the other on the caller.
 */
final class ParallelTasks {

    private ParallelTasks() {
    }

    /** A task that may fail like the sync server's operations do. */
    interface Task<T> {
        T call() throws IOException;
    }

    static <T> List<T> run(ExecutorService pool, List<Task<T>> tasks) throws IOException {
        List<T> results = new ArrayList<>();
        if (pool == null || tasks.size() < 2) {
            for (Task<T> task : tasks) {
                results.add(task.call());
            }
            return results;
        }
        List<Future<T>> futures = new ArrayList<>();
        for (Task<T> task : tasks) {
            Callable<T> callable = task::call;
            futures.add(pool.submit(callable));
        }
        Throwable failure = null;
        for (Future<T> future : futures) {
            try {
                results.add(future.get());
            } catch (ExecutionException e) {
                failure = failure == null ? e.getCause() : failure;
                results.add(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(other -> other.cancel(true));
                throw new IOException("interrupted while waiting for parallel work", e);
            }
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        return results;
    }
}
