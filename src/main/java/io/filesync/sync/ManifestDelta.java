package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A new version of a file described against the version the server already holds (its base manifest): runs of the
 * base's chunks to keep, and the hashes of the new ones. After a small edit the chunk list that crosses the wire is a
 * few dozen bytes instead of 36 bytes per chunk; the server expands it back into a full {@link Manifest}.
 * <pre>
 *   "FSD1" | identity (32) | size (8) | base identity (32) | count (4) | count x op
 *   op: 1 | first base index (4) | run length (4)      keep base chunks
 *       2 | chunk hash (32) | length (4)               a chunk not in the base
 * </pre>
 */
public final class ManifestDelta {

    static final int MAGIC = 0x46534431;
    private static final byte KEEP = 1;
    private static final byte NEW = 2;

    private ManifestDelta() {
    }

    /** Whether bytes start like a delta rather than a full manifest. */
    public static boolean isDelta(byte[] bytes) {
        return bytes.length >= 4 && ((bytes[0] & 0xFF) << 24 | (bytes[1] & 0xFF) << 16 | (bytes[2] & 0xFF) << 8 | (bytes[3] & 0xFF)) == MAGIC;
    }

    /** The identity of the base a delta refers to. */
    public static byte[] baseHash(byte[] delta) {
        return java.util.Arrays.copyOfRange(delta, 4 + 32 + 8, 4 + 32 + 8 + 32);
    }

    public static byte[] encode(Manifest target, Manifest base) {
        Map<String, Integer> baseIndex = new HashMap<>();
        for (int i = base.chunks().size() - 1; i >= 0; i--) {
            baseIndex.put(base.chunks().get(i).hex(), i);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            ByteArrayOutputStream opBytes = new ByteArrayOutputStream();
            DataOutputStream ops = new DataOutputStream(opBytes);
            int count = 0;
            int runStart = -1;
            int runLength = 0;
            for (Manifest.Chunk chunk : target.chunks()) {
                Integer index = baseIndex.get(chunk.hex());
                if (index != null && runLength > 0 && index == runStart + runLength
                        && base.chunks().get(index).length() == chunk.length()) {
                    runLength++;
                    continue;
                }
                if (runLength > 0) {
                    ops.writeByte(KEEP);
                    ops.writeInt(runStart);
                    ops.writeInt(runLength);
                    count++;
                    runLength = 0;
                }
                if (index != null) {
                    runStart = index;
                    runLength = 1;
                } else {
                    ops.writeByte(NEW);
                    ops.write(chunk.hash());
                    ops.writeInt(chunk.length());
                    count++;
                }
            }
            if (runLength > 0) {
                ops.writeByte(KEEP);
                ops.writeInt(runStart);
                ops.writeInt(runLength);
                count++;
            }
            ops.flush();
            out.writeInt(MAGIC);
            out.write(target.hash());
            out.writeLong(target.size());
            out.write(base.hash());
            out.writeInt(count);
            out.write(opBytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Expands a delta against its base; refuses out-of-range runs, bad lengths and sizes that do not add up. */
    public static Manifest decode(InputStream input, Manifest base, int maxChunk, int maxOps) throws IOException {
        DataInputStream in = new DataInputStream(input);
        try {
            if (in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a chunk list delta");
            }
            byte[] fileHash = in.readNBytes(Manifest.HASH_BYTES);
            long size = in.readLong();
            byte[] baseHash = in.readNBytes(Manifest.HASH_BYTES);
            int count = in.readInt();
            if (fileHash.length != Manifest.HASH_BYTES || baseHash.length != Manifest.HASH_BYTES || size < 0
                    || count < 0 || count > maxOps || !java.util.Arrays.equals(baseHash, base.hash())) {
                throw new IllegalArgumentException("delta header out of bounds or for another base");
            }
            List<Manifest.Chunk> chunks = new ArrayList<>();
            long offset = 0;
            for (int i = 0; i < count; i++) {
                int op = in.readUnsignedByte();
                if (op == KEEP) {
                    int first = in.readInt();
                    int length = in.readInt();
                    if (first < 0 || length < 1 || (long) first + length > base.chunks().size()) {
                        throw new IllegalArgumentException("delta keeps base chunks " + first + "+" + length + ", outside the base");
                    }
                    for (Manifest.Chunk kept : base.chunks().subList(first, first + length)) {
                        chunks.add(new Manifest.Chunk(offset, kept.length(), kept.hash()));
                        offset += kept.length();
                    }
                } else if (op == NEW) {
                    byte[] hash = in.readNBytes(Manifest.HASH_BYTES);
                    if (hash.length != Manifest.HASH_BYTES) {
                        throw new EOFException();
                    }
                    int length = in.readInt();
                    if (length < 1 || length > maxChunk) {
                        throw new IllegalArgumentException("new chunk of length " + length + ", outside 1.." + maxChunk);
                    }
                    chunks.add(new Manifest.Chunk(offset, length, hash));
                    offset += length;
                } else {
                    throw new IllegalArgumentException("unknown delta operation " + op);
                }
            }
            if (offset != size) {
                throw new IllegalArgumentException("delta chunk lengths add up to " + offset + ", not the size " + size);
            }
            if (in.read() >= 0) {
                throw new IllegalArgumentException("trailing bytes after the delta");
            }
            return new Manifest(size, fileHash, chunks);
        } catch (EOFException e) {
            throw new IllegalArgumentException("delta is truncated");
        }
    }
}
