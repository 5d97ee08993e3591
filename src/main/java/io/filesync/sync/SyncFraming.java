package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
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
            // Each message costs an array: a body of empty messages would cost several times its size.
            if (messages.size() == SyncRequests.MAX_ENTRIES) {
                throw new IllegalArgumentException("more than " + SyncRequests.MAX_ENTRIES + " messages");
            }
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

    /** Splits an upload batch held in one array; see {@link #parseChunks(ByteBuffer[], int)}. */
    static List<ChunkStore.Upload> parseChunks(byte[] batch, int maxChunk) {
        return parseChunks(new ByteBuffer[] {ByteBuffer.wrap(batch)}, maxChunk);
    }

    /**
     * Splits an upload batch: hash (32 bytes), length (4 bytes) and bytes, one chunk after the other, the batch as the
     * buffers the request body is held in, one after the other. Each chunk's bytes are views of those buffers (two or
     * more where it straddles them), not copies: the uploads are valid only as long as the buffers are. The buffers'
     * positions do not move.
     */
    static List<ChunkStore.Upload> parseChunks(ByteBuffer[] batch, int maxChunk) {
        Body buffer = new Body(batch);
        List<ChunkStore.Upload> uploads = new ArrayList<>();
        byte[] header = new byte[Manifest.HASH_BYTES + 4];
        while (buffer.hasRemaining()) {
            if (buffer.remaining() < header.length) {
                throw new IllegalArgumentException("truncated after " + uploads.size() + " chunks");
            }
            buffer.get(header);
            byte[] hash = Arrays.copyOf(header, Manifest.HASH_BYTES);
            int length = ByteBuffer.wrap(header, Manifest.HASH_BYTES, 4).getInt();
            if (length < 1 || length > maxChunk || length > buffer.remaining()) {
                throw new IllegalArgumentException("chunk " + uploads.size() + " announces " + length + " bytes, "
                        + buffer.remaining() + " remain (truncated or corrupted)");
            }
            uploads.add(new ChunkStore.Upload(hash, buffer.views(length)));
        }
        return uploads;
    }

    /**
     * Reads through a sequence of buffers as through one, handing out views instead of copies; the buffers' own
     * positions do not move.
     */
    static final class Body {
        private final ByteBuffer[] parts;
        private int part;
        private long remaining;

        Body(ByteBuffer[] buffers) {
            parts = new ByteBuffer[buffers.length];
            for (int i = 0; i < buffers.length; i++) {
                parts[i] = buffers[i].duplicate();
                remaining += parts[i].remaining();
            }
        }

        boolean hasRemaining() {
            return remaining > 0;
        }

        long remaining() {
            return remaining;
        }

        /** Copies the next bytes into the array (a chunk's header: a few bytes, maybe from two buffers). */
        void get(byte[] into) {
            get(into, 0, into.length);
        }

        /** Copies the next {@code length} bytes into the array from {@code at} on. */
        void get(byte[] into, int at, int length) {
            for (int done = 0; done < length; ) {
                ByteBuffer current = current();
                int n = Math.min(length - done, current.remaining());
                current.get(into, at + done, n);
                done += n;
                remaining -= n;
            }
        }

        /** The next bytes as views of the buffers they lie in, usually one. */
        ByteBuffer[] views(int length) {
            List<ByteBuffer> views = new ArrayList<>(2);
            for (int left = length; left > 0; ) {
                ByteBuffer current = current();
                int n = Math.min(left, current.remaining());
                views.add(current.slice(current.position(), n));
                current.position(current.position() + n);
                left -= n;
                remaining -= n;
            }
            return views.toArray(new ByteBuffer[0]);
        }

        private ByteBuffer current() {
            while (!parts[part].hasRemaining()) {
                part++;
            }
            return parts[part];
        }
    }
}
