package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A file as the sync protocol sees it: its size, its content identity, and its content-defined chunks in order. The
 * binary form is what crosses the wire (36 bytes per chunk, so a 100 MB file's list is about 230 KB; hex in JSON
 * would nearly double that) and what the server keeps per file content, for whole-file dedup and as the base of a
 * {@link ManifestDelta}.
 * <pre>
 *   "FSM2" | identity (32) | size (8) | count (4) | count x (chunk hash (32) | length (4))
 * </pre>
 * <p>
 * <b>Content identity.</b> A file's identity ({@link #hash()}, the "content hash" everywhere: client state, offers, content links, audit) is
 * not the SHA-256 of its bytes but the root of a hash list: SHA-256 over a domain tag, the size, the chunk count and
 * each chunk's length and SHA-256 in order ({@link #identity}). The client then hashes each byte once (per chunk),
 * and the server verifies each new chunk once, as it is stored, and derives the identity from the chunk list without
 * reading the file again. Before, a file was hashed twice on each side (per chunk and whole).
 * <p>
 * Why it is as good for our purpose, which is that two different contents never share an identity: two contents
 * with the same identity but different bytes would mean either two different encoded chunk lists with the same
 * SHA-256 (a collision of SHA-256 on the list, whose encoding is unambiguous: fixed-width fields, count and size
 * included), or equal lists, hence some chunk with the same hash and length but other bytes (a collision of SHA-256
 * on a chunk). Either is a SHA-256 collision, the same assumption the whole-file hash rested on. The domain tag keeps
 * an identity from ever equalling the plain SHA-256 of some file or chunk. One consequence: the identity depends on
 * the chunker's parameters (a client with other chunk sizes names the same bytes differently, so dedup between two
 * such clients is lost, never wrong).
 * <p>
 * A manifest whose identity does not match its chunk list cannot be built: the constructor refuses it, so a chunk
 * list a client sends under a false identity is refused as it is decoded.
 */
public record Manifest(long size, byte[] hash, List<Chunk> chunks) {

    public static final int HASH_BYTES = 32;
    /** "FSM2": the chunk list format of the hash-list identity ("FSM1" carried a whole-file SHA-256). */
    static final int MAGIC = 0x46534D32;
    /** Names the identity's kind wherever one is persisted, so state holding identities of another kind is not trusted. */
    public static final String IDENTITY_KIND = "hashlist1";
    private static final byte[] DOMAIN = "filesync hash list v1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final HexFormat HEX = HexFormat.of();
    /** Largest buffer an identity's entries are gathered in before they are hashed: bounds it for any file size. */
    private static final int IDENTITY_BUFFER = 64 * 1024;

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

    /**
     * @param hash the identity, or null for the one this size and chunk list define
     * @throws IllegalArgumentException when the hash is not the identity of this size and chunk list
     */
    public Manifest {
        chunks = List.copyOf(chunks);
        byte[] identity = identity(size, chunks);
        if (hash == null) {
            hash = identity;
        } else if (!Arrays.equals(hash, identity)) {
            throw new IllegalArgumentException("the content identity does not match the chunk list");
        }
    }

    /** A manifest of this size and chunk list, under the identity they define (computed once). */
    public static Manifest of(long size, List<Chunk> chunks) {
        return new Manifest(size, null, chunks);
    }

    /**
     * The content identity of a chunk list: SHA-256 of domain tag | size (8) | count (4) | count x (length (4) |
     * chunk hash (32)). About 36 bytes hashed per 16 KiB chunk: a 450th of hashing the content again.
     */
    public static byte[] identity(long size, List<Chunk> chunks) {
        MessageDigest digest = Chunker.sha256();
        // The entries are gathered and hashed a few thousand at a time rather than with one update per 36-byte entry.
        ByteBuffer entries = ByteBuffer.allocate((int) Math.min(IDENTITY_BUFFER, DOMAIN.length + 12L + chunks.size() * (4L + HASH_BYTES)));
        entries.put(DOMAIN).putLong(size).putInt(chunks.size());
        for (Chunk chunk : chunks) {
            if (entries.remaining() < 4 + HASH_BYTES) {
                digest.update(entries.array(), 0, entries.position());
                entries.clear();
            }
            entries.putInt(chunk.length()).put(chunk.hash());
        }
        digest.update(entries.array(), 0, entries.position());
        return digest.digest();
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
     * than maxChunks chunks, lengths that do not add up to the size, or an identity that is not the list's.
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
