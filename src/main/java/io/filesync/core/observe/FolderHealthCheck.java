package io.filesync.core.observe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Readiness of a folder a job reads: it must exist and be a folder. A watched folder that vanished (an unmounted
 * disk, a deleted share) otherwise looks exactly like a quiet one.
 */
public final class FolderHealthCheck extends ProbedHealthCheck {

    private final Path folder;

    /**
     * @param id      unique among health checks, e.g. {@code watch-events-folder}
     * @param job     the job reading the folder
     * @param subject what the folder is to the job, e.g. the mapping's name
     */
    public FolderHealthCheck(String id, String job, String subject, Path folder) {
        super(id, Map.of("job", job, "subject", subject, "folder", folder.toString()), DEFAULT_TIMEOUT, DEFAULT_CACHE);
        this.folder = folder;
    }

    @Override
    protected Outcome probe() {
        if (Files.isDirectory(folder)) {
            return Outcome.up(Map.of());
        }
        return Outcome.down(Files.exists(folder) ? folder + " is not a folder" : folder + " is missing", Map.of());
    }
}
