package io.filesync.bench;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.management.OperatingSystemMXBean;
import com.zaxxer.hikari.HikariDataSource;
import io.filesync.BundleBoot;
import io.filesync.core.db.DataSources;
import io.filesync.sync.SyncClient;
import io.filesync.sync.SyncTransport;

/**
 * Initial sync of a fresh tree of mixed sizes to an empty server, filesync against rsync to its daemon, both over
 * loopback, both reading the same files from the page cache. Run by bench/sync-bench.sh, once per mode, each time in
 * a fresh JVM, so the client is always timed cold (a fresh process, as rsync's client is):
 * <ul>
 * <li>{@code warm}: the server is a daemon in a JVM of its own, started and warmed before the timing
 * ({@link SyncServerDaemon}), as rsync's daemon is already running: the fair comparison. The CPU of each side is
 * measured apart (this JVM is only the client; the daemon's from /proc).</li>
 * <li>{@code cold}: the server starts in this JVM with the client, so its start and the JIT compilation of both
 * sides are in the timing: the figure of earlier versions, kept to compare with them.</li>
 * </ul>
 * Each timing starts with no dirty page on the machine ({@link BenchTrees#flushWriteback()}), so neither tool pays for
 * the writeback of the tree, the warm-up or the other tool's gigabyte.
 * <p>
 * Arguments: work folder, tree size in MiB, mode, warm-up tree size in MiB (warm mode).
 */
public final class InitialSyncBench {

    private InitialSyncBench() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]).toAbsolutePath();
        int treeMb = Integer.parseInt(args[1]);
        boolean warm = args[2].equals("warm");
        int warmUpMb = args.length > 3 ? Integer.parseInt(args[3]) : 256;
        try {
            run(work, treeMb, warm, warmUpMb);
        } finally {
            BenchTrees.delete(work);
        }
        System.exit(0);
    }

    private static void run(Path work, int treeMb, boolean warm, int warmUpMb) throws Exception {
        Path source = work.resolve("source");
        Path rsyncDst = Files.createDirectories(work.resolve("rsync-dst"));
        int files = BenchTrees.write(source, (long) treeMb * 1024 * 1024, BenchTrees.MEASURED_SEED);
        int port = freePort();
        Path serverWork = work.resolve("server");
        long serverCpuBefore = 0;
        RsyncPeer.Timing filesync;
        long clientCpuMs;
        long serverCpuMs;
        try (AutoCloseable server = warm ? SyncServerDaemon.start(serverWork, port, warmUpMb) : SyncServerDaemon.boot(serverWork, port);
             HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + work.resolve("client.db"), null, null, 2)) {
            if (server instanceof SyncServerDaemon daemon) {
                serverCpuBefore = daemon.cpuMs();
            }
            SyncTransport transport = new SyncTransport("http://127.0.0.1:" + port + "/sync", SyncServerDaemon.TOKEN, "bench", null, null);
            SyncClient client = SyncClient.of(source.toString(), transport, db, null, 200, 1000);
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
            clientCpuMs = processCpuMs() - cpuBefore;
            serverCpuMs = server instanceof SyncServerDaemon daemon ? daemon.cpuMs() - serverCpuBefore : 0;
            filesync = new RsyncPeer.Timing(ms, clientCpuMs + serverCpuMs);
            if (!client.initialSyncDone() || client.queue().size() != 0 || client.lastProblem() != null) {
                throw new IllegalStateException("filesync did not finish the initial sync: " + client.lastProblem());
            }
            BenchTrees.verify(source, serverWork.resolve("files"));
        }
        RsyncPeer.Timing rsync;
        try (RsyncPeer peer = RsyncPeer.start(work, rsyncDst, freePort())) {
            BenchTrees.flushWriteback();
            rsync = peer.timeSync(source);
        }
        BenchTrees.verify(source, rsyncDst);
        String sides = warm ? String.format(" (client %d ms, server %d ms)", clientCpuMs, serverCpuMs) : " (one JVM)";
        System.out.printf("initial sync of a %d MiB tree (%d files), %s server: filesync %d ms, rsync %d ms, ratio %.2f;"
                        + " CPU (both sides) filesync %d ms%s, rsync %d ms, ratio %.2f%n",
                treeMb, files, warm ? "warm" : "cold", filesync.ms(), rsync.ms(), (double) filesync.ms() / rsync.ms(),
                filesync.cpuMs(), sides, rsync.cpuMs(), (double) filesync.cpuMs() / rsync.cpuMs());
        System.out.printf("ratio filesync/rsync initial-tree-time %s-server=%.2f cpu=%.2f%n", warm ? "warm" : "cold",
                (double) filesync.ms() / rsync.ms(), (double) filesync.cpuMs() / rsync.cpuMs());
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
