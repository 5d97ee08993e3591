package io.filesync.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;

/** The trees the sync benches write, compare and remove: one shape of mixed sizes, its content set by a seed. */
final class BenchTrees {

    /** The seed of the measured tree; the warm-up tree of the server uses another, so nothing in it dedups. */
    static final long MEASURED_SEED = 11;

    private BenchTrees() {
    }

    /**
     * Many small files in nested folders (a tenth of the bytes), some medium ones (three tenths), three large ones
     * (the rest), and five empty folders.
     *
     * @return the number of files written
     */
    static int write(Path root, long total, long seed) throws IOException {
        Random random = new Random(seed);
        int files = 0;
        long small = total / 10;
        long medium = total * 3 / 10;
        long large = total - small - medium;
        for (long written = 0; written < small; files++) {
            int size = random.nextInt(32 * 1024) + 1;
            Path file = root.resolve("small/d" + files % 37 + "/e" + files % 11 + "/f" + files + ".dat");
            writeRandom(file, size, random);
            written += size;
        }
        for (long written = 0; written < medium; files++) {
            int size = 64 * 1024 + random.nextInt(8 * 1024 * 1024);
            writeRandom(root.resolve("medium/m" + files % 5 + "/f" + files + ".bin"), size, random);
            written += size;
        }
        for (int i = 0; i < 3; i++, files++) {
            writeRandom(root.resolve("large/f" + i + ".bin"), large / 3, random);
        }
        for (int i = 0; i < 5; i++) {
            Files.createDirectories(root.resolve("empty/e" + i));
        }
        return files;
    }

    private static void writeRandom(Path file, long size, Random random) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] buffer = new byte[(int) Math.min(size, 1 << 20)];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= buffer.length) {
                random.nextBytes(buffer);
                out.write(buffer, 0, (int) Math.min(left, buffer.length));
            }
        }
    }

    /** Throws unless every file and folder of {@code expected} is in {@code actual} with the same bytes. */
    static void verify(Path expected, Path actual) throws IOException {
        try (var walk = Files.walk(expected)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                Path other = actual.resolve(expected.relativize(path).toString());
                if (Files.isDirectory(path) ? !Files.isDirectory(other) : Files.mismatch(path, other) != -1) {
                    throw new IllegalStateException(other + " differs from " + path);
                }
            }
        }
    }

    /**
     * Reads every file of the tree, so the timing that follows reads it from the page cache, as the other tool's did.
     * This machine reclaims page cache that has gone unread for a while (its kdamond: half of a 512 MiB file was gone
     * after 45 s idle), so a tree written or read before a daemon's warm-up was partly read from disk again by the
     * tool timed after it, which made that tool's time depend on the order of the tools and trials.
     */
    static void cache(Path root) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        try (var walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(path)) {
                    try (FileChannel in = FileChannel.open(path)) {
                        while (in.read(buffer.clear()) >= 0) {
                            // read to the end
                        }
                    }
                }
            }
        }
    }

    /**
     * Writes every dirty page of the machine to disk and waits for it ({@code sync}), so a timing that follows does
     * not pay for the writeback of what was written before it: the tree itself, a warm-up, or the other tool's copy.
     * Without it, the kernel flushes those pages 30 s after they were written, inside whichever timing runs then.
     */
    static void flushWriteback() throws IOException, InterruptedException {
        Process sync = new ProcessBuilder("sync").inheritIO().start();
        if (sync.waitFor() != 0) {
            throw new IllegalStateException("sync failed with exit code " + sync.exitValue());
        }
    }

    static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }
}
