package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Several binary messages in one request body, each preceded by its length (4 bytes, big-endian): how a batch of
 * chunk lists travels. A body that is one bare chunk list (it starts with a manifest or delta magic) is read as a
 * batch of one.
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
}
