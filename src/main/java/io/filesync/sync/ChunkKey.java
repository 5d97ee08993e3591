package io.filesync.sync;

import java.nio.ByteBuffer;

/** A SHA-256 (of a chunk, or a file's content identity) as a compact map key: four longs instead of an array. */
record ChunkKey(long a, long b, long c, long d) {

    static ChunkKey of(byte[] hash) {
        ByteBuffer buffer = ByteBuffer.wrap(hash);
        return new ChunkKey(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong());
    }

    byte[] bytes() {
        return ByteBuffer.allocate(Manifest.HASH_BYTES).putLong(a).putLong(b).putLong(c).putLong(d).array();
    }
}
