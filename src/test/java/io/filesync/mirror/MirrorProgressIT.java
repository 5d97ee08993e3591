package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.filesync.BundleBoot;
import io.filesync.core.observe.Scrape;
import io.filesync.servers.S3Server;
import io.filesync.servers.TestServers;
import io.filesync.testing.CapturedLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What the mirror says in the log as it works: one line for a file mirrored, a few summary lines for a burst. */
@ExtendWith(TestServers.class)
class MirrorProgressIT {

    private static final Pattern SUMMARY = Pattern.compile("INFO mirror s3: (\\d+) more actions done in the last \\d+ s.*");

    @TempDir
    Path work;

    @Test
    void aFileMirroredIsOneInfoLineAndABurstOfTwoHundredIsSummarised() throws Exception {
        try (S3Server s3 = S3Server.start(Files.createDirectories(work.resolve("s3proxy")));
             CapturedLog log = CapturedLog.of(ActionRunner.class.getName())) {
            String bucket = s3.createBucket();
            Path root = Files.createDirectories(work.resolve("root"));
            Map<String, String> settings = Map.ofEntries(
                    Map.entry("mirror.s3.enabled", "true"), Map.entry("mirror.s3.root", root.toString()),
                    Map.entry("mirror.s3.bucket", bucket), Map.entry("mirror.s3.endpoint", s3.endpoint().toString()),
                    Map.entry("mirror.s3.access-key", s3.accessKey()), Map.entry("mirror.s3.secret-key", s3.secretKey()),
                    Map.entry("mirror.s3.settle-time-ms", "200"), Map.entry("mirror.s3.scan-delay-ms", "200"),
                    Map.entry("filesync.progress.interval-seconds", "1"));
            try (BundleBoot bundle = BundleBoot.start(work, settings)) {
                Scrape scrape = Scrape.of(bundle.main().getCamelContext());
                Files.writeString(root.resolve("first.txt"), "0123456789");
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(log.lines())
                        .anySatisfy(line -> assertThat(line).startsWith("INFO mirror s3: send first.txt: ")));

                int burst = 200;
                for (int i = 0; i < burst; i++) {
                    Files.writeString(root.resolve("burst-" + i + ".txt"), "content " + i);
                }
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(scrape.value("filesync_mirror_files_sent_total", "mapping=\"s3\"")).isEqualTo(burst + 1);
                    List<String> burstLines = log.lines().stream().filter(line -> !line.contains("first.txt")).toList();
                    long single = burstLines.stream().filter(line -> line.startsWith("INFO mirror s3: send burst-")).count();
                    long summarised = 0;
                    for (String line : burstLines) {
                        Matcher summary = SUMMARY.matcher(line);
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
}
