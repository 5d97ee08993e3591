package io.filesync.watch;

import java.nio.file.Path;

import io.filesync.core.observe.FilesyncMetrics;
import io.filesync.core.observe.FolderHealthCheck;
import io.filesync.core.observe.HealthChecks;
import io.micrometer.core.instrument.Counter;
import org.apache.camel.CamelContext;

/**
 * One watch's observability: events delivered, tagged {@code source} (the watch's state key) and listed from the
 * start, and the readiness check {@code folder:<state key>}, DOWN once the watched target vanished.
 */
final class WatchMeters implements AutoCloseable {

    private final CamelContext context;
    private final Counter emitted;
    private final FolderHealthCheck folder;

    WatchMeters(CamelContext context, String source, Path target) {
        this.context = context;
        this.emitted = FilesyncMetrics.of(context).counter("watch", "events.emitted", "source", source);
        this.folder = new FolderHealthCheck("folder:" + source, "watch", source, target);
        HealthChecks.register(context, folder);
    }

    /** The route took the event. */
    void emitted(ChangeEvent event) {
        emitted.increment();
    }

    @Override
    public void close() {
        HealthChecks.unregister(context, folder);
    }
}
