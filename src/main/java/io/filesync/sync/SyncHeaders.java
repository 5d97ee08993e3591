package io.filesync.sync;

/** HTTP headers of the sync protocol. */
public final class SyncHeaders {

    /** The shared secret, as {@code Authorization: Bearer <token>} (HTTP header name). */
    public static final String AUTHORIZATION = "Authorization";

    /** Who the client says it is; recorded in the audit table, not trusted for anything else (String). */
    public static final String CLIENT = "X-Filesync-Client";

    /** SHA-256 (hex) of the chunk in the body of a chunk upload (String). */
    public static final String CHUNK_HASH = "X-Filesync-Chunk";

    private SyncHeaders() {
    }
}
