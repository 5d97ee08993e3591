package io.filesync.sync;

import java.util.Locale;

/**
 * The operations of the sync protocol as the HTTP listener knows them: the method each takes and the media type of its
 * body. The listener judges a request's head by this table before any body byte is read; the {@code rest:} block of
 * routes/sync-server.camel.yaml has a verb of the same method and name for each, to its own route.
 */
enum SyncOperation {
    LIST("GET", null),
    OFFER("POST", "application/json"),
    MISSING("POST", "application/octet-stream"),
    CHUNKS("POST", "application/octet-stream"),
    CHUNK("POST", "application/octet-stream"),
    COMMIT("POST", "application/json"),
    DELETE("POST", "application/json"),
    MOVE("POST", "application/json"),
    MKDIR("POST", "application/json");

    /** Longest operation name echoed back in an answer or a log line. */
    private static final int NAME_SHOWN = 64;

    final String method;
    /** The body's media type, or null for an operation without a body. */
    final String mediaType;

    SyncOperation(String method, String mediaType) {
        this.method = method;
        this.mediaType = mediaType;
    }

    /** The operation a request URI names in its last path segment, or null for none known. */
    static SyncOperation of(String uri) {
        String name = name(uri);
        for (SyncOperation operation : values()) {
            if (operation.name().toLowerCase(Locale.ROOT).equals(name)) {
                return operation;
            }
        }
        return null;
    }

    /** The last path segment of a request URI: the operation's name. */
    static String name(String uri) {
        int query = uri.indexOf('?');
        String path = query >= 0 ? uri.substring(0, query) : uri;
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** A name from a request, cut short and without control characters, fit for an answer and a log line. */
    static String shown(String name) {
        String cut = name.length() > NAME_SHOWN ? name.substring(0, NAME_SHOWN) + "..." : name;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    /**
     * Whether a body of {@code contentType} (a Content-Type header, or null) fits this operation. No Content-Type at
     * all is accepted, since the sync client sends none; parameters such as a charset are ignored. An operation without
     * a body ignores the header.
     */
    boolean accepts(String contentType) {
        if (mediaType == null || contentType == null || contentType.isBlank()) {
            return true;
        }
        int parameters = contentType.indexOf(';');
        String type = (parameters >= 0 ? contentType.substring(0, parameters) : contentType).trim();
        return mediaType.equalsIgnoreCase(type);
    }
}
