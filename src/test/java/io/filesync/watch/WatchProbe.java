package io.filesync.watch;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs a watcher in its own process and prints what it reports, one line each: {@code READY}, {@code EVENT <json>},
 * {@code PROBLEM <path>: <reason>}. Used where the test needs a process with other privileges than the build's (as
 * root, permissions only bite without CAP_DAC_OVERRIDE). Ends when its standard input closes.
 */
public final class WatchProbe {

    private WatchProbe() {
    }

    public static void main(String[] args) throws IOException {
        TreeWatcher watcher = new TreeWatcher(
                WatchOptions.builder(Path.of(args[0])).settleTime(Duration.ofMillis(100)).build(),
                SnapshotStore.none(), new ChangeListener() {
                    @Override
                    public void onEvent(ChangeEvent event) {
                        System.out.println("EVENT " + event.toJson());
                    }

                    @Override
                    public void onProblem(Path path, String reason) {
                        System.out.println("PROBLEM " + path + ": " + reason);
                    }
                }, null);
        watcher.start();
        System.out.println("READY");
        while (System.in.read() >= 0) {
            // runs until the parent closes our input
        }
        watcher.stop();
    }
}
