package io.filesync.mirror;

import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The parts of one SFTP upload in parts still to write, shared by its lanes ({@link SftpUpload}): each lane takes the
 * next part, and the first failure or a stop makes every lane stop after the part it is writing. The upload waits
 * for the extra lanes that started, never for one still queued. Progress is reported
 * in order of confirmation, so the audit's part numbers only grow whichever lane finishes first.
 */
final class SftpParts {

    private final String path;
    private final String temporary;
    private final FileStamp stamp;
    private final int parts;
    private final Remote.Progress progress;
    private final Queue<Integer> missing = new ConcurrentLinkedQueue<>();
    private volatile boolean failed;
    private Exception failure;
    private boolean closed;
    private int lanes;
    private int done;
    private int unconfirmed;

    SftpParts(String path, String temporary, FileStamp stamp, int parts, Set<Integer> confirmed,
              Remote.Progress progress) {
        this.path = path;
        this.temporary = temporary;
        this.stamp = stamp;
        this.parts = parts;
        this.progress = progress;
        for (int part = 0; part < parts; part++) {
            if (!confirmed.contains(part)) {
                missing.add(part);
            }
        }
        this.done = confirmed.size();
        this.unconfirmed = missing.size();
    }

    String path() {
        return path;
    }

    String temporary() {
        return temporary;
    }

    FileStamp stamp() {
        return stamp;
    }

    /** The next part to write, or null when none is left or the lane should stop. */
    Integer next(boolean yield) {
        return failed || yield || progress.stopping() ? null : missing.poll();
    }

    /** The first failure stops every lane after its part; it is what the upload throws. */
    synchronized void fail(Exception e) {
        failed = true;
        if (failure == null) {
            failure = e;
        }
    }

    synchronized Exception failure() {
        return failure;
    }

    /** An extra lane starts, unless the upload no longer takes lanes. */
    synchronized boolean enter() {
        if (closed || over()) {
            return false;
        }
        lanes++;
        return true;
    }

    synchronized void leave() {
        lanes--;
        notifyAll();
    }

    /** No extra lane starts any more; waits for those that did. Returns the first failure of any lane, or null. */
    synchronized Exception closeAndAwaitLanes() throws InterruptedException {
        closed = true;
        while (lanes > 0) {
            wait();
        }
        return failure;
    }

    boolean over() {
        return failed || progress.stopping();
    }

    /** Counts a confirmed part and reports progress below the last part (the completed row says the rest). */
    synchronized void confirmed() {
        done++;
        unconfirmed--;
        if (done < parts) {
            progress.sent(done, parts, SftpUpload.PART_BYTES);
        }
    }

    synchronized int done() {
        return done;
    }

    /** Parts not confirmed yet, whether waiting or being written. */
    synchronized int missing() {
        return unconfirmed;
    }
}
