package io.filesync.sync;

import io.filesync.core.observe.FilesyncMetrics;
import org.apache.camel.CamelContext;

/**
 * The sync server's meters: chunk bytes received and bytes saved by dedup (content the server held already and did
 * not ask for). They count from each start of the store, so they reset when the route restarts, as Prometheus expects
 * of a counter.
 */
final class SyncServerMeters {

    private final SyncServerHttp http;
    private long receivedBefore;
    private long savedBefore;

    private SyncServerMeters(SyncServerHttp http) {
        this.http = http;
    }

    /** Registers the meters on the first start of the route; later starts keep them. */
    static SyncServerMeters register(CamelContext context, SyncServerHttp http, SyncServerMeters existing) {
        if (existing != null) {
            return existing;
        }
        SyncServerMeters meters = new SyncServerMeters(http);
        FilesyncMetrics metrics = FilesyncMetrics.of(context);
        metrics.functionCounter("sync_server", "bytes.received", meters, SyncServerMeters::received);
        metrics.functionCounter("sync_server", "dedup.bytes.saved", meters, SyncServerMeters::saved);
        return meters;
    }

    private synchronized double received() {
        SyncServer server = http.serverIfOpen();
        return server == null ? receivedBefore : (receivedBefore = server.chunkBytesReceived());
    }

    private synchronized double saved() {
        SyncServer server = http.serverIfOpen();
        return server == null ? savedBefore : (savedBefore = server.dedupBytesSaved());
    }
}
