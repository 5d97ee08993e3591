package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that writes whatever bytes a test wants on a plain socket, as a hostile client would, and reads the one
 * answer the server gives: deliberately not an HTTP library, which would refuse to send a lying or endless request.
 * A body can be streamed from another thread while the answer is awaited, counting the bytes written so far.
 */
final class RawHttpConnection implements Closeable {

    /** What the server answered, and how many body bytes the client had written when the answer's head arrived. */
    record Answer(int status, String head, String body, long bodyBytesWrittenBefore, boolean closedAfter) {
    }

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    final AtomicLong bodyBytesWritten = new AtomicLong();

    RawHttpConnection(int port) throws IOException {
        this(connect(port));
    }

    /** Over a socket connected already: a TLS socket, for one. */
    RawHttpConnection(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(15_000);
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return socket;
    }

    void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Streams up to {@code total} body bytes in pieces of 64 KiB, in HTTP chunked framing or raw, from another thread;
     * the stream stops at the first failed write (the server closed the connection).
     */
    CompletableFuture<Void> streamBody(long total, boolean chunked) {
        return CompletableFuture.runAsync(() -> {
            byte[] piece = new byte[64 * 1024];
            byte[] size = (Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
            try {
                while (bodyBytesWritten.get() < total) {
                    if (chunked) {
                        out.write(size);
                    }
                    out.write(piece);
                    if (chunked) {
                        out.write(crlf);
                    }
                    bodyBytesWritten.addAndGet(piece.length);
                }
                if (chunked) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
            } catch (IOException closedByServer) {
                // Expected when the server refuses the request: it closes the connection.
            }
        });
    }

    /** Reads one answer: status line and headers, then a body of Content-Length bytes. */
    Answer answer() throws IOException {
        String head = readHead();
        long written = bodyBytesWritten.get();
        int status = Integer.parseInt(head.substring(9, 12));
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        return new Answer(status, head, body, written, closedByServer());
    }

    /** True when the server closed the connection (end of stream or reset) within the socket timeout. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException open) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** Everything the server sends until it closes the connection (or resets it). */
    String readToEnd() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                all.write(buffer, 0, read);
            }
        } catch (SocketTimeoutException open) {
            throw new IOException("the server kept the connection open: " + all.toString(StandardCharsets.ISO_8859_1), open);
        } catch (IOException reset) {
            // A reset ends the connection as well.
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed without an answer after " + head.size() + " bytes: " + head);
            }
            head.write(b);
            matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
