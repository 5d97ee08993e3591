package io.filesync.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.BundleBoot;
import io.filesync.core.db.DataSources;
import io.filesync.sync.Chunker;
import io.filesync.sync.Manifest;
import io.filesync.sync.SyncClient;
import io.filesync.sync.SyncTransport;
import io.filesync.watch.ChangeEvent;
import io.filesync.watch.ChangeType;

/**
 * Bytes on the wire for the same edits of one large file, filesync's sync (a real server route over loopback HTTP,
 * counted by a TCP relay in between, HTTP headers included) against rsync to its own daemon on loopback (its
 * {@code --stats} totals). Then chunking and hashing speed on one core. Run by bench/sync-bench.sh.
 */
public final class SyncBench {

    private static final String TOKEN = "bench-token";

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]).toAbsolutePath();
        int sizeMb = Integer.parseInt(args[1]);
        int treeMb = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        SyncBench bench = new SyncBench();
        double treeRatio = bench.initialTree(work.resolve("tree"), treeMb);
        if (sizeMb > 0) {
            bench.run(work, sizeMb, treeRatio);
        } else {
            System.out.printf("ratio filesync/rsync initial-tree-time=%.2f%n", treeRatio);
        }
        System.exit(0);
    }

    /**
     * Initial sync of a fresh tree of mixed sizes to an empty server, filesync against rsync to its daemon, both over
     * loopback, both reading the same files from the page cache: many small files in nested folders (a tenth of the
     * bytes), some medium ones (three tenths), a few large ones (the rest), and a few empty folders.
     *
     * @return filesync's time / rsync's
     */
    private double initialTree(Path work, int treeMb) throws Exception {
        Path source = work.resolve("source");
        Path rsyncDst = work.resolve("rsync-dst");
        Files.createDirectories(rsyncDst);
        long total = (long) treeMb * 1024 * 1024;
        int files = writeTree(source, total);
        int serverPort = freePort();
        int rsyncPort = freePort();
        try (BundleBoot server = BundleBoot.start(work.resolve("server"), Map.of(
                "camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml,file:routes/sync-server*.camel.yaml",
                "sync.server.enabled", "true",
                "sync.server.port", String.valueOf(serverPort),
                "sync.server.root", work.resolve("server/files").toString(),
                "sync.server.store", work.resolve("server/store").toString(),
                "sync.server.token", TOKEN));
             HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + work.resolve("client.db"), null, null, 2)) {
            SyncTransport transport = new SyncTransport("http://127.0.0.1:" + serverPort + "/sync", TOKEN, "bench", null, null);
            SyncClient client = SyncClient.of(source.toString(), transport, db, null, 200, 1000);
            long cpuBefore = processCpuMs();
            long start = System.nanoTime();
            client.drain();
            long filesyncMs = (System.nanoTime() - start) / 1_000_000;
            long filesyncCpuMs = processCpuMs() - cpuBefore;
            if (!client.initialSyncDone() || client.queue().size() != 0 || client.lastProblem() != null) {
                throw new IllegalStateException("filesync did not finish the initial sync: " + client.lastProblem());
            }
            verifyTree(source, work.resolve("server/files"));

            Process daemon = startRsyncDaemon(work, rsyncDst, rsyncPort);
            long rsyncMs;
            long rsyncCpuMs;
            try {
                long daemonBefore = cpuMsOf(daemon.pid());
                start = System.nanoTime();
                // GNU time reports the client's CPU; the daemon's (its reaped children) comes from /proc.
                Process rsync = new ProcessBuilder("/usr/bin/time", "-f", "cpu %U %S", "rsync", "-a", source + "/",
                        "rsync://127.0.0.1:" + rsyncPort + "/bench/").redirectErrorStream(true).start();
                String output = new String(rsync.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (rsync.waitFor() != 0) {
                    throw new IllegalStateException("rsync failed: " + output);
                }
                rsyncMs = (System.nanoTime() - start) / 1_000_000;
                Matcher cpu = Pattern.compile("cpu ([0-9.]+) ([0-9.]+)").matcher(output);
                rsyncCpuMs = cpu.find() ? Math.round(1000 * (Double.parseDouble(cpu.group(1)) + Double.parseDouble(cpu.group(2)))) : -1;
                // The daemon reaps its connection's child a moment after the client exits.
                long daemonCpu = cpuMsOf(daemon.pid());
                for (int i = 0; i < 40 && daemonCpu == daemonBefore; i++) {
                    Thread.sleep(50);
                    daemonCpu = cpuMsOf(daemon.pid());
                }
                rsyncCpuMs += daemonCpu - daemonBefore;
            } finally {
                daemon.destroy();
                daemon.waitFor();
            }
            verifyTree(source, rsyncDst);
            double ratio = (double) filesyncMs / rsyncMs;
            System.out.printf("initial sync of a %d MiB tree (%d files): filesync %d ms, rsync %d ms, ratio %.2f;"
                    + " CPU (both sides) filesync %d ms, rsync %d ms, ratio %.2f%n",
                    treeMb, files, filesyncMs, rsyncMs, ratio, filesyncCpuMs, rsyncCpuMs, (double) filesyncCpuMs / rsyncCpuMs);
            return ratio;
        } finally {
            deleteTree(work);
        }
    }

    /** @return the number of files written */
    private static int writeTree(Path root, long total) throws IOException {
        Random random = new Random(11);
        int files = 0;
        long small = total / 10;
        long medium = total * 3 / 10;
        long large = total - small - medium;
        for (long written = 0; written < small; files++) {
            int size = random.nextInt(32 * 1024) + 1;
            Path file = root.resolve("small/d" + files % 37 + "/e" + files % 11 + "/f" + files + ".dat");
            writeRandom(file, size, random);
            written += size;
        }
        for (long written = 0; written < medium; files++) {
            int size = 64 * 1024 + random.nextInt(8 * 1024 * 1024);
            writeRandom(root.resolve("medium/m" + files % 5 + "/f" + files + ".bin"), size, random);
            written += size;
        }
        for (int i = 0; i < 3; i++, files++) {
            writeRandom(root.resolve("large/f" + i + ".bin"), large / 3, random);
        }
        for (int i = 0; i < 5; i++) {
            Files.createDirectories(root.resolve("empty/e" + i));
        }
        return files;
    }

    private static void writeRandom(Path file, long size, Random random) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] buffer = new byte[(int) Math.min(size, 1 << 20)];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= buffer.length) {
                random.nextBytes(buffer);
                out.write(buffer, 0, (int) Math.min(left, buffer.length));
            }
        }
    }

    private static void verifyTree(Path expected, Path actual) throws IOException {
        try (var walk = Files.walk(expected)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                Path other = actual.resolve(expected.relativize(path).toString());
                if (Files.isDirectory(path) ? !Files.isDirectory(other) : Files.mismatch(path, other) != -1) {
                    throw new IllegalStateException(other + " differs from " + path);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }

    private record Result(String name, long filesyncUp, long filesyncDown, long rsyncSent, long rsyncReceived) {
    }

    private void run(Path work, int sizeMb, double treeRatio) throws Exception {
        Path clientDir = work.resolve("client");
        Path rsyncSrc = work.resolve("rsync-src");
        Path rsyncDst = work.resolve("rsync-dst");
        Files.createDirectories(clientDir);
        Files.createDirectories(rsyncSrc);
        Files.createDirectories(rsyncDst);
        int serverPort = freePort();
        int rsyncPort = freePort();

        try (BundleBoot server = BundleBoot.start(work.resolve("server"), Map.of(
                "camel.main.routes-include-pattern", "file:routes/filesync-*.camel.yaml,file:routes/sync-server*.camel.yaml",
                "sync.server.enabled", "true",
                "sync.server.port", String.valueOf(serverPort),
                "sync.server.root", work.resolve("server/files").toString(),
                "sync.server.store", work.resolve("server/store").toString(),
                "sync.server.token", TOKEN));
             CountingRelay relay = new CountingRelay(serverPort);
             HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + work.resolve("client.db"), null, null, 2)) {
            Process daemon = startRsyncDaemon(work, rsyncDst, rsyncPort);
            try {
                SyncTransport transport = new SyncTransport("http://127.0.0.1:" + relay.port() + "/sync", TOKEN, "bench", null, null);
                SyncClient client = SyncClient.of(clientDir.toString(), transport, db, null, 200, 1000);

                byte[] content = new byte[sizeMb * 1024 * 1024];
                new Random(42).nextBytes(content);
                Files.write(clientDir.resolve("big.bin"), content);
                Files.write(rsyncSrc.resolve("big.bin"), content);
                content = null;
                long mtime = System.currentTimeMillis() - 3_600_000;
                stamp(mtime, clientDir.resolve("big.bin"), rsyncSrc.resolve("big.bin"));

                Result initial = measure("initial copy", relay, client, "big.bin", ChangeType.FILE_CREATED, rsyncSrc, rsyncPort);
                System.out.printf("initial upload of %d MiB: filesync %d B, rsync %d B (not in the ratios)%n", sizeMb,
                        initial.filesyncUp(), initial.rsyncSent());

                List<Result> results = new ArrayList<>();
                long middle = (long) sizeMb * 1024 * 1024 / 2;
                for (Path dir : List.of(clientDir, rsyncSrc)) {
                    insertByte(dir.resolve("big.bin"), middle);
                }
                stamp(mtime += 10_000, clientDir.resolve("big.bin"), rsyncSrc.resolve("big.bin"));
                results.add(measure("1-byte insertion", relay, client, "big.bin", ChangeType.FILE_UPDATED, rsyncSrc, rsyncPort));

                for (Path dir : List.of(clientDir, rsyncSrc)) {
                    try (RandomAccessFile file = new RandomAccessFile(dir.resolve("big.bin").toFile(), "rw")) {
                        file.seek(middle / 2);
                        int old = file.read();
                        file.seek(middle / 2);
                        file.write(old ^ 0xFF);
                    }
                }
                stamp(mtime += 10_000, clientDir.resolve("big.bin"), rsyncSrc.resolve("big.bin"));
                results.add(measure("1-byte overwrite", relay, client, "big.bin", ChangeType.FILE_UPDATED, rsyncSrc, rsyncPort));

                byte[] tail = new byte[1024 * 1024];
                new Random(43).nextBytes(tail);
                for (Path dir : List.of(clientDir, rsyncSrc)) {
                    Files.write(dir.resolve("big.bin"), tail, java.nio.file.StandardOpenOption.APPEND);
                }
                stamp(mtime += 10_000, clientDir.resolve("big.bin"), rsyncSrc.resolve("big.bin"));
                results.add(measure("1 MiB append", relay, client, "big.bin", ChangeType.FILE_UPDATED, rsyncSrc, rsyncPort));

                for (Path dir : List.of(clientDir, rsyncSrc)) {
                    Files.copy(dir.resolve("big.bin"), dir.resolve("copy.bin"), StandardCopyOption.COPY_ATTRIBUTES);
                }
                results.add(measure("copy under a new name", relay, client, "copy.bin", ChangeType.FILE_CREATED, rsyncSrc, rsyncPort));

                verify(clientDir, work.resolve("server/files"));
                verify(rsyncSrc, rsyncDst);

                double speed = chunkingSpeed(clientDir.resolve("big.bin"));
                System.out.printf("chunking + SHA-256 (each byte once, per chunk; the file identity from the chunk hashes) on one core: %.0f MB/s%n", speed);
                StringBuilder last = new StringBuilder("ratios filesync/rsync bytes sent:");
                for (Result result : results) {
                    last.append(String.format(" %s=%s", result.name().replace(' ', '-'),
                            result.rsyncSent() == 0 ? "n/a" : String.format("%.2f", (double) result.filesyncUp() / result.rsyncSent())));
                }
                last.append(String.format("; filesync/rsync initial-tree-time=%.2f", treeRatio));
                last.append(String.format("; chunk+hash %.0f MB/s", speed));
                System.out.println(last);
            } finally {
                daemon.destroy();
            }
        }
    }

    private Result measure(String name, CountingRelay relay, SyncClient client, String path, ChangeType type, Path rsyncSrc,
                           int rsyncPort) throws Exception {
        relay.reset();
        client.enqueue(ChangeEvent.of(type, path, null, null, null, false, System.currentTimeMillis(), null));
        long start = System.nanoTime();
        client.drain();
        long filesyncMs = (System.nanoTime() - start) / 1_000_000;
        if (client.queue().size() != 0 || client.lastProblem() != null) {
            throw new IllegalStateException("filesync did not finish " + name + ": " + client.lastProblem());
        }
        long up = relay.up.get();
        long down = relay.down.get();
        start = System.nanoTime();
        Process rsync = new ProcessBuilder("rsync", "-a", "--stats", rsyncSrc + "/", "rsync://127.0.0.1:" + rsyncPort + "/bench/")
                .redirectErrorStream(true).start();
        String output = new String(rsync.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (rsync.waitFor() != 0) {
            throw new IllegalStateException("rsync failed: " + output);
        }
        long rsyncMs = (System.nanoTime() - start) / 1_000_000;
        long sent = stat(output, "Total bytes sent");
        long received = stat(output, "Total bytes received");
        System.out.printf("%-22s filesync sent %,12d B (received %,9d B, %5d ms)   rsync sent %,12d B (received %,9d B, %5d ms)   ratio %s%n",
                name, up, down, filesyncMs, sent, received, rsyncMs,
                sent == 0 ? "n/a" : String.format("%.2f", (double) up / sent));
        return new Result(name, up, down, sent, received);
    }

    private static long stat(String output, String label) {
        Matcher matcher = Pattern.compile(label + ": ([\\d,.]+)").matcher(output);
        if (!matcher.find()) {
            throw new IllegalStateException("no '" + label + "' in rsync output: " + output);
        }
        return Long.parseLong(matcher.group(1).replace(",", "").replace(".", ""));
    }

    /** CPU time of this JVM (client and server of the bench both run in it), in milliseconds. */
    private static long processCpuMs() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1_000_000;
    }

    /** CPU time of a process and of its children it reaped (utime, stime, cutime, cstime in /proc), in milliseconds. */
    private static long cpuMsOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = 0;
        for (int i = 11; i <= 14; i++) {
            ticks += Long.parseLong(fields[i]);
        }
        return ticks * 10;
    }

    private static Process startRsyncDaemon(Path work, Path destination, int port) throws Exception {
        Path config = work.resolve("rsyncd.conf");
        Files.writeString(config, "use chroot = no\nlog file = " + work.resolve("rsyncd.log") + "\npid file = "
                + work.resolve("rsyncd.pid") + "\n[bench]\n  path = " + destination + "\n  read only = no\n  uid = "
                + System.getProperty("user.name") + "\n  gid = *\n");
        Process daemon = new ProcessBuilder("rsync", "--daemon", "--no-detach", "--address=127.0.0.1", "--port=" + port,
                "--config=" + config).redirectErrorStream(true).redirectOutput(work.resolve("rsyncd.out").toFile()).start();
        for (int i = 0; i < 100; i++) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return daemon;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("rsync daemon did not start: " + Files.readString(work.resolve("rsyncd.out")));
    }

    private static void insertByte(Path file, long at) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".edit");
        try (InputStream in = Files.newInputStream(file); OutputStream out = Files.newOutputStream(temp)) {
            out.write(in.readNBytes((int) at));
            out.write('!');
            in.transferTo(out);
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Distinct mtimes, so rsync's size-and-mtime quick check sees every edit (it compares whole seconds). */
    private static void stamp(long millis, Path... files) throws IOException {
        for (Path file : files) {
            Files.setLastModifiedTime(file, FileTime.fromMillis(millis));
        }
    }

    private static void verify(Path expected, Path actual) throws IOException {
        try (var files = Files.list(expected)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.mismatch(file, actual.resolve(file.getFileName())) != -1) {
                    throw new IllegalStateException(actual.resolve(file.getFileName()) + " differs from " + file);
                }
            }
        }
    }

    private static double chunkingSpeed(Path file) throws IOException {
        Chunker chunker = new Chunker();
        chunker.chunk(file);
        double best = 0;
        for (int run = 0; run < 3; run++) {
            long start = System.nanoTime();
            Manifest manifest = chunker.chunk(file);
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, manifest.size() / 1e6 / seconds);
        }
        return best;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A TCP relay on loopback that counts the bytes in each direction: what crossed the wire, headers included. */
    private static final class CountingRelay implements AutoCloseable {
        final AtomicLong up = new AtomicLong();
        final AtomicLong down = new AtomicLong();
        private final ServerSocket listener;

        CountingRelay(int targetPort) throws IOException {
            listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket in = listener.accept();
                        Socket out = new Socket("127.0.0.1", targetPort);
                        pump(in, out, up);
                        pump(out, in, down);
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "relay-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        void reset() {
            up.set(0);
            down.set(0);
        }

        private static void pump(Socket from, Socket to, AtomicLong counter) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[65536];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int read;
                    while ((read = in.read(buffer)) > 0) {
                        out.write(buffer, 0, read);
                        counter.addAndGet(read);
                    }
                } catch (IOException closed) {
                    // either side hung up
                } finally {
                    try {
                        to.shutdownOutput();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            }, "relay-pump");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
