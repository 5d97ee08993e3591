package io.filesync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.filesync.BundleBoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real bundle: changes under the watched folder arrive through the filesync-watch component as JSON Lines. */
class WatchEventsRouteTest {

    @TempDir
    Path work;

    @Test
    void changesArriveAsJsonLinesInTheEventsFile() throws Exception {
        Path watched = work.resolve("watch");
        Path events = work.resolve("events/events.jsonl");
        try (BundleBoot bundle = BundleBoot.start(work, Map.of())) {
            assertThat(bundle.main().getCamelContext().getRoute("watch-events")).isNotNull();
            // The target is missing at start: creating it is the first event.
            Files.createDirectories(watched.resolve("in"));
            Files.writeString(watched.resolve("in/report.txt"), "hello");
            await().atMost(Duration.ofSeconds(30)).until(() -> lines(events).size() >= 3);
            Files.move(watched.resolve("in/report.txt"), watched.resolve("in/renamed.txt"));
            await().atMost(Duration.ofSeconds(30)).until(() -> lines(events).size() >= 4);

            List<ChangeEvent> written = lines(events).stream().map(ChangeEvent::fromJson).toList();
            assertThat(written).extracting(RecordingListener::describe).containsExactly("TARGET_CREATED ",
                    "DIRECTORY_CREATED in", "FILE_CREATED in/report.txt", "FILE_MOVED in/report.txt -> in/renamed.txt");
            assertThat(written.get(2).size()).isEqualTo(5L);
            assertThat(written.get(2).absolutePath()).isEqualTo(watched.resolve("in/report.txt").toString());
        }
    }

    @Test
    void theWatchSourceKameletFeedsTheWriterSinkKamelet() throws Exception {
        Path watched = work.resolve("kwatch");
        Path out = work.resolve("kout");
        Path route = work.resolve("kamelets.camel.yaml");
        Files.writeString(route, """
                - route:
                    id: kamelet-watch-to-writer
                    from:
                      uri: "kamelet:filesync-watch-source"
                      parameters:
                        target: "%s"
                        stateKey: kamelet-test
                        settleTime: 100
                      steps:
                        - setHeader:
                            name: FilesyncWriterOperation
                            constant: append
                        - setHeader:
                            name: FilesyncWriterPath
                            constant: seen/events.log
                        - setBody:
                            simple:
                              expression: "${header.FilesyncWatchEventType} ${header.FilesyncWatchPath}\\n"
                              trim: false
                        - to:
                            uri: "kamelet:filesync-writer-sink"
                            parameters:
                              root: "%s"
                              watchedInputs: "%s"
                """.formatted(watched, out, watched));
        Files.createDirectories(watched);
        try (BundleBoot bundle = BundleBoot.start(work, Map.of("camel.main.routes-include-pattern",
                "file:routes/*.camel.yaml,file:" + route))) {
            assertThat(bundle.main().getCamelContext().getRoute("kamelet-watch-to-writer")).isNotNull();
            Files.writeString(watched.resolve("a.txt"), "a");
            Path log = out.resolve("seen/events.log");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(log) && Files.readString(log).contains("a.txt"));
            assertThat(Files.readString(log)).isEqualTo("FILE_CREATED a.txt\n");
        }
    }

    static List<String> lines(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
    }
}
