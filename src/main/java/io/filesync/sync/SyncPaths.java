package io.filesync.sync;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.filesync.core.error.BadInputException;

/**
 * What the sync server adds to {@link io.filesync.output.SandboxedWriter}'s confinement for paths that arrive over
 * the network, and the one tree operation it needs that the writer has no use for.
 */
final class SyncPaths {

    private SyncPaths() {
    }

    /**
     * Refuses what SandboxedWriter cannot see: traversal hidden behind percent-encoding (even double), backslashes,
     * and control characters; then normalises to '/'-separated segments.
     */
    static String checked(String path) {
        if (path == null || path.isEmpty()) {
            throw new BadInputException(String.valueOf(path), "refused: no path given");
        }
        String decoded = path;
        for (int round = 0; round < 3 && decoded.indexOf('%') >= 0; round++) {
            try {
                decoded = URLDecoder.decode(decoded.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                break;
            }
        }
        for (String candidate : new String[] {path, decoded}) {
            if (candidate.indexOf('\\') >= 0 || candidate.chars().anyMatch(c -> c < 0x20)) {
                throw new BadInputException(path.replace("\0", "\\0"), "refused: path contains a backslash or a control character");
            }
            if (!candidate.equals(path) && (candidate.startsWith("/") || ("/" + candidate + "/").contains("/../"))) {
                throw new BadInputException(path, "refused: path hides a traversal behind percent-encoding");
            }
        }
        return path;
    }
}
