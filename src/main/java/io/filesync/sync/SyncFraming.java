package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary batches of the sync protocol. Chunk lists travel as messages each preceded by its length (4 bytes,
 * big-endian); a body that is one bare chunk list (it starts with a manifest or delta magic) is a batch of one.
 * Chunks travel as hash (32 bytes), length (4 bytes) and bytes, one after the other.
 */
final class SyncFraming {

    private SyncFraming() {
    }

    static byte[] frame(List<byte[]> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] message : messages) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(message.length).array());
            out.writeBytes(message);
        }
        return out.toByteArray();
    }

    static List<byte[]> unframe(byte[] body) {
        if (ManifestDelta.isDelta(body) || body.length >= 4 && ByteBuffer.wrap(body).getInt() == Manifest.MAGIC) {
            return List.of(body);
        }
        ByteBuffer buffer = ByteBuffer.wrap(body);
        List<byte[]> messages = new ArrayList<>();
        while (buffer.hasRemaining()) {
            if (buffer.remaining() < 4) {
                throw new IllegalArgumentException("truncated after " + messages.size() + " messages");
            }
            int length = buffer.getInt();
            if (length < 0 || length > buffer.remaining()) {
                throw new IllegalArgumentException("message " + messages.size() + " announces " + length + " bytes, "
                        + buffer.remaining() + " remain");
            }
            byte[] message = new byte[length];
            buffer.get(message);
            messages.add(message);
        }
        return messages;
    }

    /** Splits an upload batch: hash (32 bytes), length (4 bytes) and bytes, one chunk after the other. */
    static List<ChunkStore.Upload> parseChunks(byte[] batch, int maxChunk) {
        ByteBuffer buffer = ByteBuffer.wrap(batch);
        List<ChunkStore.Upload> uploads = new ArrayList<>();
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
            uploads.add(new ChunkStore.Upload(hash, bytes));
        }
        return uploads;
    }
}
