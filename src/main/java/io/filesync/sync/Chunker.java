package io.filesync.sync;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Content-defined chunking in the FastCDC style: a gear rolling hash over the bytes, a cut where the hash's top bits
 * are all zero, and normalized chunking (a stricter mask before the average size, a looser one after it) so chunk
 * sizes cluster around the average instead of spreading exponentially. Because a cut depends only on the 64 bytes
 * before it, an insertion moves the cuts of the chunk it falls in and at most the next one; every chunk after that
 * is byte-identical and keeps its hash.
 * <p>
 * Sizes: min 4 KiB, average 16 KiB, max 64 KiB by default. The average sets what a small edit costs: about one
 * average chunk is re-sent, close to rsync's block of the square root of the file size. The price is a longer chunk
 * list, but it crosses the wire upstream only with a file's first version; later versions are sent as a
 * {@link ManifestDelta} of a few dozen bytes against the list the server returns, the counterpart of rsync's block
 * checksums. Larger averages re-send several times more for a small edit; smaller ones grow the list, the store's
 * file count and the index for little gain (figures: docs/benchmarks.md). The minimum (a quarter of the average) is
 * skipped without hashing,
 * which is most of FastCDC's speed; the maximum (four times the average) bounds memory and one chunk's upload, and
 * is hit only by data with no cut point, such as long runs of zeros.
 * <p>
 * Memory is bounded by one buffer of twice the maximum chunk size, whatever the file size. Each byte is hashed once,
 * with its chunk's SHA-256; the file's identity is derived from the chunk hashes ({@link Manifest#identity}).
 */
public final class Chunker {

    public static final int DEFAULT_MIN = 4 * 1024;
    public static final int DEFAULT_AVG = 16 * 1024;
    public static final int DEFAULT_MAX = 64 * 1024;
    private static final MessageDigest SHA256 = lookUpSha256();

    /** One random 64-bit value per byte value, fixed forever: changing it would change every chunk boundary. */
    private static final long[] GEAR = gearTable(0x9E3779B97F4A7C15L);

    private final int min;
    private final int avg;
    private final int max;
    /** Cut mask before the average size: two bits more than log2(avg), so cuts there are four times rarer. */
    private final long strictMask;
    /** Cut mask after the average size: two bits fewer, so a cut soon follows. */
    private final long looseMask;

    public Chunker() {
        this(DEFAULT_MIN, DEFAULT_AVG, DEFAULT_MAX);
    }

    /**
     * @param min smallest chunk (the last chunk of a file may be smaller)
     * @param avg target average; a power of two
     * @param max largest chunk
     */
    public Chunker(int min, int avg, int max) {
        if (Integer.bitCount(avg) != 1 || min < 64 || min > avg || avg > max) {
            throw new IllegalArgumentException("chunk sizes need 64 <= min <= avg <= max and avg a power of two: "
                    + min + "/" + avg + "/" + max);
        }
        this.min = min;
        this.avg = avg;
        this.max = max;
        int bits = Integer.numberOfTrailingZeros(avg);
        this.strictMask = topBits(bits + 2);
        this.looseMask = topBits(bits - 2);
    }

    public int minSize() {
        return min;
    }

    public int avgSize() {
        return avg;
    }

    public int maxSize() {
        return max;
    }

    /** Chunks a file; the file is read once. */
    public Manifest chunk(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return chunk(in);
        }
    }

    /** Chunks content already in memory, cutting in place: no copy into a read buffer. */
    public Manifest chunk(byte[] data) {
        return chunk(data, 0, data.length);
    }

    /** Chunks the content that lies in {@code data} from {@code from} on, {@code length} bytes, in place. */
    public Manifest chunk(byte[] data, int from, int length) {
        MessageDigest part = sha256();
        List<Manifest.Chunk> chunks = new ArrayList<>();
        int offset = 0;
        while (offset < length) {
            int cut = cut(data, from + offset, length - offset);
            part.update(data, from + offset, cut);
            chunks.add(new Manifest.Chunk(offset, cut, part.digest()));
            offset += cut;
        }
        return Manifest.of(offset, chunks);
    }

    /** Chunks a stream to its end; the stream is not closed. */
    public Manifest chunk(InputStream in) throws IOException {
        MessageDigest part = sha256();
        List<Manifest.Chunk> chunks = new ArrayList<>();
        byte[] buffer = new byte[2 * max];
        int start = 0;
        int end = 0;
        long offset = 0;
        boolean eof = false;
        while (true) {
            if (!eof && end - start < max) {
                // Move the unprocessed tail to the front and fill up, so a whole max-size window is always visible.
                System.arraycopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
                int read;
                while (end < buffer.length && (read = in.read(buffer, end, buffer.length - end)) > 0) {
                    end += read;
                }
                eof = end < buffer.length;
            }
            if (start == end) {
                break;
            }
            int length = cut(buffer, start, end - start);
            part.update(buffer, start, length);
            chunks.add(new Manifest.Chunk(offset, length, part.digest()));
            offset += length;
            start += length;
        }
        return Manifest.of(offset, chunks);
    }

    /** Length of the chunk starting at {@code from}, given {@code available} bytes from there. */
    int cut(byte[] data, int from, int available) {
        if (available <= min) {
            return available;
        }
        int limit = Math.min(available, max);
        int normal = Math.min(limit, avg);
        long hash = 0;
        int i = min;
        for (; i < normal; i++) {
            hash = (hash << 1) + GEAR[data[from + i] & 0xFF];
            if ((hash & strictMask) == 0) {
                return i + 1;
            }
        }
        for (; i < limit; i++) {
            hash = (hash << 1) + GEAR[data[from + i] & 0xFF];
            if ((hash & looseMask) == 0) {
                return i + 1;
            }
        }
        return limit;
    }

    /**
     * The gear hash shifts left once per byte, so its bit k depends on the last k+1 bytes only: the mask uses the
     * top bits, which see a window of up to 64 bytes.
     */
    private static long topBits(int count) {
        return count <= 0 ? 0 : -1L << (64 - count);
    }

    private static long[] gearTable(long seed) {
        long[] table = new long[256];
        long state = seed;
        for (int i = 0; i < table.length; i++) {
            // SplitMix64: well-mixed, and reproducible from the seed on every JVM.
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            table[i] = z ^ (z >>> 31);
        }
        return table;
    }

    /**
     * A fresh SHA-256, cloned from one looked up once: a provider lookup per file and per chunk list costs more than
     * hashing a small file.
     */
    static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return lookUpSha256();
        }
    }

    private static MessageDigest lookUpSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK always has SHA-256", e);
        }
    }
}
