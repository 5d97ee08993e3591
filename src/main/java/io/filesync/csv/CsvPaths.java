package io.filesync.csv;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import io.filesync.core.error.BadInputException;

/**
 * Normalises the relative paths events carry into the registry's form: '/'-separated, no {@code .} or {@code ..}
 * segments, inside the watched folder. A path that would leave the folder is bad input, never a file to read.
 */
final class CsvPaths {

    private CsvPaths() {
    }

    static String normalise(Path root, String relativePath) {
        if (relativePath == null || relativePath.isBlank()) {
            throw new BadInputException(String.valueOf(relativePath), "no file path given");
        }
        Path resolved;
        try {
            resolved = root.resolve(relativePath.replace('\\', '/')).normalize();
        } catch (InvalidPathException e) {
            throw new BadInputException(relativePath, "not a valid file path: " + e.getMessage());
        }
        if (!resolved.startsWith(root) || resolved.equals(root)) {
            throw new BadInputException(relativePath, "the path is outside the watched folder " + root);
        }
        return root.relativize(resolved).toString().replace('\\', '/');
    }
}
