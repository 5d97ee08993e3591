package io.filesync.output;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.filesync.core.error.BadInputException;

/**
 * One request to the sandboxed writer. As JSON:
 * <pre>{"op":"append","path":"a/b.txt","content":"text"}</pre>
 * with {@code op} one of create, append, overwrite, delete; {@code path} relative to the output root; {@code content}
 * text written as UTF-8, or Base64 when {@code "encoding":"base64"}; content is ignored for delete.
 *
 * @param operation what to do
 * @param path      where, relative to the output root, '/'-separated
 * @param content   the bytes to write; empty for delete
 */
public record WriteCommand(WriteOperation operation, String path, byte[] content) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public WriteCommand {
        Objects.requireNonNull(operation, "operation");
        content = content == null ? new byte[0] : content;
    }

    public static WriteCommand text(WriteOperation operation, String path, String text) {
        return new WriteCommand(operation, path, text == null ? null : text.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses the JSON form; anything malformed is bad input. */
    public static WriteCommand fromJson(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json == null ? "" : json);
        } catch (Exception e) {
            throw new BadInputException(null, null, null, json, "not a writer command: invalid JSON (" + e.getMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw new BadInputException(null, null, null, json, "not a writer command: expected a JSON object with op and path");
        }
        String path = node.hasNonNull("path") ? node.get("path").asText() : null;
        WriteOperation operation = WriteOperation.parse(node.hasNonNull("op") ? node.get("op").asText() : null, path);
        String content = node.hasNonNull("content") ? node.get("content").asText() : "";
        String encoding = node.hasNonNull("encoding") ? node.get("encoding").asText() : "text";
        byte[] bytes;
        if ("base64".equalsIgnoreCase(encoding)) {
            try {
                bytes = Base64.getDecoder().decode(content);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(path, "content is not valid Base64");
            }
        } else if ("text".equalsIgnoreCase(encoding) || "utf-8".equalsIgnoreCase(encoding)) {
            bytes = content.getBytes(StandardCharsets.UTF_8);
        } else {
            throw new BadInputException(path, "unknown encoding '" + encoding + "': expected text or base64");
        }
        return new WriteCommand(operation, path, bytes);
    }

    @Override
    public String toString() {
        return operation + " " + path + " (" + content.length + " bytes)";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WriteCommand c && operation == c.operation && Objects.equals(path, c.path)
                && java.util.Arrays.equals(content, c.content);
    }

    @Override
    public int hashCode() {
        return Objects.hash(operation, path, java.util.Arrays.hashCode(content));
    }
}
