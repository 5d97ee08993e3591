package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.filesync.BundleBoot;
import org.junit.jupiter.api.Test;

/**
 * A file renamed right as the client starts (an editor's temporary file saved under its real name) must end on the
 * server under its new name only: the rename races the client's initial walk and its watcher's start.
 */
class SyncStartRaceIT {

    private static final Path BASE = Path.of("target/sync-start-race-it").toAbsolutePath();
    private static final String TOKEN = "it-secret-token";
    private static final int ROUNDS = 8;

    @Test
    void aTemporaryFileRenamedAsTheClientStartsEndsOnTheServerUnderItsNewNameOnly() throws Exception {
        SyncIT.deleteTree(BASE);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (BundleBoot server = SyncBundles.server(BASE.resolve("server"), port, TOKEN, Map.of())) {
            for (int round = 0; round < ROUNDS; round++) {
                Path work = BASE.resolve("client-" + round);
                Path folder = Files.createDirectories(work.resolve("folder"));
                SyncIT.write(folder.resolve("x.tmp"), SyncChunkerTest.random(50_000, round));
                try (BundleBoot client = SyncBundles.client(work, "client-" + round, port, TOKEN, Map.of())) {
                    Files.move(folder.resolve("x.tmp"), folder.resolve("x"));
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                            .ignoreExceptionsInstanceOf(IOException.class)
                            .ignoreExceptionsInstanceOf(java.io.UncheckedIOException.class)
                            .untilAsserted(() -> assertThat(SyncIT.tree(BASE.resolve("server/files")))
                                    .as(work.toString()).isEqualTo(SyncIT.tree(folder)));
                }
            }
        }
    }
}
