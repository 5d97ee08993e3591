package io.filesync.sync;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.filesync.core.observe.FilesyncMetrics;
import io.filesync.core.observe.HealthChecks;
import io.filesync.core.observe.ProbedHealthCheck;
import io.filesync.core.observe.QueueGauges;
import org.apache.camel.CamelContext;

/**
 * Makes the sync client observable once it runs: its meters (bytes and files sent, failures, retries, queue depth and
 * oldest pending age) and the readiness check {@code sync-client:server}, DOWN while the server does not answer an empty
 * offer (an authenticated request that changes nothing).
 */
final class SyncClientObserver {

    private static final Duration PROBE_CACHE = Duration.ofSeconds(5);
    private static final long DEPTH_CAP = 1_000_000;

    SyncClientObserver(CamelContext context, SyncClient client) {
        FilesyncMetrics metrics = FilesyncMetrics.of(context);
        String[] tags = {"server", client.transport().base().toString()};
        metrics.functionCounter("sync_client", "bytes.sent", client.transport(), SyncTransport::bytesSent, tags);
        metrics.functionCounter("sync_client", "files.sent", client, SyncClient::filesSent, tags);
        metrics.functionCounter("sync_client", "failures", client, SyncClient::failures, tags);
        metrics.functionCounter("sync_client", "retries", client, SyncClient::retries, tags);
        SyncQueue queue = client.queue();
        QueueGauges gauges = new QueueGauges("sync client", new QueueGauges.Probe() {
            @Override
            public long depth() {
                return queue.sizeUpTo(DEPTH_CAP);
            }

            @Override
            public long oldestPendingKey() {
                return queue.oldestSeq();
            }

            @Override
            public long newestKey() {
                return queue.newestSeq();
            }
        }, 1000).register(metrics, "sync_client", tags);
        HealthChecks.register(context, new ServerCheck(client.transport(), gauges));
    }

    /** Readiness of the client: its server answers. */
    private static final class ServerCheck extends ProbedHealthCheck {

        private final SyncTransport transport;
        private final QueueGauges queue;

        ServerCheck(SyncTransport transport, QueueGauges queue) {
            super("sync-client:server", Map.of("job", "sync_client", "server", transport.base().toString()),
                    DEFAULT_TIMEOUT, PROBE_CACHE);
            this.transport = transport;
            this.queue = queue;
        }

        @Override
        protected Outcome probe() {
            Map<String, Object> figures = Map.of("queueDepth", (long) queue.depth(),
                    "oldestPendingSeconds", (long) queue.oldestAgeSeconds());
            try {
                transport.offer(List.of());
                return Outcome.up(figures);
            } catch (Exception e) {
                return Outcome.down("server unreachable: " + describe(e), figures);
            }
        }
    }
}
