package io.filesync.watch;

import java.net.URI;
import java.nio.file.Path;

/**
 * Turns relative paths into snapshot keys and back without losing a byte. Linux names are bytes, and the JDK
 * decodes them with {@code sun.jnu.encoding} (UTF-8 here), replacing invalid bytes with U+FFFD: such a string no
 * longer names the file. Those names are stored as their percent-encoded bytes instead, marked by a leading
 * {@code /}, which a relative path never has. Every other name is stored as plain text.
 */
final class SnapshotPaths {

    private static final Path FILESYSTEM_ROOT = Path.of("/");

    private SnapshotPaths() {
    }

    static String encode(Path relative) {
        String text = relative.toString();
        if (Path.of(text).equals(relative)) {
            return text;
        }
        String raw = FILESYSTEM_ROOT.resolve(relative).toUri().getRawPath();
        return raw.length() > 1 && raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
    }

    static Path decode(String key) {
        if (key.startsWith("/")) {
            return FILESYSTEM_ROOT.relativize(Path.of(URI.create("file://" + key)));
        }
        return Path.of(key);
    }

    /** The exact {@code file:} URI of an absolute path, without the trailing slash the JDK adds for directories. */
    static String uriOf(Path absolute) {
        String uri = absolute.toUri().toString();
        return uri.endsWith("/") && uri.length() > "file:///".length() ? uri.substring(0, uri.length() - 1) : uri;
    }
}
