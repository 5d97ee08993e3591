package io.filesync.watch;

import java.nio.file.Path;

import io.filesync.core.observe.FilesyncMetrics;
import io.filesync.core.observe.FolderHealthCheck;
import io.filesync.core.observe.HealthChecks;
import org.apache.camel.CamelContext;

/**
 * One watch's observability: events delivered, counted per type and tagged {@code source} (the watch's state key),
 * and the readiness check {@code folder:<state key>}, DOWN once the watched target vanished.
 */
final class WatchMeters implements AutoCloseable {

    private final CamelContext context;
    private final FilesyncMetrics metrics;
    private final String source;
    private final FolderHealthCheck folder;

    WatchMeters(CamelContext context, String source, Path target) {
        this.context = context;
        this.metrics = FilesyncMetrics.of(context);
        this.source = source;
        this.folder = new FolderHealthCheck("folder:" + source, "watch", source, target);
        HealthChecks.register(context, folder);
    }

    /** The route took the event. */
    void emitted(ChangeEvent event) {
        metrics.counter("watch", "events.emitted", "source", source, "type", event.type().name()).increment();
    }

    @Override
    public void close() {
        HealthChecks.unregister(context, folder);
    }
}
