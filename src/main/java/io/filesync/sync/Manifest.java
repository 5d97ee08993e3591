package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A file as the sync protocol sees it: its size, the SHA-256 of its content, and its content-defined chunks in
 * order. The binary form is what crosses the wire (36 bytes per chunk, so a 100 MB file's list is about 230 KB;
 * hex in JSON would nearly double that) and what the server keeps per file content, for whole-file dedup and as the
 * base of a {@link ManifestDelta}.
 * <pre>
 *   "FSM1" | file hash (32) | size (8) | count (4) | count x (chunk hash (32) | length (4))
 * </pre>
 */
public record Manifest(long size, byte[] hash, List<Chunk> chunks) {

    public static final int HASH_BYTES = 32;
    static final int MAGIC = 0x46534D31;
    private static final HexFormat HEX = HexFormat.of();

    /** One chunk: where it starts in the file, how long it is, and the SHA-256 of its bytes. */
    public record Chunk(long offset, int length, byte[] hash) {
        public String hex() {
            return HEX.formatHex(hash);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Chunk c && offset == c.offset && length == c.length && Arrays.equals(hash, c.hash);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(offset) * 31 + Arrays.hashCode(hash);
        }

        @Override
        public String toString() {
            return offset + "+" + length + ":" + hex().substring(0, 12);
        }
    }

    public Manifest {
        chunks = List.copyOf(chunks);
    }

    public String hex() {
        return HEX.formatHex(hash);
    }

    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    /** Parses a hex SHA-256; anything else is refused, so a hash can safely name a file in the store. */
    public static byte[] parseHash(String hex) {
        if (hex == null || hex.length() != 2 * HASH_BYTES || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not a lower-case hex SHA-256: " + hex);
        }
        return HEX.parseHex(hex);
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(48 + chunks.size() * (HASH_BYTES + 4));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.write(hash);
            out.writeLong(size);
            out.writeInt(chunks.size());
            for (Chunk chunk : chunks) {
                out.write(chunk.hash());
                out.writeInt(chunk.length());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a manifest, refusing malformed input: wrong magic, truncation, chunk lengths outside 1..maxChunk, more
     * than maxChunks chunks, or lengths that do not add up to the size.
     */
    public static Manifest decode(InputStream input, int maxChunk, int maxChunks) throws IOException {
        DataInputStream in = new DataInputStream(input);
        try {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a chunk manifest");
            }
            byte[] fileHash = in.readNBytes(HASH_BYTES);
            long size = in.readLong();
            int count = in.readInt();
            if (fileHash.length != HASH_BYTES || size < 0 || count < 0 || count > maxChunks) {
                throw new IllegalArgumentException("manifest header out of bounds (size " + size + ", " + count + " chunks)");
            }
            List<Chunk> chunks = new ArrayList<>(count);
            long offset = 0;
            for (int i = 0; i < count; i++) {
                byte[] chunkHash = in.readNBytes(HASH_BYTES);
                if (chunkHash.length != HASH_BYTES) {
                    throw new EOFException();
                }
                int length = in.readInt();
                if (length < 1 || length > maxChunk) {
                    throw new IllegalArgumentException("chunk " + i + " has length " + length + ", outside 1.." + maxChunk);
                }
                chunks.add(new Chunk(offset, length, chunkHash));
                offset += length;
            }
            if (offset != size) {
                throw new IllegalArgumentException("chunk lengths add up to " + offset + ", not the size " + size);
            }
            if (in.read() >= 0) {
                throw new IllegalArgumentException("trailing bytes after the manifest");
            }
            return new Manifest(size, fileHash, chunks);
        } catch (EOFException e) {
            throw new IllegalArgumentException("manifest is truncated");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Manifest m && size == m.size && Arrays.equals(hash, m.hash) && chunks.equals(m.chunks);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hash);
    }

    @Override
    public String toString() {
        return hex().substring(0, 12) + " (" + size + " bytes, " + chunks.size() + " chunks)";
    }
}
