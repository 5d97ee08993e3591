package io.filesync.servers;

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
 * A TCP relay on a free port of 127.0.0.1 in front of a real server, counting the bytes the server received through
 * it: a measuring device for tests that must prove what a client did not send (a move that re-uploads nothing). It
 * forwards bytes unchanged, so signatures, TLS or SSH over it are untouched.
 */
public final class ByteCountingRelay implements AutoCloseable {

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final AtomicLong toServer = new AtomicLong();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    private ByteCountingRelay(ServerSocket listener, String targetHost, int targetPort) {
        this.listener = listener;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    /** Starts relaying connections to {@code targetHost:targetPort}. */
    public static ByteCountingRelay start(String targetHost, int targetPort) throws IOException {
        ByteCountingRelay relay = new ByteCountingRelay(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()),
                targetHost, targetPort);
        Thread acceptor = new Thread(relay::accept, "relay-accept-" + relay.port());
        acceptor.setDaemon(true);
        acceptor.start();
        return relay;
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Bytes clients sent to the server through this relay so far. */
    public long bytesToServer() {
        return toServer.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(targetHost, targetPort);
                open.add(client);
                open.add(server);
                pump(client, server, toServer);
                pump(server, client, null);
            } catch (IOException e) {
                // The listener was closed, or the server refused: the client sees its connection end.
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicLong counter) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                    out.flush();
                    if (counter != null) {
                        counter.addAndGet(read);
                    }
                }
            } catch (IOException e) {
                // One side closed: the other side is closed below.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "relay-pump-" + port());
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing a socket already closed by the peer.
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        open.forEach(ByteCountingRelay::closeQuietly);
    }
}
