package io.filesync.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.nio.file.ExtendedOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes large new files past the page cache (direct I/O, {@code O_DIRECT}) as their bytes arrive, in whatever order
 * they arrive. A write through the page cache copies every byte into pages the kernel allocates for it, a large
 * share of the server's CPU for a big upload; with direct I/O the disk's DMA reads from this process's buffer
 * instead. A sync server receives far more than it reads back, and what it writes would only push other files out of
 * the cache (docs/design/sync.md; {@code sync.server.direct-io=false} turns it off). Object stores that receive bulk
 * uploads write them the same way (MinIO, for one).
 * <p>
 * Direct I/O takes whole blocks at block-aligned offsets from block-aligned memory, so the bytes of a file go through
 * a bounce buffer (aligned, reused, a megabyte), and the bytes of a block that a write covers only in part wait in
 * memory until the rest of the block arrives: the client uploads two batches at once, so the second half of a file
 * often reaches the server before the first. The file's last block, shorter than a block, waits until the file
 * leaves direct I/O ({@link Writing#flush}, an ordinary write of every block still waiting). It leaves it when it is
 * complete, before it is read, when its file system refuses a write, or when too many blocks wait (an edit that
 * sends scattered chunks of a large file): from then on it is written through the page cache. Small files (under
 * {@link #MIN_FILE_BYTES}) always go through the page cache: their cost is creating them, not copying them.
 */
final class DirectWrites {

    private static final Logger LOG = LoggerFactory.getLogger(DirectWrites.class);
    /** Files smaller than this are written through the page cache. */
    static final long MIN_FILE_BYTES = 1 << 20;
    private static final int BOUNCE_BYTES = 1 << 20;
    private static final int KEEP_BOUNCES = 4;
    /**
     * Blocks of one file that may wait in memory for the rest of their bytes (512 KiB): a first upload leaves a few
     * at a time, at the edges of the batches in flight; an edit that sends scattered chunks of a large file, whose
     * neighbours the server already holds, leaves two per chunk until its commit, and goes through the page cache
     * past this many.
     */
    static final int MAX_WAITING_BLOCKS = 128;

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
    Writing start(long size) {
        return block > 0 && size >= MIN_FILE_BYTES ? new Writing(size) : null;
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

    /** A block some of whose bytes were handed over; the others are zero here until they arrive. */
    private static final class Partial {
        final byte[] bytes;
        int covered;

        Partial(int block) {
            bytes = new byte[block];
        }
    }

    /**
     * A file of a known size being written with direct I/O, its bytes handed over in runs, in any order, each byte
     * once. Every block whose bytes have all been handed over is on disk; the others wait in memory. Not
     * thread-safe: its file's lock guards it.
     */
    final class Writing {
        private final long size;
        /** Blocks handed over in part, by block index. */
        private final TreeMap<Long, Partial> partial = new TreeMap<>();
        private long handedOver;

        private Writing(long size) {
            this.size = size;
        }

        /** Whether every byte of the file has been handed over. */
        boolean complete() {
            return handedOver == size;
        }

        /** Whether the bytes of {@code [offset, offset + length)}, all handed over, are on disk. */
        boolean onDisk(long offset, long length) {
            return length == 0 || partial.subMap(offset / block, true, (offset + length - 1) / block, true).isEmpty();
        }

        /**
         * Hands over the bytes of the buffers (from their positions to their limits; the buffers are not modified),
         * to lie at {@code offset}: every block they complete is written to the file with direct I/O.
         *
         * @return false, changing nothing, when too many blocks already wait: write these bytes the ordinary way
         * @throws IOException when the file system refused a write; some of the blocks may or may not be on disk, the
         *                     waiting blocks hold what they held plus their share of these bytes: {@link #flush} them,
         *                     then write these bytes again the ordinary way
         */
        boolean write(Path file, long offset, ByteBuffer[] buffers, long length) throws IOException {
            if (partial.size() >= MAX_WAITING_BLOCKS) {
                return false;
            }
            SyncFraming.Body source = new SyncFraming.Body(buffers);
            ByteBuffer bounce = takeBounce();
            List<Long> completed = new ArrayList<>();
            try (FileChannel direct = FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
                long end = offset + length;
                long at = -1;
                for (long position = offset; position < end; ) {
                    long index = position / block;
                    long blockStart = index * block;
                    int wanted = (int) Math.min(block, size - blockStart);
                    if (position == blockStart && wanted == block && end - position >= block) {
                        // Whole blocks, as many as fit the bounce buffer.
                        at = continueAt(direct, bounce, at, blockStart);
                        int n = (int) Math.min(bounce.remaining(), (end - position) / block * block);
                        for (ByteBuffer view : source.views(n)) {
                            bounce.put(view);
                        }
                        position += n;
                        continue;
                    }
                    // A block this run covers in part: its bytes join those that arrived before.
                    int from = (int) (position - blockStart);
                    int n = (int) Math.min(block - from, end - position);
                    Partial waiting = partial.computeIfAbsent(index, i -> new Partial(block));
                    source.get(waiting.bytes, from, n);
                    waiting.covered += n;
                    position += n;
                    if (waiting.covered == wanted && wanted == block) {
                        at = continueAt(direct, bounce, at, blockStart);
                        bounce.put(waiting.bytes);
                        completed.add(index);
                    }
                }
                drain(direct, bounce, at, -1);
            } finally {
                giveBounce(bounce);
            }
            // Only once they are on disk: until then a failure leaves their bytes here, for flush.
            completed.forEach(partial::remove);
            handedOver += length;
            return true;
        }

        /**
         * Where the bounce buffer's blocks start once it is ready for blocks from {@code blockStart} on: unchanged when
         * they follow what it holds and it has room, else it is drained first and starts over there.
         */
        private long continueAt(FileChannel direct, ByteBuffer bounce, long at, long blockStart) throws IOException {
            boolean follows = at >= 0 && at + bounce.position() == blockStart && bounce.hasRemaining();
            return follows ? at : drain(direct, bounce, at, blockStart);
        }

        /**
         * Writes the bounce buffer's whole blocks at {@code at} (none when {@code at} is negative), then starts it over
         * for the blocks from {@code next} on.
         */
        private long drain(FileChannel direct, ByteBuffer bounce, long at, long next) throws IOException {
            if (at >= 0 && bounce.position() > 0) {
                ByteBuffer blocks = bounce.duplicate().flip();
                for (long position = at; blocks.hasRemaining(); ) {
                    position += direct.write(blocks, position);
                }
                written.addAndGet(bounce.position());
            }
            bounce.clear();
            return next;
        }

        /**
         * Writes every waiting block through the page cache, up to the file's size: the file then holds every byte
         * handed over. Bytes of those blocks not handed over yet are written as zeros, which is what an unwritten
         * part of the file reads as anyway; they are written with the rest of their chunk later, the ordinary way.
         */
        void flush(FileChannel out) throws IOException {
            for (Map.Entry<Long, Partial> waiting : partial.entrySet()) {
                long blockStart = waiting.getKey() * block;
                ByteBuffer bytes = ByteBuffer.wrap(waiting.getValue().bytes, 0, (int) Math.min(block, size - blockStart));
                for (long position = blockStart; bytes.hasRemaining(); ) {
                    position += out.write(bytes, position);
                }
            }
            partial.clear();
        }
    }
}
