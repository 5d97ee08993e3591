package io.filesync.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback between a client and a server that, once armed, cuts every connection (both directions,
 * abruptly) as soon as a given number of bytes went upstream: a connection dropped mid-transfer, at a known point.
 */
final class CuttingRelay implements AutoCloseable {

    private final ServerSocket listener;
    private final int targetPort;
    private final AtomicLong upstream = new AtomicLong();
    private final AtomicLong cutAfter = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong cuts = new AtomicLong();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    CuttingRelay(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "cutting-relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Cuts all connections once this many more bytes went upstream; the relay then passes everything again. */
    void cutAfter(long bytes) {
        cutAfter.set(upstream.get() + bytes);
    }

    long cuts() {
        return cuts.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket in = listener.accept();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(in);
                open.add(out);
                pump(in, out, true);
                pump(out, in, false);
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean counted) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) > 0) {
                    if (counted) {
                        long total = upstream.addAndGet(read);
                        long limit = cutAfter.get();
                        if (total >= limit && cutAfter.compareAndSet(limit, Long.MAX_VALUE)) {
                            out.write(buffer, 0, Math.max(0, read - (int) (total - limit)));
                            out.flush();
                            cuts.incrementAndGet();
                            cutAll();
                            return;
                        }
                    }
                    out.write(buffer, 0, read);
                }
            } catch (IOException closed) {
                // cut, or either side hung up
            } finally {
                close(from);
                close(to);
            }
        }, "cutting-relay-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private void cutAll() {
        for (Socket socket : open) {
            close(socket);
        }
        open.clear();
    }

    private static void close(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException alreadyClosed) {
            // nothing left to cut
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cutAll();
    }
}
