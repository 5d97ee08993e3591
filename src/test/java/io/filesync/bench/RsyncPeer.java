package io.filesync.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** rsync's side of the sync benches: its daemon on loopback, already running before any timing, as rsyncd is. */
final class RsyncPeer implements AutoCloseable {

    /** Wall-clock time and CPU time (both sides) of one sync, in milliseconds. */
    record Timing(long ms, long cpuMs) {
    }

    private final Process daemon;
    private final int port;

    private RsyncPeer(Process daemon, int port) {
        this.daemon = daemon;
        this.port = port;
    }

    /** Starts {@code rsync --daemon} with one writable module, {@code bench}, at {@code destination}. */
    static RsyncPeer start(Path work, Path destination, int port) throws Exception {
        Path config = work.resolve("rsyncd.conf");
        Files.writeString(config, "use chroot = no\nlog file = " + work.resolve("rsyncd.log") + "\npid file = "
                + work.resolve("rsyncd.pid") + "\n[bench]\n  path = " + destination + "\n  read only = no\n  uid = "
                + System.getProperty("user.name") + "\n  gid = *\n");
        Process daemon = new ProcessBuilder("rsync", "--daemon", "--no-detach", "--address=127.0.0.1", "--port=" + port,
                "--config=" + config).redirectErrorStream(true).redirectOutput(work.resolve("rsyncd.out").toFile()).start();
        for (int i = 0; i < 100; i++) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return new RsyncPeer(daemon, port);
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        daemon.destroy();
        throw new IllegalStateException("rsync daemon did not start: " + Files.readString(work.resolve("rsyncd.out")));
    }

    int port() {
        return port;
    }

    /** {@code rsync -a source/ rsync://.../bench/}, timed, with the CPU time of the client and of the daemon. */
    Timing timeSync(Path source) throws Exception {
        long daemonBefore = cpuMsOf(daemon.pid());
        long start = System.nanoTime();
        // GNU time reports the client's CPU; the daemon's (its reaped children) comes from /proc.
        Process rsync = new ProcessBuilder("/usr/bin/time", "-f", "cpu %U %S", "rsync", "-a", source + "/",
                "rsync://127.0.0.1:" + port + "/bench/").redirectErrorStream(true).start();
        String output = new String(rsync.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (rsync.waitFor() != 0) {
            throw new IllegalStateException("rsync failed: " + output);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        Matcher cpu = Pattern.compile("cpu ([0-9.]+) ([0-9.]+)").matcher(output);
        long cpuMs = cpu.find() ? Math.round(1000 * (Double.parseDouble(cpu.group(1)) + Double.parseDouble(cpu.group(2)))) : -1;
        // The daemon reaps its connection's child a moment after the client exits.
        long daemonCpu = cpuMsOf(daemon.pid());
        for (int i = 0; i < 40 && daemonCpu == daemonBefore; i++) {
            Thread.sleep(50);
            daemonCpu = cpuMsOf(daemon.pid());
        }
        return new Timing(ms, cpuMs + daemonCpu - daemonBefore);
    }

    /** CPU time of a process and of its children it reaped (utime, stime, cutime, cstime in /proc), in milliseconds. */
    static long cpuMsOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = 0;
        for (int i = 11; i <= 14; i++) {
            ticks += Long.parseLong(fields[i]);
        }
        return ticks * 10;
    }

    @Override
    public void close() throws InterruptedException {
        daemon.destroy();
        daemon.waitFor();
    }
}
