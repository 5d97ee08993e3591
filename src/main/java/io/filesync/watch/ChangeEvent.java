package io.filesync.watch;

import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One change under a watched target. Immutable; serialises to one JSON object with a stable schema: fields are
 * always present (null when they do not apply), always in this order, and are only ever added, never renamed.
 *
 * <table>
 * <caption>JSON schema</caption>
 * <tr><th>field</th><th>type</th><th>meaning</th></tr>
 * <tr><td>type</td><td>string</td><td>a {@link ChangeType} name, e.g. {@code FILE_CREATED}</td></tr>
 * <tr><td>path</td><td>string</td><td>path relative to the watched root, '/'-separated; the root itself is
 *   {@code ""}. For a single-file target the root is its folder, so the path is the file name. Bytes that are not
 *   valid in the platform charset (UTF-8) appear as U+FFFD: use {@code uri} to address such a file</td></tr>
 * <tr><td>absolutePath</td><td>string</td><td>the same path, absolute</td></tr>
 * <tr><td>uri</td><td>string</td><td>the absolute {@code file:} URI, percent-encoded from the raw name bytes, so
 *   it addresses the file exactly even when its name is not valid UTF-8</td></tr>
 * <tr><td>previousPath</td><td>string or null</td><td>for moves, the relative path before the move</td></tr>
 * <tr><td>directory</td><td>boolean</td><td>whether the path is a directory</td></tr>
 * <tr><td>timestamp</td><td>number</td><td>when the change was detected, Unix time in milliseconds</td></tr>
 * <tr><td>size</td><td>number or null</td><td>for files, the size in bytes when the event was made (for a
 *   deletion, the last size seen); null for directories</td></tr>
 * <tr><td>content</td><td>string or null</td><td>the file's content when content inclusion is on, for created
 *   and updated files: text, or Base64 when {@code contentEncoding} is {@code base64}</td></tr>
 * <tr><td>contentEncoding</td><td>string or null</td><td>the charset the text was decoded with (e.g.
 *   {@code UTF-8}), or {@code base64}</td></tr>
 * <tr><td>contentTruncated</td><td>boolean</td><td>true when the file was larger than the content cap and
 *   {@code content} holds only its beginning</td></tr>
 * </table>
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"type", "path", "absolutePath", "uri", "previousPath", "directory", "timestamp", "size", "content",
        "contentEncoding", "contentTruncated"})
public final class ChangeEvent {

    /** The value of {@code contentEncoding} for binary content. */
    public static final String BASE64 = "base64";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChangeType type;
    private final String path;
    private final String absolutePath;
    private final String uri;
    private final String previousPath;
    private final boolean directory;
    private final long timestamp;
    private final Long size;
    private final String content;
    private final String contentEncoding;
    private final boolean contentTruncated;

    @JsonCreator
    public ChangeEvent(@JsonProperty("type") ChangeType type, @JsonProperty("path") String path,
                       @JsonProperty("absolutePath") String absolutePath, @JsonProperty("uri") String uri,
                       @JsonProperty("previousPath") String previousPath, @JsonProperty("directory") boolean directory,
                       @JsonProperty("timestamp") long timestamp, @JsonProperty("size") Long size,
                       @JsonProperty("content") String content, @JsonProperty("contentEncoding") String contentEncoding,
                       @JsonProperty("contentTruncated") boolean contentTruncated) {
        this.type = Objects.requireNonNull(type, "type");
        this.path = Objects.requireNonNull(path, "path");
        this.absolutePath = absolutePath;
        this.uri = uri;
        this.previousPath = previousPath;
        this.directory = directory;
        this.timestamp = timestamp;
        this.size = size;
        this.content = content;
        this.contentEncoding = content == null ? null : contentEncoding;
        this.contentTruncated = content != null && contentTruncated;
    }

    /** An event without content. */
    public static ChangeEvent of(ChangeType type, String path, String absolutePath, String uri, String previousPath,
                                 boolean directory, long timestamp, Long size) {
        return new ChangeEvent(type, path, absolutePath, uri, previousPath, directory, timestamp, size, null, null, false);
    }

    /** A copy carrying text content decoded with the named charset. */
    public ChangeEvent withText(String text, String charsetName, boolean truncated) {
        return new ChangeEvent(type, path, absolutePath, uri, previousPath, directory, timestamp, size, text,
                charsetName, truncated);
    }

    /** A copy carrying binary content (Base64 in JSON). */
    public ChangeEvent withBytes(byte[] bytes, boolean truncated) {
        return new ChangeEvent(type, path, absolutePath, uri, previousPath, directory, timestamp, size,
                Base64.getEncoder().encodeToString(bytes), BASE64, truncated);
    }

    @JsonProperty("type")
    public ChangeType type() {
        return type;
    }

    @JsonProperty("path")
    public String path() {
        return path;
    }

    @JsonProperty("absolutePath")
    public String absolutePath() {
        return absolutePath;
    }

    @JsonProperty("uri")
    public String uri() {
        return uri;
    }

    @JsonProperty("previousPath")
    public String previousPath() {
        return previousPath;
    }

    @JsonProperty("directory")
    public boolean directory() {
        return directory;
    }

    @JsonProperty("timestamp")
    public long timestamp() {
        return timestamp;
    }

    @JsonProperty("size")
    public Long size() {
        return size;
    }

    /** The content as it appears in JSON: text, or Base64 when {@link #contentEncoding()} is {@value #BASE64}. */
    @JsonProperty("content")
    public String content() {
        return content;
    }

    @JsonProperty("contentEncoding")
    public String contentEncoding() {
        return contentEncoding;
    }

    @JsonProperty("contentTruncated")
    public boolean contentTruncated() {
        return contentTruncated;
    }

    /** The binary content, decoded from Base64, when the event carries bytes. */
    public Optional<byte[]> contentBytes() {
        return BASE64.equals(contentEncoding) ? Optional.of(Base64.getDecoder().decode(content)) : Optional.empty();
    }

    /** The text content, when the event carries text. */
    public Optional<String> contentText() {
        return content != null && !BASE64.equals(contentEncoding) ? Optional.of(content) : Optional.empty();
    }

    /** This event as one line of JSON (no line break inside, none at the end). */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A change event cannot fail to serialise", e);
        }
    }

    /** Reads an event back from its JSON form, e.g. one line of an events file. */
    public static ChangeEvent fromJson(String json) {
        try {
            return JSON.readValue(json, ChangeEvent.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Not a change event: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ChangeEvent e && type == e.type && path.equals(e.path)
                && Objects.equals(absolutePath, e.absolutePath) && Objects.equals(uri, e.uri)
                && Objects.equals(previousPath, e.previousPath) && directory == e.directory && timestamp == e.timestamp
                && Objects.equals(size, e.size) && Objects.equals(content, e.content)
                && Objects.equals(contentEncoding, e.contentEncoding) && contentTruncated == e.contentTruncated;
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, path, previousPath, timestamp, size);
    }

    /** Short form for logs: type, path and previous path; never the content. */
    @Override
    public String toString() {
        return type + " " + (previousPath != null ? previousPath + " -> " : "") + (path.isEmpty() ? "." : path)
                + (size != null ? " (" + size + " bytes)" : "");
    }

}
