package io.filesync.core.error;

/**
 * Input that will fail the same way however often it is retried: a malformed CSV, a line that does not fit its
 * template, a path that tries to escape its root. The shared error handling records it once, without redelivery,
 * and lets the route go on; the source is picked up again only when it changes.
 * <p>
 * Everything else (a database that is down, a remote that refuses connections) is treated as transient: retried
 * with backoff and never acknowledged, so nothing is lost.
 */
public class BadInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final Long line;
    private final Long offset;
    private final String content;

    /**
     * @param source  the file or path the input came from
     * @param line    1-based line number in the source, or null when not line-oriented
     * @param offset  byte offset in the source, or null when unknown
     * @param content the offending input (a line, a path), or null; recorded truncated
     * @param reason  what is wrong, in words a user understands
     */
    public BadInputException(String source, Long line, Long offset, String content, String reason) {
        this(source, line, offset, content, reason, null);
    }

    public BadInputException(String source, Long line, Long offset, String content, String reason, Throwable cause) {
        super(reason, cause);
        this.source = source;
        this.line = line;
        this.offset = offset;
        this.content = content;
    }

    public BadInputException(String source, String reason) {
        this(source, null, null, null, reason, null);
    }

    public String source() {
        return source;
    }

    public Long line() {
        return line;
    }

    public Long offset() {
        return offset;
    }

    public String content() {
        return content;
    }

    /** The reason without the location, as given by whoever detected the problem. */
    public String reason() {
        return super.getMessage();
    }

    /** The reason prefixed with where it happened, for logs and for whoever catches it without the recorder. */
    @Override
    public String getMessage() {
        StringBuilder message = new StringBuilder();
        if (source != null) {
            message.append(source);
            if (line != null) {
                message.append(" line ").append(line);
            }
            if (offset != null) {
                message.append(" offset ").append(offset);
            }
            message.append(": ");
        }
        return message.append(super.getMessage()).toString();
    }
}
