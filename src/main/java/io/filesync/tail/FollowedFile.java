package io.filesync.tail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file a {@link TailEngine} follows: the open channel (kept open so a file renamed away or deleted can still be
 * read to its end), how far it was read, and the engine's bookkeeping. Guarded by the engine's lock.
 */
final class FollowedFile {

    private static final Logger LOG = LoggerFactory.getLogger(FollowedFile.class);

    final String fileKey;
    Path path;
    FileChannel channel;
    TailPosition position;
    boolean present = true;
    boolean inFlight;
    boolean touchedInFlight;
    long retryAt;
    /** When the file last grew or vanished; a vanished file is let go only after a quiet grace period. */
    long lastActivity = System.currentTimeMillis();

    FollowedFile(String fileKey, Path path, FileChannel channel, TailPosition position) {
        this.fileKey = fileKey;
        this.path = path;
        this.channel = channel;
        this.position = position;
    }

    /** Bytes written after the position; negative when the file shrank below it. */
    long unread() {
        try {
            return channel.size() - position.offset();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Whether the file still holds what was read: not shorter, and the same first bytes. */
    boolean sameContentAsRead() throws IOException {
        return sameContent(channel, position);
    }

    void close() {
        if (channel != null) {
            closeQuietly(channel);
            channel = null;
        }
    }

    /** Truncated (shorter than what was read) or replaced (first bytes differ) files are not the same content. */
    static boolean sameContent(FileChannel channel, TailPosition position) throws IOException {
        if (channel.size() < position.offset()) {
            return false;
        }
        if (position.fingerprintLength() == 0) {
            return true;
        }
        return position.fingerprint().equals(FileIdentity.fingerprint(channel, position.fingerprintLength()));
    }

    /** The offset just after the last complete line, where reading starts for a file followed from its end. */
    static long afterLastNewline(FileChannel channel) throws IOException {
        long size = channel.size();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        for (long end = size; end > 0; ) {
            long start = Math.max(0, end - buffer.capacity());
            buffer.clear().limit((int) (end - start));
            channel.read(buffer, start);
            for (int i = buffer.position() - 1; i >= 0; i--) {
                if (buffer.get(i) == '\n') {
                    return start + i + 1;
                }
            }
            end = start;
        }
        return 0;
    }

    /**
     * How many lines end before {@code end}: the line number of the last of them, so a file followed from its end
     * numbers its lines as in the file. Streams the file once, in a fixed buffer.
     */
    static long linesBefore(FileChannel channel, long end) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
        long lines = 0;
        for (long at = 0; at < end; ) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), end - at));
            int read = channel.read(buffer, at);
            if (read < 0) {
                break;
            }
            for (int i = 0; i < read; i++) {
                if (buffer.get(i) == '\n') {
                    lines++;
                }
            }
            at += read;
        }
        return lines;
    }

    static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("Could not close a followed file: {}", e.getMessage());
        }
    }
}
