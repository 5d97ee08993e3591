package io.filesync.sync;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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

    /** Most entries one request may list: twenty times the client's largest batch (1,000 folders). */
    static final int MAX_ENTRIES = 20_000;

    static List<SyncServer.FileRef> files(Exchange exchange) {
        List<SyncServer.FileRef> refs = new ArrayList<>();
        Map<String, String> found = fields(exchange, "files", parser -> {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                throw new BadInputException("files", "entry " + refs.size() + " of 'files' is not an object");
            }
            Map<String, String> file = texts(parser, Set.of("path", "hash"));
            refs.add(new SyncServer.FileRef(text(file, "path"), text(file, "hash")));
        });
        if (!found.containsKey("files")) {
            throw new BadInputException("files", "request lacks the list 'files'");
        }
        return refs;
    }

    /**
     * The folders of a mkdir request: many ({"paths": [...]}, an entry that is not text stays null, refused by the
     * tree) or one ({"path"}), and which of the two forms it came in.
     */
    record Folders(List<String> paths, boolean batch) {
    }

    static Folders folders(Exchange exchange) {
        List<String> paths = new ArrayList<>();
        Map<String, String> found = fields(exchange, "paths", parser -> {
            paths.add(parser.currentToken() == JsonToken.VALUE_STRING ? parser.getText() : null);
            parser.skipChildren();
        }, "path");
        boolean batch = found.containsKey("paths");
        if (!batch) {
            paths.add(text(found, "path"));
        }
        return new Folders(paths, batch);
    }

    /** The text fields {@code names} of a JSON object body; each must be there. */
    static Map<String, String> texts(Exchange exchange, String... names) {
        Map<String, String> found = fields(exchange, null, null, names);
        for (String name : names) {
            text(found, name);
        }
        return found;
    }

    /**
     * Reads a JSON object body as a stream: the text fields named in {@code names} are kept, the array {@code list}
     * is handed to {@code entry} one element at a time (up to {@link #MAX_ENTRIES}), and every other value is skipped
     * unread. Memory stays proportional to what is kept, whatever the body holds: a tree of the body would cost tens
     * of bytes per one-byte element. Nesting is bounded by Jackson's own limit (1,000 levels). The answer maps each
     * name found to its text (null where the value is not text), and {@code list} to null when the array was there.
     */
    private static Map<String, String> fields(Exchange exchange, String list, Entry entry, String... names) {
        Map<String, String> found = new HashMap<>();
        try (JsonParser parser = JSON.getFactory().createParser(bytes(exchange))) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new BadInputException(client(exchange), "request body is not a JSON object");
            }
            // Counted over the whole body: a list given twice under one name is counted once in all.
            int entries = 0;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals(list) && value == JsonToken.START_ARRAY) {
                    found.put(name, null);
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        if (++entries > MAX_ENTRIES) {
                            throw new BadInputException(client(exchange), "request lists more than " + MAX_ENTRIES
                                    + " entries in '" + list + "'");
                        }
                        entry.read(parser);
                    }
                } else if (Arrays.asList(names).contains(name)) {
                    found.put(name, value == JsonToken.VALUE_STRING ? parser.getText() : null);
                    parser.skipChildren();
                } else {
                    parser.skipChildren();
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new BadInputException(client(exchange), "request body is not one JSON object");
            }
        } catch (IOException e) {
            throw new BadInputException(client(exchange), "request body is not JSON: " + e.getMessage());
        }
        return found;
    }

    /** The text fields {@code names} of the object the parser stands at the start of; other values skipped. */
    private static Map<String, String> texts(JsonParser parser, Set<String> names) throws IOException {
        Map<String, String> found = new HashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (names.contains(name) && value == JsonToken.VALUE_STRING) {
                found.put(name, parser.getText());
            }
            parser.skipChildren();
        }
        return found;
    }

    /** Reads one element of a listed array, the parser standing at its first token. */
    private interface Entry {
        void read(JsonParser parser) throws IOException;
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

    static String text(Map<String, String> request, String field) {
        String value = request.get(field);
        if (value == null) {
            throw new BadInputException(field, "request lacks the text field '" + field + "'");
        }
        return value;
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
