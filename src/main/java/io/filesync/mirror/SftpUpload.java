package io.filesync.mirror;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.Optional;
import java.util.zip.CRC32C;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.SftpATTRS;
import com.jcraft.jsch.SftpException;

/**
 * Streams one local file into a temporary file on the SFTP server, resumably. Every {@value #CHECKPOINT_BYTES} bytes
 * a checkpoint is persisted ({@link SftpCheckpoints}): an offset the server has acknowledged and the CRC32C of the
 * bytes before it. After a crash, a stop or a lost connection, the next attempt continues from the checkpoint if the
 * local file still has the same version and the same prefix checksum and the temporary file is at least that long;
 * otherwise it starts over. Bytes after the checkpoint are written again over whatever the server holds there.
 */
final class SftpUpload {

    /** Checkpoint and progress step; larger than what JSch keeps unacknowledged (bulk requests x 32 KiB). */
    static final long CHECKPOINT_BYTES = 8L * 1024 * 1024;
    private static final int BUFFER_BYTES = 64 * 1024;

    /** Where an upload starts: offset, the CRC32C state of the bytes before it, and the temporary file's size. */
    private record Start(long offset, CRC32C prefix, long remoteSize) {
    }

    private final SftpCheckpoints checkpoints;

    /** @param checkpoints where progress is persisted; null: no resume (every attempt starts over) */
    SftpUpload(SftpCheckpoints checkpoints) {
        this.checkpoints = checkpoints;
    }

    /** Writes the file to {@code temporary}; returns the offset it resumed from (0 when it started over). */
    long upload(ChannelSftp channel, String path, Path file, FileStamp stamp, String temporary, Remote.Progress progress)
            throws SftpException, IOException {
        boolean resumable = checkpoints != null && stamp.size() >= CHECKPOINT_BYTES;
        Start start = resumable ? resumePoint(channel, path, file, stamp, temporary) : new Start(0, new CRC32C(), 0);
        CRC32C crc = start.prefix();
        long position = start.offset();
        // RESUME opens without truncating and writes at the given offset plus the file's current size.
        OutputStream out = position == 0 ? channel.put(SftpPaths.escape(temporary), null, ChannelSftp.OVERWRITE, 0)
                : channel.put(SftpPaths.escape(temporary), null, ChannelSftp.RESUME, position - start.remoteSize());
        SftpCheckpoints.Checkpoint pending = null;
        int steps = (int) Math.max(1, (stamp.size() + CHECKPOINT_BYTES - 1) / CHECKPOINT_BYTES);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
            long nextCheckpoint = (position / CHECKPOINT_BYTES + 1) * CHECKPOINT_BYTES;
            while (position < stamp.size()) {
                if (progress.stopping()) {
                    out.close();
                    save(pending);
                    throw new InterruptedIOException("stopped after " + position + " of " + stamp.size() + " bytes of " + path
                            + "; resumes on restart");
                }
                buffer.clear().limit((int) Math.min(BUFFER_BYTES, Math.min(nextCheckpoint, stamp.size()) - position));
                int read = in.read(buffer, position);
                if (read < 0) {
                    throw new ChangedDuringUploadException(path + " became shorter while it was being uploaded");
                }
                out.write(buffer.array(), 0, read);
                crc.update(buffer.array(), 0, read);
                position += read;
                if (position == nextCheckpoint) {
                    if (resumable) {
                        // What was written one step ago is acknowledged by now: JSch waits for acks beyond its bulk window.
                        save(pending);
                        pending = new SftpCheckpoints.Checkpoint(path, temporary, stamp.version(), position, crc.getValue());
                    }
                    progress.sent((int) (position / CHECKPOINT_BYTES), steps, CHECKPOINT_BYTES);
                    nextCheckpoint += CHECKPOINT_BYTES;
                }
            }
            out.close();
        }
        if (position != stamp.size()) {
            throw new IOException("wrote " + position + " of " + stamp.size() + " bytes of " + path);
        }
        return start.offset();
    }

    /** Forgets the checkpoint of a finished or abandoned upload. */
    void finished(String path, FileStamp stamp) throws IOException {
        if (checkpoints != null && stamp.size() >= CHECKPOINT_BYTES) {
            try {
                checkpoints.remove(path);
            } catch (SQLException e) {
                throw new IOException("SFTP checkpoint table not reachable: " + e.getMessage(), e);
            }
        }
    }

    private Start resumePoint(ChannelSftp channel, String path, Path file, FileStamp stamp, String temporary)
            throws SftpException, IOException {
        Optional<SftpCheckpoints.Checkpoint> found;
        try {
            found = checkpoints.find(path);
        } catch (SQLException e) {
            throw new IOException("SFTP checkpoint table not reachable: " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            return new Start(0, new CRC32C(), 0);
        }
        SftpCheckpoints.Checkpoint checkpoint = found.get();
        SftpATTRS held = checkpoint.version().equals(stamp.version()) && checkpoint.temporary().equals(temporary)
                ? SftpPaths.statOrNull(channel, temporary) : null;
        if (held == null || held.getSize() < checkpoint.offset()) {
            return new Start(0, new CRC32C(), 0);
        }
        CRC32C prefix = new CRC32C();
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
            long position = 0;
            while (position < checkpoint.offset()) {
                buffer.clear().limit((int) Math.min(BUFFER_BYTES, checkpoint.offset() - position));
                int read = in.read(buffer, position);
                if (read < 0) {
                    return new Start(0, new CRC32C(), 0);
                }
                prefix.update(buffer.array(), 0, read);
                position += read;
            }
        }
        if (prefix.getValue() != checkpoint.prefixCrc32c()) {
            return new Start(0, new CRC32C(), 0);
        }
        return new Start(checkpoint.offset(), prefix, held.getSize());
    }

    private void save(SftpCheckpoints.Checkpoint checkpoint) throws IOException {
        if (checkpoint == null) {
            return;
        }
        try {
            checkpoints.save(checkpoint);
        } catch (SQLException e) {
            throw new IOException("SFTP checkpoint table not reachable: " + e.getMessage(), e);
        }
    }
}
