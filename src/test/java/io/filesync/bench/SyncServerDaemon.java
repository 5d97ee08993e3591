package io.filesync.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.BundleBoot;
import io.filesync.core.db.DataSources;
import io.filesync.sync.SyncClient;
import io.filesync.sync.SyncTransport;

/**
 * The sync server as the long-running daemon it is in use, as rsyncd is: a JVM of its own (same classpath), with its
 * own root, store and database, warmed before any timing until its JIT settles, by rounds of the initial sync of an
 * unrelated random tree (another seed, so none of its chunks dedups against the measured tree) to servers of their
 * own, so the measured server starts with an empty root, as rsync's daemon does ({@link #warmUp}).
 * <p>
 * {@link #main} is the daemon: it prints {@link #READY} once warm and stops when its standard input closes.
 * {@link #start} launches it from a bench and waits for it to be ready.
 */
final class SyncServerDaemon implements AutoCloseable {

    static final String TOKEN = "bench-token";
    private static final String READY = "sync-server-daemon ready";
    private static final long WARM_UP_SEED = 97;
    private static final int MAX_WARM_UP_ROUNDS = 8;
    private static final long SETTLED_COMPILE_MS = 300;
    /** Where the warm-up rounds run when there is room: a tmpfs, whose deletions cost the disk nothing. */
    private static final Path WARM_UP_SCRATCH = Path.of("/dev/shm");

    private final Process process;

    private SyncServerDaemon(Process process) {
        this.process = process;
    }

    /** Arguments: work folder, port, size of the warm-up tree in MiB. */
    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        long warmUpBytes = Long.parseLong(args[2]) * 1024 * 1024;
        warmUp(work, port, warmUpBytes);
        try (BundleBoot server = boot(work, port)) {
            System.out.println(READY);
            System.out.flush();
            while (System.in.read() >= 0) {
                // runs until the bench closes our standard input (or exits)
            }
        }
        System.exit(0);
    }

    /**
     * The server routes of the real configuration, on loopback, rooted in {@code work}. The store's collection, an
     * hourly job that first runs 10 s after the start, is put off by an hour: rsync's daemon has no such job, and
     * one that landed inside a timing would be measured by chance, not by design.
     */
    static BundleBoot boot(Path work, int port) throws Exception {
        return BundleBoot.start(work, Map.of(
                "camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml,file:routes/sync-server*.camel.yaml",
                "sync.server.enabled", "true",
                "sync.server.port", String.valueOf(port),
                "sync.server.root", work.resolve("files").toString(),
                "sync.server.store", work.resolve("store").toString(),
                "sync.server.token", TOKEN,
                "sync.server.gc-delay-ms", "3600000"));
    }

    /**
     * Warms this JVM as a daemon that has served for a while: rounds of the initial sync of an unrelated random tree
     * (another seed than the measured tree's, so none of its chunks dedups against it, and by default of the measured
     * tree's size and shape), each to a fresh server of its own (root, store, database) in this JVM, stopped after its
     * round, until the JIT settles: a round whose compilations, waited for until the compiler is idle, take less than
     * {@link #SETTLED_COMPILE_MS} (at most {@link #MAX_WARM_UP_ROUNDS}). The measured server then starts on the warm
     * JVM with an empty root and store, as rsync's daemon starts the timing with an empty destination.
     * <p>
     * How warm is warm enough was measured with a flight recording of the daemon's compilations in the timed window.
     * After six rounds of a 256 MiB tree the measured sync of 1 GiB still spent 2.4 s in the C2 compiler: methods run
     * once per file or per group of files ({@code SyncServer.missing}, the direct writes, the assembly of a file) had
     * not reached its thresholds in rounds of a quarter of the files. After eight rounds of a 1 GiB tree, 0.6 to 0.9 s
     * were left, most of it in methods run once per group (about 35 per gigabyte): offer and commit.
     * <p>
     * The rounds run on {@link #WARM_UP_SCRATCH} (tmpfs, which takes direct I/O on this machine's kernel, so the
     * server's code paths are the same as on disk) when it has room, and each round's server is deleted after its
     * round: eight 1 GiB copies would not fit the disk of five trials. Nothing is deleted from the disk before the
     * daemon exits. This machine's root file system is ext4 without a journal, whose inode allocator skips, at a cost
     * per inode, inodes freed in the last five minutes or so ({@code recently_deleted} in the kernel's ext4 code);
     * when rounds removed their tree from a server on that disk, the measured sync's file creations paid for it, up
     * to 2.5 s of system time, and so did rsync's, by chance. A deletion on tmpfs costs the disk nothing.
     */
    private static void warmUp(Path work, int port, long bytes) throws Exception {
        Path scratch = scratch(bytes);
        Path base = scratch != null ? scratch : work;
        try {
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            long compiled = settledCompileMs(jit);
            Path tree = base.resolve("warm-up-tree");
            BenchTrees.write(tree, bytes, WARM_UP_SEED);
            for (int round = 1; round <= MAX_WARM_UP_ROUNDS; round++) {
                Path server = base.resolve("warm-up-" + round);
                try (BundleBoot booted = boot(server, port);
                     SyncTransport transport = SyncTransport.builder().serverUrl("http://127.0.0.1:" + port + "/sync").token(TOKEN).clientName("warm-up").build();
                     HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + server.resolve("client.db"), null, null, 2)) {
                    drain(SyncClient.of(tree.toString(), transport, db, null, 200, 1000));
                }
                BenchTrees.verify(tree, server.resolve("files"));
                if (scratch != null) {
                    BenchTrees.delete(server);
                }
                long now = settledCompileMs(jit);
                System.out.printf("server warm-up round %d (%d MiB%s): %d ms of JIT compilation%n", round, bytes >> 20,
                        scratch != null ? ", tmpfs" : "", now - compiled);
                if (now - compiled < SETTLED_COMPILE_MS) {
                    return;
                }
                compiled = now;
            }
        } finally {
            if (scratch != null) {
                BenchTrees.delete(scratch);
            }
        }
    }

    /**
     * A folder of this daemon's own on {@link #WARM_UP_SCRATCH} for the warm-up, or null (the rounds then run in the
     * work folder, and stay there) when there is no such tmpfs or it lacks room for the tree, a round's copy of it
     * and the round's store, with a margin.
     */
    private static Path scratch(long bytes) throws java.io.IOException {
        if (!Files.isDirectory(WARM_UP_SCRATCH) || Files.getFileStore(WARM_UP_SCRATCH).getUsableSpace() < 4 * bytes) {
            return null;
        }
        return Files.createTempDirectory(WARM_UP_SCRATCH, "filesync-bench-warm-up-");
    }

    /** The JIT's total compilation time once it has compiled nothing for a second (the queue drained). */
    private static long settledCompileMs(CompilationMXBean jit) throws InterruptedException {
        long last = jit.getTotalCompilationTime();
        for (int quiet = 0; quiet < 5; ) {
            Thread.sleep(200);
            long now = jit.getTotalCompilationTime();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
        return last;
    }

    private static void drain(SyncClient client) throws Exception {
        client.drain();
        if (!client.initialSyncDone() || client.queue().size() != 0 || client.lastProblem() != null) {
            throw new IllegalStateException("the warm-up sync did not finish: " + client.lastProblem());
        }
    }

    /** Launches the daemon in a fresh JVM with this JVM's classpath and log settings; returns once it is warm. */
    static SyncServerDaemon start(Path work, int port, int warmUpMb) throws Exception {
        Files.createDirectories(work);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.level=" + System.getProperty("log4j2.level", "WARN"),
                "-Dlog4j.configurationFile=" + System.getProperty("log4j.configurationFile", "config/log4j2.properties")));
        // Extra options for the daemon's JVM only, e.g. a flight recording: -Dbench.daemon.jvm="-XX:StartFlightRecording=..."
        String extra = System.getProperty("bench.daemon.jvm", "").strip();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of(SyncServerDaemon.class.getName(), work.toString(), String.valueOf(port), String.valueOf(warmUpMb)));
        Process process = new ProcessBuilder(command).redirectError(work.resolve("daemon.err").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith("server warm-up")) {
                System.out.println(line);
            }
            if (line.equals(READY)) {
                Thread drainer = new Thread(() -> {
                    try {
                        out.transferTo(Writer.nullWriter());
                    } catch (java.io.IOException closed) {
                        // the daemon exited
                    }
                }, "sync-server-daemon-out");
                drainer.setDaemon(true);
                drainer.start();
                return new SyncServerDaemon(process);
            }
        }
        process.destroy();
        throw new IllegalStateException("the sync server daemon exited before it was ready (exit "
                + process.waitFor() + "): " + Files.readString(work.resolve("daemon.err")));
    }

    /** CPU time of the daemon's JVM so far, in milliseconds. */
    long cpuMs() throws java.io.IOException {
        return RsyncPeer.cpuMsOf(process.pid());
    }

    @Override
    public void close() throws Exception {
        try (OutputStream in = process.getOutputStream()) {
            in.flush();
        }
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the sync server daemon did not stop within 60 s");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("the sync server daemon failed: see its daemon.err");
        }
    }
}
