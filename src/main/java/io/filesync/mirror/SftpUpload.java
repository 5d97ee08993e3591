package io.filesync.mirror;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.zip.CRC32C;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.SftpATTRS;
import com.jcraft.jsch.SftpException;

/**
 * Writes one local file into a temporary file on the SFTP server. A small file is one stream. A file of a part
 * ({@value #PART_BYTES} bytes) or more is written in parts at their offsets, over several connections at once: one
 * JSch channel keeps only its bulk window of writes in flight and waits for the server's window, so it reaches a
 * fraction of what the link carries, while independent sessions each writing their own ranges fill it
 * (docs/design/mirror.md). The extra connections are those of the remote's pool that no action is waiting
 * for ({@link SftpConnections#tryBorrow()}); an extra lane gives its connection back after a part when an action wants
 * one.
 * <p>
 * Resumable: each part the server has confirmed (all writes acknowledged and the handle closed) is recorded with its
 * CRC32C ({@link SftpCheckpoints}). After a crash, a stop or a lost connection, the next attempt sends only the other
 * parts, if the local file still has the same version, every confirmed part still has its checksum, and the temporary
 * file still has the file's size (it is given its full size first by writing its last byte, so every part is written
 * at a stable offset). Otherwise it starts over.
 */
final class SftpUpload {

    /** Part size: the unit of parallel writing, of resume and of progress. */
    static final long PART_BYTES = 8L * 1024 * 1024;
    private static final int BUFFER_BYTES = 64 * 1024;

    /** What an upload did: parts in all (1 for a small file), and how many parts and bytes were already there. */
    record Outcome(int parts, int resumedParts, long resumedBytes) {
    }

    private final SftpConnections connections;
    private final SftpCheckpoints checkpoints;
    private final ExecutorService lanes;

    /**
     * @param connections where extra lanes borrow connections from
     * @param checkpoints where confirmed parts are persisted; null: no resume (every attempt starts over)
     * @param lanes       runs the extra lanes; needs no more threads than the pool has connections
     */
    SftpUpload(SftpConnections connections, SftpCheckpoints checkpoints, ExecutorService lanes) {
        this.connections = connections;
        this.checkpoints = checkpoints;
        this.lanes = lanes;
    }

    /** Writes the file to {@code temporary} through {@code channel} and whatever extra connections are free. */
    Outcome upload(ChannelSftp channel, String path, Path file, FileStamp stamp, String temporary, Remote.Progress progress)
            throws SftpException, IOException {
        if (stamp.size() < PART_BYTES) {
            try (OutputStream out = channel.put(SftpPaths.escape(temporary), null, ChannelSftp.OVERWRITE, 0);
                 FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                copy(in, out, ByteBuffer.allocate(BUFFER_BYTES), 0, stamp.size(), path, new CRC32C());
            }
            return new Outcome(1, 0, 0);
        }
        int parts = (int) ((stamp.size() + PART_BYTES - 1) / PART_BYTES);
        Map<Integer, Long> confirmed = confirmedParts(channel, path, file, stamp, temporary);
        if (confirmed.isEmpty()) {
            presize(channel, file, stamp, temporary, path);
        }
        SftpParts plan = new SftpParts(path, temporary, stamp, parts, confirmed.keySet(), progress);
        // Each extra lane borrows on its own thread, so the handshakes of new sessions overlap the main lane's writing.
        try {
            for (int lane = 1; lane < Math.min(plan.missing(), connections.size()); lane++) {
                lanes.execute(() -> extraLane(file, plan));
            }
        } catch (RejectedExecutionException stopping) {
            // The mirror is stopping: the main lane alone sees the stop and leaves the rest for the restart.
        }
        Exception failure = null;
        try {
            lane(channel, file, plan, false);
        } catch (SftpException | IOException | RuntimeException e) {
            plan.fail(e);
        }
        try {
            // Waits only for the lanes that started: one still queued behind another upload's lanes will not start.
            failure = plan.closeAndAwaitLanes();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            plan.fail(new InterruptedIOException("interrupted while waiting for the parts of " + path));
            failure = plan.failure();
        }
        LaneFailures.rethrow(failure, SftpException.class);
        if (plan.missing() > 0) {
            throw new InterruptedIOException("stopped after " + plan.done() + " of " + parts + " parts of " + path
                    + "; resumes on restart");
        }
        return new Outcome(parts, confirmed.size(), new SftpCheckpoints.Checkpoint(path, temporary, stamp.version(), PART_BYTES,
                confirmed).confirmedBytes(stamp.size()));
    }

    /** Forgets the confirmed parts of a finished or abandoned upload. */
    void finished(String path, FileStamp stamp) throws IOException {
        if (checkpoints != null && stamp.size() >= PART_BYTES) {
            UploadTables.run(() -> checkpoints.remove(path));
        }
    }

    /** A lane on a connection of its own, if one is free and the upload still takes lanes. */
    private void extraLane(Path file, SftpParts plan) {
        if (!plan.enter()) {
            return;
        }
        try {
            SftpConnections.Connection connection = connections.tryBorrow();
            if (connection != null) {
                try {
                    lane(connection.channel, file, plan, true);
                } finally {
                    connections.release(connection, !connection.connected());
                }
            }
        } catch (SftpException | IOException | RuntimeException e) {
            plan.fail(e);
        } finally {
            plan.leave();
        }
    }

    /** Takes parts until none is left, the upload fails or stops, or (extra lanes) an action wants the connection. */
    private void lane(ChannelSftp channel, Path file, SftpParts plan, boolean extra) throws SftpException, IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
            Integer part;
            while ((part = plan.next(extra && connections.wanted())) != null) {
                long from = part * PART_BYTES;
                long to = Math.min(plan.stamp().size(), from + PART_BYTES);
                CRC32C crc = new CRC32C();
                // RESUME writes at the given offset plus the temporary file's size, which is the file's size throughout.
                try (OutputStream out = channel.put(SftpPaths.escape(plan.temporary()), null, ChannelSftp.RESUME,
                        from - plan.stamp().size())) {
                    copy(in, out, buffer, from, to, plan.path(), crc);
                }
                if (checkpoints != null) {
                    int index = part;
                    UploadTables.run(() -> checkpoints.confirmed(plan.path(), plan.temporary(), plan.stamp().version(), PART_BYTES,
                            index, crc.getValue()));
                }
                plan.confirmed();
            }
        }
    }

    private static void copy(FileChannel in, OutputStream out, ByteBuffer buffer, long from, long to, String path, CRC32C crc)
            throws IOException {
        for (long position = from; position < to; ) {
            buffer.clear().limit((int) Math.min(BUFFER_BYTES, to - position));
            int read = in.read(buffer, position);
            if (read < 0) {
                throw new ChangedDuringUploadException(path + " became shorter while it was being uploaded");
            }
            out.write(buffer.array(), 0, read);
            crc.update(buffer.array(), 0, read);
            position += read;
        }
    }

    /** A fresh temporary file of the file's full size (its last byte written), so parts go at stable offsets. */
    private static void presize(ChannelSftp channel, Path file, FileStamp stamp, String temporary, String path)
            throws SftpException, IOException {
        try (OutputStream out = channel.put(SftpPaths.escape(temporary), null, ChannelSftp.OVERWRITE, stamp.size() - 1);
             FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            copy(in, out, ByteBuffer.allocate(1), stamp.size() - 1, stamp.size(), path, new CRC32C());
        }
    }

    /**
     * The parts a broken upload of this same version left confirmed on the server, each still matching the local file;
     * empty (and the stale record forgotten) when anything disagrees.
     */
    private Map<Integer, Long> confirmedParts(ChannelSftp channel, String path, Path file, FileStamp stamp, String temporary)
            throws SftpException, IOException {
        SftpCheckpoints.Checkpoint checkpoint = checkpoints == null ? null : UploadTables.call(() -> checkpoints.find(path)).orElse(null);
        if (checkpoint == null) {
            return Map.of();
        }
        boolean same = checkpoint.version().equals(stamp.version()) && checkpoint.temporary().equals(temporary)
                && checkpoint.partSize() == PART_BYTES;
        SftpATTRS held = same ? SftpPaths.statOrNull(channel, temporary) : null;
        if (held != null && held.getSize() == stamp.size() && partsStillMatch(file, stamp, checkpoint, path)) {
            return new TreeMap<>(checkpoint.parts());
        }
        UploadTables.run(() -> checkpoints.remove(path));
        return Map.of();
    }

    private static boolean partsStillMatch(Path file, FileStamp stamp, SftpCheckpoints.Checkpoint checkpoint, String path)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            for (Map.Entry<Integer, Long> part : checkpoint.parts().entrySet()) {
                long from = part.getKey() * PART_BYTES;
                CRC32C crc = new CRC32C();
                copy(in, OutputStream.nullOutputStream(), buffer, from, Math.min(stamp.size(), from + PART_BYTES), path, crc);
                if (crc.getValue() != part.getValue()) {
                    return false;
                }
            }
        } catch (ChangedDuringUploadException shorter) {
            return false;
        }
        return true;
    }
}
