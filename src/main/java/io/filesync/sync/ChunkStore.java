package io.filesync.sync;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.filesync.core.error.BadInputException;

/**
 * The server's content-addressed store, shared by every file and every client: each chunk is a file named by the
 * SHA-256 of its bytes, and each verified file content keeps its {@link Manifest} under the whole-file hash, which is
 * what whole-file dedup looks up.
 * <p>
 * A chunk is stored only when its bytes hash to the name it was offered under, so no client can poison the index
 * with wrong content for a hash another client will rely on. A manifest offered by a client is kept apart as
 * pending; it becomes the verified manifest of its hash only after a file assembled from it hashed to that value.
 * Every write goes to a temporary name first and is renamed into place, so a crash leaves no half-written entry.
 */
public final class ChunkStore {

    private final Path chunks;
    private final Path manifests;
    private final Path pending;
    private final int maxChunk;
    private final int maxChunks;

    public ChunkStore(Path directory, int maxChunk, int maxChunks) {
        Path base = directory.toAbsolutePath().normalize();
        this.chunks = base.resolve("chunks");
        this.manifests = base.resolve("manifests");
        this.pending = base.resolve("pending");
        this.maxChunk = maxChunk;
        this.maxChunks = maxChunks;
    }

    public int maxChunk() {
        return maxChunk;
    }

    public boolean has(byte[] hash) {
        return Files.isRegularFile(chunkFile(hash));
    }

    /**
     * Stores a chunk if its bytes match its hash.
     *
     * @return true when the chunk was new
     * @throws BadInputException when the bytes are empty, too long, or do not hash to the given value
     */
    public boolean put(byte[] hash, byte[] bytes) throws IOException {
        if (bytes.length == 0 || bytes.length > maxChunk) {
            throw new BadInputException(Manifest.hex(hash), "chunk of " + bytes.length + " bytes refused: chunks hold 1 to "
                    + maxChunk + " bytes");
        }
        MessageDigest digest = Chunker.sha256();
        if (!Arrays.equals(digest.digest(bytes), hash)) {
            throw new BadInputException(Manifest.hex(hash), "chunk refused: its " + bytes.length
                    + " bytes do not match its hash (truncated or corrupted in transit)");
        }
        Path file = chunkFile(hash);
        if (Files.isRegularFile(file)) {
            return false;
        }
        writeAtomically(file, bytes);
        return true;
    }

    /** One chunk of an upload batch. */
    public record Upload(byte[] hash, byte[] bytes) {
    }

    /**
     * Splits an upload batch: for each chunk its hash (32 bytes), its length (4 bytes) and its bytes. Hashes are not
     * checked here; {@link #put} does that.
     *
     * @throws IllegalArgumentException when the batch is truncated or announces a length outside 1..maxChunk
     */
    public static List<Upload> parseBatch(byte[] batch, int maxChunk) {
        ByteBuffer buffer = ByteBuffer.wrap(batch);
        List<Upload> uploads = new ArrayList<>();
        while (buffer.hasRemaining()) {
            if (buffer.remaining() < Manifest.HASH_BYTES + 4) {
                throw new IllegalArgumentException("truncated after " + uploads.size() + " chunks");
            }
            byte[] hash = new byte[Manifest.HASH_BYTES];
            buffer.get(hash);
            int length = buffer.getInt();
            if (length < 1 || length > maxChunk || length > buffer.remaining()) {
                throw new IllegalArgumentException("chunk " + uploads.size() + " announces " + length + " bytes, "
                        + buffer.remaining() + " remain (truncated or corrupted)");
            }
            byte[] bytes = new byte[length];
            buffer.get(bytes);
            uploads.add(new Upload(hash, bytes));
        }
        return uploads;
    }

    public byte[] read(byte[] hash) throws IOException {
        return Files.readAllBytes(chunkFile(hash));
    }

    /** The verified manifest of a file content, or null. */
    public Manifest manifest(byte[] fileHash) throws IOException {
        return load(manifests.resolve(Manifest.hex(fileHash)));
    }

    /** A manifest a client offered for a content it is about to commit, or null. */
    public Manifest pending(byte[] fileHash) throws IOException {
        return load(pending.resolve(Manifest.hex(fileHash)));
    }

    public void putPending(Manifest manifest) throws IOException {
        writeAtomically(pending.resolve(manifest.hex()), manifest.encode());
    }

    /** Records a manifest whose assembled content was verified against its hash; its pending copy goes. */
    public void putVerified(Manifest manifest) throws IOException {
        Path file = manifests.resolve(manifest.hex());
        if (!Files.exists(file)) {
            writeAtomically(file, manifest.encode());
        }
        Files.deleteIfExists(pending.resolve(manifest.hex()));
    }

    /** Forgets a manifest that turned out wrong, so it is never offered again. */
    public void dropManifest(byte[] fileHash) throws IOException {
        Files.deleteIfExists(manifests.resolve(Manifest.hex(fileHash)));
        Files.deleteIfExists(pending.resolve(Manifest.hex(fileHash)));
    }

    /** Whether every chunk of a manifest is in the store. */
    public boolean complete(Manifest manifest) {
        return manifest.chunks().stream().allMatch(chunk -> has(chunk.hash()));
    }

    private Manifest load(Path file) throws IOException {
        try {
            return Manifest.decode(new ByteArrayInputStream(Files.readAllBytes(file)), maxChunk, maxChunks);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IllegalArgumentException e) {
            Files.deleteIfExists(file);
            return null;
        }
    }

    private Path chunkFile(byte[] hash) {
        String hex = Manifest.hex(hash);
        return chunks.resolve(hex.substring(0, 2)).resolve(hex);
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        if (!Files.isDirectory(file.getParent())) {
            Files.createDirectories(file.getParent());
        }
        // A name derived from the target and the thread, not Files.createTempFile: that costs a secure random
        // number per call, which made storing a 100 MB file's 6,400 chunks take seconds.
        Path temp = file.resolveSibling("." + file.getFileName() + "." + Thread.currentThread().getId() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                out.write(bytes);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
