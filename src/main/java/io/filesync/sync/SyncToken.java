package io.filesync.sync;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The server's shared secret, checked against a request's {@code Authorization: Bearer <token>} in constant time. Only
 * the token's digest is kept, so neither a heap dump's string table nor an exception message can show the token.
 */
final class SyncToken {

    private static final String BEARER = "Bearer ";

    private final byte[] digest;

    /** @param token the configured secret; blank refuses every request */
    SyncToken(String token) {
        this.digest = token == null || token.isBlank() ? null : digest(token);
    }

    boolean configured() {
        return digest != null;
    }

    /** Why {@code authorization} (the header's value, or null) is refused, or null when it carries the token. */
    String refusal(String authorization) {
        if (digest == null) {
            return "the server has no token configured (set sync.server.token): every request is refused";
        }
        String given = authorization != null && authorization.startsWith(BEARER) ? authorization.substring(BEARER.length()) : "";
        // Comparing digests compares equal lengths in constant time, so neither length nor content leaks.
        return MessageDigest.isEqual(digest, digest(given)) ? null : "wrong or missing token";
    }

    private static byte[] digest(String token) {
        return Chunker.sha256().digest(token.getBytes(StandardCharsets.UTF_8));
    }
}
