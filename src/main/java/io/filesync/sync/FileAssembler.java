package io.filesync.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Puts a file in place from the chunk store: the chunks are written under a temporary name next to the target, the
 * size and SHA-256 of what was written are checked against the manifest, and only then is the file renamed over the
 * target atomically. A reader, a crash or a failed check never leaves a half-written or wrong file at the target.
 */
final class FileAssembler {

    /** Prefix of files being assembled; never listed, removed at start when a crash left one behind. */
    static final String TEMP_PREFIX = ".filesync-sync-";

    /** What assembling came to: in place (with the version to remember), a mismatch, or chunks gone meanwhile. */
    record Result(String version, boolean mismatch, List<Integer> missing) {
        boolean placed() {
            return version != null;
        }
    }

    private final ChunkStore store;
    private final boolean force;

    FileAssembler(ChunkStore store, boolean force) {
        this.store = store;
        this.force = force;
    }

    /** The indexes of the manifest's chunks the store lacks. */
    List<Integer> missing(Manifest manifest) {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < manifest.chunks().size(); i++) {
            if (!store.has(manifest.chunks().get(i).hash())) {
                missing.add(i);
            }
        }
        return missing;
    }

    Result assemble(Path target, Manifest manifest) throws IOException {
        Path temp = target.resolveSibling(TEMP_PREFIX + Long.toHexString(System.nanoTime())
                + "-" + Thread.currentThread().getId() + ".tmp");
        MessageDigest digest = Chunker.sha256();
        long size = 0;
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (Manifest.Chunk chunk : manifest.chunks()) {
                    byte[] bytes = store.read(chunk.hash());
                    if (bytes == null) {
                        // Collected since the commit checked for it: the client sends it again.
                        return new Result(null, false, missing(manifest));
                    }
                    digest.update(bytes);
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                    size += bytes.length;
                }
                if (force) {
                    out.force(true);
                }
            }
            if (size != manifest.size() || !Arrays.equals(digest.digest(), manifest.hash())) {
                return new Result(null, true, List.of());
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("No space left")) {
                throw new ChunkStore.Full("the server's disk is full: " + e.getMessage(), e);
            }
            throw e;
        } finally {
            Files.deleteIfExists(temp);
        }
        BasicFileAttributes attributes = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return new Result(attributes.size() + "|" + attributes.lastModifiedTime().toMillis() + "|" + manifest.hex(), false,
                List.of());
    }

    /** Removes temporary files a crash left behind. */
    static void removeLeftovers(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                if (path.getFileName().toString().startsWith(TEMP_PREFIX) && Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
