package io.filesync.core.observe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Readiness of a folder a job reads: once it has existed, it must go on existing. A watched folder that vanished (an
 * unmounted disk, a deleted share) otherwise looks exactly like a quiet one. A folder not created yet is no fault:
 * jobs wait for theirs to appear.
 */
public final class FolderHealthCheck extends ProbedHealthCheck {

    private final Path folder;
    private volatile boolean seen;

    /**
     * @param id      unique among health checks, e.g. {@code folder:watch-events}
     * @param job     the job reading the folder
     * @param subject what the folder is to the job, e.g. the watch's state key
     */
    public FolderHealthCheck(String id, String job, String subject, Path folder) {
        super(id, Map.of("job", job, "subject", subject, "folder", folder.toString()), DEFAULT_TIMEOUT, DEFAULT_CACHE);
        this.folder = folder;
    }

    @Override
    protected Outcome probe() {
        if (Files.exists(folder)) {
            seen = true;
            return Outcome.up(Map.of());
        }
        if (seen) {
            return Outcome.down(folder + " vanished: nothing in it is watched until it is back", Map.of());
        }
        return Outcome.up(Map.of("state", "not created yet"));
    }
}
