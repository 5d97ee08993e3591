package io.filesync.mirror;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.filesync.core.observe.FilesyncMetrics;
import io.filesync.core.observe.HealthChecks;
import io.filesync.core.observe.ProbedHealthCheck;
import io.filesync.core.observe.QueueGauges;
import io.micrometer.core.instrument.Meter;
import org.apache.camel.CamelContext;

/**
 * Makes one running mapping observable: its meters (tagged {@code mapping}) and its readiness check
 * {@code mirror:<mapping>}, which is DOWN while the remote does not answer a probe or while the oldest pending action
 * has waited longer than {@value #STUCK_AFTER_KEY} (default 15 minutes). Made when the mapping's engine starts,
 * closed when it stops.
 */
final class MirrorObserver implements AutoCloseable {

    /** How long the oldest pending action may wait before the queue counts as stuck, in milliseconds. */
    static final String STUCK_AFTER_KEY = "filesync.health.queue-stuck-after-ms";
    static final long DEFAULT_STUCK_AFTER_MS = 15 * 60 * 1000;

    /** Remotes are probed at most this often, whatever the scrape rate: a probe is a round trip or an SSH login. */
    private static final Duration PROBE_CACHE = Duration.ofSeconds(5);
    /** A huge queue is counted this far, then reported at this figure. */
    private static final long DEPTH_CAP = 1_000_000;

    private final CamelContext context;
    private final FilesyncMetrics metrics;
    private final QueueGauges queue;
    private final List<Meter> meters = new ArrayList<>();
    private final Check check;

    MirrorObserver(CamelContext context, MirrorEngine engine) {
        this.context = context;
        this.metrics = FilesyncMetrics.of(context);
        String name = engine.mapping().name();
        String[] tags = {"mapping", name};
        MirrorMeters counts = engine.meters();
        Remote remote = engine.remote();
        meters.add(metrics.functionCounter("mirror", "files.sent", counts, c -> c.filesSent(), tags));
        meters.add(metrics.functionCounter("mirror", "bytes.sent", remote, r -> r.bytesSent(), tags));
        meters.add(metrics.functionCounter("mirror", "actions.completed", counts, c -> c.completed(), tags));
        meters.add(metrics.functionCounter("mirror", "failures", counts, c -> c.failures(), tags));
        meters.add(metrics.functionCounter("mirror", "retries", counts, c -> c.retries(), tags));
        ActionQueue actions = engine.queue();
        this.queue = new QueueGauges("mirror " + name, new QueueGauges.Probe() {
            @Override
            public long depth() throws Exception {
                return actions.pendingUpTo(DEPTH_CAP);
            }

            @Override
            public long oldestPendingKey() throws Exception {
                return actions.oldestPendingId();
            }

            @Override
            public long newestKey() throws Exception {
                return actions.newestId();
            }
        }, 1000).register(metrics, "mirror", tags);
        long stuckAfter = Long.parseLong(context.resolvePropertyPlaceholders(
                "{{" + STUCK_AFTER_KEY + ":" + DEFAULT_STUCK_AFTER_MS + "}}"));
        this.check = new Check(name, remote, queue, stuckAfter);
        HealthChecks.register(context, check);
    }

    @Override
    public void close() {
        HealthChecks.unregister(context, check);
        queue.unregister(metrics);
        meters.forEach(metrics::remove);
    }

    /** Readiness of one mapping: its remote answers and its queue moves. */
    static final class Check extends ProbedHealthCheck {

        private final Remote remote;
        private final QueueGauges queue;
        private final long stuckAfterMillis;

        Check(String mapping, Remote remote, QueueGauges queue, long stuckAfterMillis) {
            super("mirror:" + mapping, Map.of("job", "mirror", "mapping", mapping, "remote", remote.describe()),
                    DEFAULT_TIMEOUT, PROBE_CACHE);
            this.remote = remote;
            this.queue = queue;
            this.stuckAfterMillis = stuckAfterMillis;
        }

        @Override
        protected Outcome probe() throws Exception {
            Map<String, Object> figures = Map.of("queueDepth", (long) queue.depth(),
                    "oldestPendingSeconds", (long) queue.oldestAgeSeconds());
            try {
                remote.probe();
            } catch (RemoteUnavailableException e) {
                return Outcome.down("remote unreachable: " + e.getMessage(), figures);
            }
            if (queue.oldestAgeSeconds() * 1000 > stuckAfterMillis) {
                return Outcome.down("queue stuck: the oldest pending action has waited " + (long) queue.oldestAgeSeconds()
                        + " s, more than " + stuckAfterMillis / 1000 + " s", figures);
            }
            return Outcome.up(figures);
        }
    }
}
