package io.filesync.tail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.filesync.core.observe.FilesyncMetrics;
import io.filesync.core.observe.FolderHealthCheck;
import io.filesync.core.observe.HealthChecks;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.apache.camel.CamelContext;

/**
 * One tail source's meters, tagged {@code source} (its state key) and {@code file}: lines stored, bad lines (too long,
 * or bytes invalid in the charset), and how many bytes each followed file has beyond what was stored. Also the
 * readiness check {@code folder:<state key>}, DOWN once the tailed folder vanished.
 */
final class TailMeters {

    private final FilesyncMetrics metrics;
    private final String source;
    private final MultiGauge lag;
    private final CamelContext context;
    private final FolderHealthCheck folder;

    TailMeters(CamelContext context, String source, Path root) {
        this.context = context;
        this.metrics = FilesyncMetrics.of(context);
        this.source = source;
        this.lag = metrics.multiGauge("tail", "lag.bytes", "source", source);
        this.folder = new FolderHealthCheck("folder:" + source, "tail", source, root);
        HealthChecks.register(context, folder);
    }

    /** A batch was stored: its good lines became rows, its bad lines error records. */
    void stored(TailBatch batch) {
        long bad = batch.lines().stream().filter(TailLine::isBad).count();
        String file = batch.to().path();
        metrics.counter("tail", "lines.ingested", "source", source, "file", file).increment(batch.lines().size() - bad);
        if (bad > 0) {
            metrics.counter("tail", "lines.bad", "source", source, "file", file).increment(bad);
        }
    }

    /** The lag of every followed file now; files no longer followed drop out. */
    void lag(Map<String, Long> bytesByFile) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        bytesByFile.forEach((file, bytes) -> rows.add(MultiGauge.Row.of(Tags.of("file", file), bytes)));
        lag.register(rows, true);
    }

    void close() {
        lag.register(List.of(), true);
        HealthChecks.unregister(context, folder);
    }
}
