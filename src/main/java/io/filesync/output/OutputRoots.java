package io.filesync.output;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.filesync.core.error.BadInputException;

/** Checks an output root against the inputs other routes watch, so nothing written is ever read back as input. */
final class OutputRoots {

    private OutputRoots() {
    }

    /** Refuses an output root that is, contains or lies inside a watched input, links resolved. */
    static void refuseOverlap(Path root, Collection<Path> watchedInputs) {
        Path output = realish(root);
        for (Path input : watchedInputs) {
            Path watched = realish(input.toAbsolutePath().normalize());
            String problem = output.equals(watched) ? "is the watched input " + input
                    : output.startsWith(watched) ? "lies inside the watched input " + input
                    : watched.startsWith(output) ? "contains the watched input " + input : null;
            if (problem != null) {
                throw new BadInputException(root.toString(), "output root " + problem
                        + ": what is written would be read back as input; choose a separate folder");
            }
        }
    }

    /** The real path of the deepest existing ancestor, with the rest appended: for paths that may not exist yet. */
    private static Path realish(Path path) {
        Path existing = path;
        List<Path> rest = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            rest.add(0, existing.getFileName());
            existing = existing.getParent();
        }
        if (existing == null) {
            return path;
        }
        try {
            Path real = existing.toRealPath();
            for (Path name : rest) {
                real = real.resolve(name);
            }
            return real;
        } catch (IOException e) {
            return path;
        }
    }

}
