package io.filesync.sync;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.filesync.core.error.BadInputException;
import io.netty.buffer.ByteBuf;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Reading sync requests and writing their answers on the server: the JSON fields an operation needs, refused with
 * a {@link BadInputException} (400) when absent or malformed, and JSON replies with their status code.
 */
final class SyncRequests {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SyncRequests() {
    }

    static List<SyncServer.FileRef> files(Exchange exchange) {
        JsonNode files = json(exchange).get("files");
        if (files == null || !files.isArray()) {
            throw new BadInputException("files", "request lacks the list 'files'");
        }
        List<SyncServer.FileRef> refs = new ArrayList<>();
        for (JsonNode file : files) {
            refs.add(new SyncServer.FileRef(text(file, "path"), text(file, "hash")));
        }
        return refs;
    }

    static String client(Exchange exchange) {
        String client = exchange.getMessage().getHeader(SyncHeaders.CLIENT, String.class);
        return client == null || client.isBlank() ? "unnamed" : client.substring(0, Math.min(200, client.length()));
    }

    /**
     * The request body. Read from the stream into an array of the announced length: Camel's own conversion grows a
     * buffer by doubling, which copied an 8 MiB chunk batch several times and was the server's largest cost.
     */
    static byte[] bytes(Exchange exchange) {
        Message in = exchange.getMessage();
        Object body = in.getBody();
        if (body == null) {
            return new byte[0];
        }
        if (body instanceof byte[] bytes) {
            return bytes;
        }
        Long length = in.getHeader(Exchange.CONTENT_LENGTH, Long.class);
        byte[] bytes;
        if (length != null && length >= 0 && length < Integer.MAX_VALUE) {
            // Read straight into an array of the announced size: readNBytes(int) gathers 8 KiB pieces and copies them again.
            bytes = new byte[length.intValue()];
            try (InputStream stream = in.getBody(InputStream.class)) {
                int read = stream.readNBytes(bytes, 0, bytes.length);
                if (read < bytes.length) {
                    throw new BadInputException(client(exchange), "request body ends after " + read + " of " + bytes.length + " bytes");
                }
            } catch (IOException e) {
                throw new BadInputException(client(exchange), "request body unreadable: " + e.getMessage());
            }
        } else {
            bytes = in.getBody(byte[].class);
        }
        in.setBody(bytes);
        return bytes == null ? new byte[0] : bytes;
    }

    /**
     * The request body as buffers to read in place, one after the other: with the stream cache disabled,
     * camel-netty-http hands over the aggregated request's own {@link ByteBuf} (retained for the exchange, released
     * when the exchange completes), so its buffers are viewed, not copied. The views are valid only until the exchange
     * completes: whatever must outlive the request has to copy from them. Other bodies (a test's array) are wrapped.
     */
    static ByteBuffer[] buffers(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        if (body instanceof ByteBuf buf) {
            if (buf.refCnt() < 1) {
                throw new IllegalStateException("the request body was released before it was read");
            }
            return buf.nioBuffers();
        }
        return new ByteBuffer[] {ByteBuffer.wrap(bytes(exchange))};
    }

    static JsonNode json(Exchange exchange) {
        try {
            return JSON.readTree(bytes(exchange));
        } catch (IOException e) {
            throw new BadInputException(client(exchange), "request body is not JSON: " + e.getMessage());
        }
    }

    static String text(JsonNode request, String field) {
        JsonNode value = request == null ? null : request.get(field);
        if (value == null || !value.isTextual()) {
            throw new BadInputException(field, "request lacks the text field '" + field + "'");
        }
        return value.asText();
    }

    /** The body of an error answer: {"error": reason}. */
    static byte[] errorJson(String reason) {
        try {
            return JSON.writeValueAsBytes(java.util.Map.of("error", reason));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void reply(Exchange exchange, int status, Object body) {
        Message out = exchange.getMessage();
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        try {
            out.setBody(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
