package io.filesync.sync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.filesync.BundleBoot;

/** A sync server and sync clients booted from the real routes, each in its own CamelContext and work folder. */
final class SyncBundles {

    private SyncBundles() {
    }

    /** A server on {@code port} serving {@code work}/files, its chunk store in {@code work}/store. */
    static BundleBoot server(Path work, int port, String token, Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of(
                "camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml,file:routes/sync-server*.camel.yaml",
                "sync.server.enabled", "true",
                "sync.server.port", String.valueOf(port),
                "sync.server.root", work.resolve("files").toString(),
                "sync.server.store", work.resolve("store").toString(),
                "sync.server.token", token));
        settings.putAll(extra);
        return BundleBoot.start(work, settings);
    }

    /** A client of the server on {@code port} keeping {@code work}/folder in step, with short test timings. */
    static BundleBoot client(Path work, String name, int port, String token, Map<String, String> extra) throws Exception {
        Files.createDirectories(work.resolve("folder"));
        Map<String, String> settings = new HashMap<>(Map.ofEntries(
                Map.entry("camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml,file:routes/sync-client*.camel.yaml"),
                Map.entry("sync.client.enabled", "true"),
                Map.entry("sync.client.dir", work.resolve("folder").toString()),
                Map.entry("sync.client.server-url", "http://127.0.0.1:" + port + "/sync"),
                Map.entry("sync.client.token", token),
                Map.entry("sync.client.name", name),
                Map.entry("sync.client.settle-time-ms", "100"),
                Map.entry("sync.client.poll-ms", "100"),
                Map.entry("sync.client.retry-initial-delay-ms", "200"),
                Map.entry("sync.client.retry-max-delay-ms", "1000")));
        settings.putAll(extra);
        return BundleBoot.start(work, settings);
    }
}
