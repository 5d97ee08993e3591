package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.filesync.BundleBoot;
import io.filesync.testing.CapturedLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a sync client and server say in the log as they work: each file sent and each change applied in one INFO line
 * while they are few, a burst of changes on the server in a few summary lines.
 */
class SyncProgressIT {

    private static final String TOKEN = "progress-token";
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Pattern APPLIED = Pattern.compile("INFO Sync server: (\\d+) more changes applied in the last \\d+ s.*");
    private static final Map<String, String> FAST_REPORTS = Map.of("filesync.progress.interval-seconds", "1");

    @TempDir
    Path work;

    @Test
    void filesSentAndChangesAppliedAreSaidOnceEachAndABurstIsSummarised() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path folder = work.resolve("client/folder");
        SyncIT.write(folder.resolve("before-start.txt"), "there before the client started".getBytes());
        try (CapturedLog serverLog = CapturedLog.of(SyncAudit.class.getName());
             CapturedLog clientLog = CapturedLog.of(FileSender.class.getName());
             BundleBoot server = SyncBundles.server(work.resolve("server"), port, TOKEN, FAST_REPORTS);
             BundleBoot client = SyncBundles.client(work.resolve("client"), "talkative", port, TOKEN, FAST_REPORTS)) {
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(work.resolve("server/files/before-start.txt")).exists();
                assertThat(clientLog.lines()).contains("INFO Sync: sent before-start.txt: 31 of 31 bytes");
                assertThat(serverLog.lines()).anySatisfy(line -> assertThat(line)
                        .startsWith("INFO Sync server: commit before-start.txt from talkative"));
            });

            int burst = 100;
            for (int i = 0; i < burst; i++) {
                SyncIT.write(folder.resolve("burst-" + i + ".txt"), ("burst content " + i).getBytes());
            }
            await().atMost(PATIENCE).untilAsserted(() -> {
                List<String> burstLines = serverLog.lines().stream().filter(line -> !line.contains("before-start")).toList();
                long single = burstLines.stream().filter(line -> line.startsWith("INFO Sync server: commit burst-")).count();
                long summarised = 0;
                for (String line : burstLines) {
                    Matcher summary = APPLIED.matcher(line);
                    if (summary.matches()) {
                        summarised += Long.parseLong(summary.group(1));
                    }
                }
                assertThat(single + summarised).isEqualTo(burst);
                assertThat(burstLines).hasSizeLessThan(burst / 4);
            });
        }
    }
}
