package io.filesync.bench;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.management.OperatingSystemMXBean;
import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import io.filesync.sync.SyncClient;
import io.filesync.sync.SyncTransport;

/**
 * Initial sync of a fresh tree of mixed sizes to an empty server, filesync against rsync to its daemon, both over
 * loopback, both reading the same files from the page cache. Run by bench/sync-bench.sh in trials, each in a fresh
 * JVM, so the client is always timed cold (a fresh process, as rsync's client is), in one of two modes:
 * <ul>
 * <li>{@code warm}: the server is a daemon in a JVM of its own, started and warmed before the timing
 * ({@link SyncServerDaemon}), as rsync's daemon is already running: the fair comparison. The CPU of each side is
 * measured apart (this JVM is only the client; the daemon's from /proc).</li>
 * <li>{@code cold}: the server starts in this JVM with the client, so its start and the JIT compilation of both
 * sides are in the timing: the figure of earlier versions, kept to compare with them.</li>
 * </ul>
 * Each timing starts with the tree in the page cache ({@link BenchTrees#cache}) and no dirty page on the machine
 * ({@link BenchTrees#flushWriteback()}), so both tools read the same cached files and neither pays for the writeback
 * of the tree, the warm-up or the other tool's gigabyte.
 * <p>
 * One JVM times one trial, so the client is cold in every trial; bench/sync-bench.sh runs several trials, each in a
 * fresh JVM on the same work folder, and compares the medians. rsync's own time varied from 2.1 to 3.9 s between
 * single runs a minute apart, which made the ratio of one run of each tool a draw.
 * <p>
 * Arguments: work folder, tree size in MiB, mode, warm-up tree size in MiB (warm mode; the tree size by default),
 * trial number (1, 2...; the work folder is then kept for the next trial; without it, one trial and the work folder
 * is deleted at the end, so start the next such run five minutes later: see {@link SyncServerDaemon} on deletions).
 */
public final class InitialSyncBench {

    private InitialSyncBench() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]).toAbsolutePath();
        int treeMb = Integer.parseInt(args[1]);
        boolean warm = args[2].equals("warm");
        int warmUpMb = args.length > 3 ? Integer.parseInt(args[3]) : treeMb;
        int trial = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        try {
            run(work, treeMb, warm, warmUpMb, Math.max(trial, 1));
        } finally {
            if (trial == 0) {
                BenchTrees.delete(work);
            }
        }
        System.exit(0);
    }

    /**
     * One trial. The tree is written by the first trial and reused by the next ones (their timings read the same
     * files); every trial syncs it to empty destinations of its own (a fresh daemon for filesync, whose client would
     * otherwise delete what a trial before left), and deletes nothing: a mass delete makes the next file creations
     * pay for it (see {@link SyncServerDaemon}). Which tool goes first alternates from trial to trial.
     */
    private static void run(Path work, int treeMb, boolean warm, int warmUpMb, int trial) throws Exception {
        Path source = work.resolve("source");
        int files = tree(source, (long) treeMb * 1024 * 1024);
        boolean rsyncFirst = trial % 2 == 0;
        RsyncPeer.Timing rsync = rsyncFirst ? rsync(work, source, trial) : null;
        long[] filesync = filesync(work, source, trial, warm, warmUpMb);
        if (!rsyncFirst) {
            rsync = rsync(work, source, trial);
        }
        long ms = filesync[0];
        long cpuMs = filesync[1] + filesync[2];
        String sides = warm ? String.format(" (client %d ms, server %d ms)", filesync[1], filesync[2]) : " (one JVM)";
        System.out.printf("trial %d (%s first): initial sync of a %d MiB tree (%d files), %s server: filesync %d ms, rsync"
                        + " %d ms, ratio %.2f; CPU (both sides) filesync %d ms%s, rsync %d ms, ratio %.2f%n",
                trial, rsyncFirst ? "rsync" : "filesync", treeMb, files, warm ? "warm" : "cold", ms, rsync.ms(),
                (double) ms / rsync.ms(), cpuMs, sides, rsync.cpuMs(), (double) cpuMs / rsync.cpuMs());
        // For bench/sync-bench.sh, which takes the medians of the trials.
        System.out.printf("figures files=%d filesync-ms=%d client-cpu-ms=%d server-cpu-ms=%d rsync-ms=%d rsync-cpu-ms=%d%n",
                files, ms, filesync[1], filesync[2], rsync.ms(), rsync.cpuMs());
    }

    /** Writes the measured tree unless an earlier trial did; returns its number of files. */
    private static int tree(Path source, long bytes) throws java.io.IOException {
        Path written = source.resolveSibling("source.files");
        if (Files.exists(written)) {
            return Integer.parseInt(Files.readString(written).strip());
        }
        int files = BenchTrees.write(source, bytes, BenchTrees.MEASURED_SEED);
        Files.writeString(written, String.valueOf(files));
        return files;
    }

    /** @return wall-clock ms, client CPU ms, server CPU ms (0 for a server in this JVM) */
    private static long[] filesync(Path work, Path source, int trial, boolean warm, int warmUpMb) throws Exception {
        int port = freePort();
        Path serverWork = work.resolve("server-" + trial);
        try (AutoCloseable server = warm ? SyncServerDaemon.start(serverWork, port, warmUpMb) : SyncServerDaemon.boot(serverWork, port);
             HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + work.resolve("client-" + trial + ".db"), null, null, 2)) {
            long serverCpuBefore = server instanceof SyncServerDaemon daemon ? daemon.cpuMs() : 0;
            SyncTransport transport = SyncTransport.builder().serverUrl("http://127.0.0.1:" + port + "/sync").token(SyncServerDaemon.TOKEN).clientName("bench").build();
            SyncClient client = SyncClient.of(source.toString(), transport, db, null, 200, 1000);
            BenchTrees.cache(source);
            BenchTrees.flushWriteback();
            long cpuBefore = processCpuMs();
            long start = System.nanoTime();
            client.drain();
            long end = System.nanoTime();
            long ms = (end - start) / 1_000_000;
            // The timed window on CLOCK_MONOTONIC, to cut a system profile to it (perf record -k CLOCK_MONOTONIC).
            long wallEnd = System.currentTimeMillis();
            System.err.printf("timed window (monotonic s): %.6f,%.6f; (epoch ms): %d,%d%n", start / 1e9, end / 1e9,
                    wallEnd - ms, wallEnd);
            long clientCpuMs = processCpuMs() - cpuBefore;
            long serverCpuMs = server instanceof SyncServerDaemon daemon ? daemon.cpuMs() - serverCpuBefore : 0;
            if (!client.initialSyncDone() || client.queue().size() != 0 || client.lastProblem() != null) {
                throw new IllegalStateException("filesync did not finish the initial sync: " + client.lastProblem());
            }
            BenchTrees.verify(source, serverWork.resolve("files"));
            return new long[] {ms, clientCpuMs, serverCpuMs};
        }
    }

    private static RsyncPeer.Timing rsync(Path work, Path source, int trial) throws Exception {
        Path destination = Files.createDirectories(work.resolve("rsync-dst-" + trial));
        RsyncPeer.Timing timing;
        try (RsyncPeer peer = RsyncPeer.start(Files.createDirectories(work.resolve("rsync-" + trial)), destination, freePort())) {
            BenchTrees.cache(source);
            BenchTrees.flushWriteback();
            timing = peer.timeSync(source);
        }
        BenchTrees.verify(source, destination);
        return timing;
    }

    /** CPU time of this JVM, in milliseconds. */
    private static long processCpuMs() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1_000_000;
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
