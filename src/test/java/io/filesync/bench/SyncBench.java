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

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]).toAbsolutePath();
        int sizeMb = Integer.parseInt(args[1]);
        new SyncBench().run(work, sizeMb);
        System.exit(0);
    }

    private record Result(String name, long filesyncUp, long filesyncDown, long rsyncSent, long rsyncReceived) {
    }

    private void run(Path work, int sizeMb) throws Exception {
        Path clientDir = work.resolve("client");
        Path rsyncSrc = work.resolve("rsync-src");
        Path rsyncDst = work.resolve("rsync-dst");
        Files.createDirectories(clientDir);
        Files.createDirectories(rsyncSrc);
        Files.createDirectories(rsyncDst);
        int serverPort = InitialSyncBench.freePort();
        int rsyncPort = InitialSyncBench.freePort();

        try (BundleBoot server = SyncServerDaemon.boot(work.resolve("server"), serverPort);
             CountingRelay relay = new CountingRelay(serverPort);
             HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + work.resolve("client.db"), null, null, 2)) {
            try (RsyncPeer daemon = RsyncPeer.start(work, rsyncDst, rsyncPort)) {
                SyncTransport transport = SyncTransport.builder().serverUrl("http://127.0.0.1:" + relay.port() + "/sync").token(SyncServerDaemon.TOKEN).clientName("bench").build();
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
                last.append(String.format("; chunk+hash %.0f MB/s", speed));
                System.out.println(last);
            }
        }
    }

    private Result measure(String name, CountingRelay relay, SyncClient client, String path, ChangeType type, Path rsyncSrc,
                           int rsyncPort) throws Exception {
        relay.reset();
        // Every case here creates or changes a file: what route sync-client-send hands to the client.
        client.queueSend(ChangeEvent.of(type, path, null, null, null, false, System.currentTimeMillis(), null));
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
