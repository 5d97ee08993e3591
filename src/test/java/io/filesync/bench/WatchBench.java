package io.filesync.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.filesync.watch.ChangeEvent;
import io.filesync.watch.ChangeType;
import io.filesync.watch.SnapshotStore;
import io.filesync.watch.TreeWatcher;
import io.filesync.watch.WatchOptions;

/**
 * Latency from a change to its event, filesync's TreeWatcher against inotifywait on the very same changes, both
 * timed on arrival in this process; then a burst of 20,000 files. Run by bench/watch-bench.sh.
 * <p>
 * Changes rotate through create (write and close), append, rename and delete. inotifywait's matching events are
 * CLOSE_WRITE, CLOSE_WRITE, MOVED_TO and DELETE; filesync's are FILE_CREATED, FILE_UPDATED, FILE_MOVED and
 * FILE_DELETED, after its settle time (created, updated) or move window (deleted).
 */
public final class WatchBench {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Map<String, Long> filesyncSeen = new ConcurrentHashMap<>();
    private final Map<String, Long> inotifySeen = new ConcurrentHashMap<>();
    private final AtomicInteger filesyncCreated = new AtomicInteger();
    private final AtomicInteger inotifyClosed = new AtomicInteger();
    private final AtomicLong filesyncLastCreated = new AtomicLong();
    private final AtomicLong inotifyLastClosed = new AtomicLong();

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).toAbsolutePath();
        int changes = Integer.parseInt(args.length > 1 ? args[1] : "400");
        int burst = Integer.parseInt(args.length > 2 ? args[2] : "20000");
        long settleMs = Long.parseLong(args.length > 3 ? args[3] : "20");
        new WatchBench().run(dir, changes, burst, settleMs);
    }

    private void run(Path dir, int changes, int burst, long settleMs) throws Exception {
        Path latencyDir = dir.resolve("latency");
        Path burstDir = dir.resolve("burst");
        Files.createDirectories(latencyDir);
        Files.createDirectories(burstDir);

        TreeWatcher watcher = new TreeWatcher(WatchOptions.builder(dir).settleTime(Duration.ofMillis(settleMs)).build(),
                SnapshotStore.none(), this::onFilesync, null);
        watcher.start();
        Process inotify = startInotifywait(dir);
        try {
            List<Double> filesync = new ArrayList<>();
            List<Double> inotifywait = new ArrayList<>();
            List<List<Double>> byKind = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            byte[] line = "a line of text\n".getBytes(StandardCharsets.UTF_8);
            int lost = 0;
            for (int i = 0; i < changes; i++) {
                int file = i / 4;
                Path a = latencyDir.resolve("f" + file + ".txt");
                Path b = latencyDir.resolve("g" + file + ".txt");
                String key;
                long start = System.nanoTime();
                switch (i % 4) {
                    case 0 -> { Files.write(a, line); key = "c:" + a; }
                    case 1 -> { Files.write(a, line, StandardOpenOption.APPEND); key = "u:" + a; }
                    case 2 -> { Files.move(a, b); key = "m:" + b; }
                    default -> { Files.delete(b); key = "d:" + b; }
                }
                Long f = awaitKey(filesyncSeen, key);
                Long n = awaitKey(inotifySeen, key);
                if (f == null || n == null) {
                    lost++;
                    continue;
                }
                filesync.add((f - start) / 1e6);
                byKind.get(i % 4).add((f - start) / 1e6);
                inotifywait.add((n - start) / 1e6);
            }
            Collections.sort(filesync);
            Collections.sort(inotifywait);
            System.out.printf("latency: %d changes (create, append, rename, delete), filesync settle time %d ms, %d without both events%n",
                    filesync.size(), settleMs, lost);
            System.out.printf("  filesync     median %7.2f ms   p99 %7.2f ms   max %7.2f ms%n", pct(filesync, 50), pct(filesync, 99), pct(filesync, 100));
            System.out.printf("  inotifywait  median %7.2f ms   p99 %7.2f ms   max %7.2f ms%n", pct(inotifywait, 50), pct(inotifywait, 99), pct(inotifywait, 100));
            byKind.forEach(Collections::sort);
            System.out.printf("  filesync by kind, median/p99 ms: create %.1f/%.1f (settle time), append %.1f/%.1f (settle time),"
                    + " rename %.1f/%.1f, delete %.1f/%.1f (move window)%n", pct(byKind.get(0), 50), pct(byKind.get(0), 99),
                    pct(byKind.get(1), 50), pct(byKind.get(1), 99), pct(byKind.get(2), 50), pct(byKind.get(2), 99),
                    pct(byKind.get(3), 50), pct(byKind.get(3), 99));

            filesyncCreated.set(0);
            inotifyClosed.set(0);
            long burstStart = System.nanoTime();
            byte[] content = "x".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < burst; i++) {
                Files.write(burstDir.resolve("b" + i), content);
            }
            long written = System.nanoTime();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while ((filesyncCreated.get() < burst || inotifyClosed.get() < burst) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                Thread.sleep(5); // polling a counter for the report, not synchronising the system under test
            }
            // Anything beyond the expected count would show up here: wait one more second for stragglers.
            Thread.sleep(1000);
            System.out.printf("burst: %d files written in %.0f ms%n", burst, (written - burstStart) / 1e6);
            System.out.printf("  filesync     created events %6d (expected %d), last after %7.0f ms, rescans after overflow %d%n",
                    filesyncCreated.get(), burst, (filesyncLastCreated.get() - burstStart) / 1e6, watcher.rescanCount());
            System.out.printf("  inotifywait  close_write    %6d (expected %d), last after %7.0f ms%n",
                    inotifyClosed.get(), burst, (inotifyLastClosed.get() - burstStart) / 1e6);
            System.out.printf("ratio filesync/inotifywait p99 latency: %.2f (median %.2f)%n",
                    pct(filesync, 99) / pct(inotifywait, 99), pct(filesync, 50) / pct(inotifywait, 50));
        } finally {
            inotify.destroy();
            watcher.stop();
        }
    }

    private void onFilesync(ChangeEvent event) {
        long now = System.nanoTime();
        String prefix = switch (event.type()) {
            case FILE_CREATED -> "c:";
            case FILE_UPDATED -> "u:";
            case FILE_MOVED -> "m:";
            case FILE_DELETED -> "d:";
            default -> null;
        };
        if (prefix != null) {
            filesyncSeen.put(prefix + event.absolutePath(), now);
        }
        if (event.type() == ChangeType.FILE_CREATED && event.path().startsWith("burst/")) {
            filesyncCreated.incrementAndGet();
            filesyncLastCreated.set(now);
        }
    }

    private Process startInotifywait(Path dir) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("inotifywait", "-m", "-r", "-e", "close_write", "-e", "moved_to", "-e",
                "delete", "--format", "%e|%w%f", dir.toString()).start();
        CountDownLatch ready = new CountDownLatch(1);
        Thread errors = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String l = err.readLine(); l != null; l = err.readLine()) {
                    if (l.contains("Watches established")) {
                        ready.countDown();
                    }
                }
            } catch (IOException e) {
                // process ended
            }
        });
        errors.setDaemon(true);
        errors.start();
        Thread out = new Thread(() -> {
            Map<String, Long> pendingCreate = new ConcurrentHashMap<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                    long now = System.nanoTime();
                    int bar = l.indexOf('|');
                    String events = l.substring(0, bar);
                    String path = l.substring(bar + 1);
                    if (events.contains("CLOSE_WRITE")) {
                        // the first close of a file is its creation, later ones are appends
                        inotifySeen.put((pendingCreate.putIfAbsent(path, now) == null ? "c:" : "u:") + path, now);
                        if (path.contains("/burst/")) {
                            inotifyClosed.incrementAndGet();
                            inotifyLastClosed.set(now);
                        }
                    } else if (events.contains("MOVED_TO")) {
                        inotifySeen.put("m:" + path, now);
                    } else if (events.contains("DELETE")) {
                        inotifySeen.put("d:" + path, now);
                    } else if (events.contains("Q_OVERFLOW")) {
                        System.out.println("  (inotifywait: kernel queue overflow, events lost)");
                    }
                }
            } catch (IOException e) {
                // process ended
            }
        });
        out.setDaemon(true);
        out.start();
        if (!ready.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("inotifywait did not start");
        }
        return process;
    }

    private static Long awaitKey(Map<String, Long> seen, String key) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Long at;
        while ((at = seen.get(key)) == null && System.nanoTime() < deadline) {
            Thread.sleep(1); // polling for the report; arrival times are taken by the listeners, not here
        }
        return at;
    }

    private static double pct(List<Double> sorted, int percentile) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
