package io.filesync.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.nio.file.ExtendedOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes large new files past the page cache (direct I/O, {@code O_DIRECT}) while they are written front to back,
 * which is how a first upload arrives. A write through the page cache copies every byte into pages the kernel
 * allocates for it; on the development machine that copy was 2.5 s of the server's 6 s of CPU for a 1 GiB upload,
 * and {@code dd} puts it at 0.6 to 4 s per GiB of system time (the page cache's fresh pages cost the most), against 0.1 s
 * for the same gigabyte written with direct I/O, which the disk's DMA reads from this process's buffer. A sync
 * server receives far more than it reads back, and what it writes would only push other files out of the cache.
 * Object stores that receive bulk uploads write them the same way (MinIO, for one).
 * <p>
 * Direct I/O takes whole blocks at block-aligned offsets from block-aligned memory, so the bytes of a file go through
 * a bounce buffer (aligned, reused, a megabyte) and the bytes past the last whole block wait in a tail of less than a
 * block until the next bytes arrive. A file leaves direct I/O for good ({@link Appending#flushTail}, an ordinary write
 * of its tail) as soon as bytes arrive anywhere but at its end, or its file system refuses a write: from then on it
 * is written through the page cache, never a block holding bytes written the other way. Small files (under
 * {@link #MIN_FILE_BYTES}) always go through the page cache: their cost is creating them, not copying them.
 */
final class DirectWrites {

    private static final Logger LOG = LoggerFactory.getLogger(DirectWrites.class);
    /** Files smaller than this are written through the page cache. */
    static final long MIN_FILE_BYTES = 1 << 20;
    private static final int BOUNCE_BYTES = 1 << 20;
    private static final int KEEP_BOUNCES = 4;

    /** The file system's block size, or 0 when direct I/O is off (by configuration or refused by the file system). */
    private final int block;
    private final ArrayDeque<ByteBuffer> bounces = new ArrayDeque<>();
    private final AtomicLong written = new AtomicLong();

    private DirectWrites(int block) {
        this.block = block;
    }

    /** Direct I/O off: every file goes through the page cache. */
    static DirectWrites off() {
        return new DirectWrites(0);
    }

    /**
     * Direct I/O for large files in this folder if its file system takes it: a probe file of one block is written
     * there with direct I/O, then deleted. Where it is refused (tmpfs on older kernels, some network file systems),
     * every file goes through the page cache, as it would with direct I/O off.
     */
    static DirectWrites probe(Path directory) {
        Path probe = directory.resolve(".direct-io-probe");
        try {
            int block = (int) Files.getFileStore(directory).getBlockSize();
            if (block <= 0 || Integer.bitCount(block) != 1 || block > BOUNCE_BYTES) {
                throw new IOException("unusual block size " + block);
            }
            ByteBuffer one = ByteBuffer.allocateDirect(2 * block).alignedSlice(block).limit(block);
            try (FileChannel out = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, ExtendedOpenOption.DIRECT)) {
                out.write(one, 0);
            }
            return new DirectWrites(block);
        } catch (IOException | RuntimeException e) {
            LOG.info("Sync server: the file system of {} does not take direct I/O ({}); uploads are written through the page cache",
                    directory, e.toString());
            return off();
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException e) {
                // deleted with the staging folder's leftovers at the next start
            }
        }
    }

    boolean enabled() {
        return block > 0;
    }

    /** Bytes written with direct I/O so far. */
    long bytesWritten() {
        return written.get();
    }

    /** The direct-I/O state of a new file of this size, or null when it is to be written through the page cache. */
    Appending start(long size) {
        return block > 0 && size >= MIN_FILE_BYTES ? new Appending() : null;
    }

    private synchronized ByteBuffer takeBounce() {
        ByteBuffer bounce = bounces.poll();
        if (bounce == null) {
            bounce = ByteBuffer.allocateDirect(BOUNCE_BYTES + 2 * block).alignedSlice(block).limit(BOUNCE_BYTES).slice();
        }
        return bounce.clear();
    }

    private synchronized void giveBounce(ByteBuffer bounce) {
        if (bounces.size() < KEEP_BOUNCES) {
            bounces.push(bounce);
        }
    }

    /**
     * A file being written front to back with direct I/O: bytes {@code [0, end)} are handed over, those up to the last
     * whole block are on disk, the rest wait in the tail. Not thread-safe: its file's lock guards it.
     */
    final class Appending {
        private long end;
        private final byte[] tail = new byte[block];

        /** Bytes handed over so far: where the next append must start. */
        long end() {
            return end;
        }

        /** Bytes on disk: all handed-over bytes but the tail. */
        long onDisk() {
            return end - end % block;
        }

        /**
         * Appends the bytes of the buffers (from their positions to their limits; the buffers are not modified) at
         * {@link #end()}, writing every whole block to the file with direct I/O.
         *
         * @throws IOException when the file system refused a write; nothing here changed then, and some of the blocks
         *                     may or may not be on disk: write the tail and these bytes again the ordinary way
         */
        void append(Path file, ByteBuffer[] buffers, long length) throws IOException {
            ByteBuffer bounce = takeBounce();
            try (FileChannel direct = FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
                long at = onDisk();
                bounce.put(tail, 0, (int) (end - at));
                for (ByteBuffer buffer : buffers) {
                    ByteBuffer part = buffer.duplicate();
                    while (part.hasRemaining()) {
                        int n = Math.min(part.remaining(), bounce.remaining());
                        bounce.put(part.slice(part.position(), n));
                        part.position(part.position() + n);
                        if (!bounce.hasRemaining()) {
                            writeBlocks(direct, bounce, bounce.capacity(), at);
                            at += bounce.capacity();
                            bounce.clear();
                        }
                    }
                }
                int filled = bounce.position();
                int whole = filled - filled % block;
                if (whole > 0) {
                    writeBlocks(direct, bounce, whole, at);
                }
                bounce.get(whole, tail, 0, filled - whole);
                end += length;
            } finally {
                giveBounce(bounce);
            }
        }

        /** Writes the bounce buffer's first {@code length} bytes (whole blocks) at {@code at}. */
        private void writeBlocks(FileChannel direct, ByteBuffer bounce, int length, long at) throws IOException {
            ByteBuffer blocks = bounce.duplicate().position(0).limit(length);
            for (long position = at; blocks.hasRemaining(); ) {
                position += direct.write(blocks, position);
            }
            written.addAndGet(length);
        }

        /** Writes the tail through the page cache, where it belongs: the file is then complete up to {@link #end()}. */
        void flushTail(FileChannel out) throws IOException {
            ByteBuffer bytes = ByteBuffer.wrap(tail, 0, (int) (end - onDisk()));
            for (long position = onDisk(); bytes.hasRemaining(); ) {
                position += out.write(bytes, position);
            }
        }
    }
}
