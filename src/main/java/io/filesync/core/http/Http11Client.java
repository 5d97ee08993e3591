package io.filesync.core.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A small blocking HTTP/1.1 client: one request with its body in a buffer, one response read to its end, over
 * keep-alive connections kept in a small pool. HTTPS verifies the server's certificate and host name, against the
 * JVM's trust store or the socket factory given.
 * <p>
 * Why not a general-purpose client: the S3 puts ({@code S3Puts}) and the sync transport ({@code SyncTransport}) send
 * many small or large requests to one server, and the execution chains of the SDK's Apache client and of the JDK's
 * {@code java.net.http} (routes, cookies, header groups, reactive body publishers, selector threads) cost more CPU
 * than the exchange, and as much again to compile in a fresh JVM. What these need is small and fixed: write the
 * request, read the status, the headers and the body by Content-Length or chunked encoding, keep the connection unless
 * the server closes it. Over plain HTTP the request goes out in one gathering write from the caller's buffer, direct or
 * not, with no copy. No proxy: callers that may need one use another client.
 * <p>
 * Thread-safe: each exchange takes a connection of its own.
 */
public final class Http11Client implements AutoCloseable {

    private static final int MAX_HEADER_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 200;
    private static final int MAX_IDLE = 32;
    private static final int TLS_COPY = 64 * 1024;
    /** Closes the socket of an exchange that outlives its deadline, so a writer blocked on a stalled peer ends too. */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    /** One request header. */
    public record Header(String name, String value) {
    }

    /**
     * A response: status, headers by lower-case name (the last of a repeated one), the body kept (at most the
     * client's limit) and whether more was read and dropped.
     */
    public record Response(int status, Map<String, String> headers, byte[] body, boolean truncated) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    private final String host;
    private final int port;
    private final SSLSocketFactory tls;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final long exchangeTimeoutMillis;
    private final int maxBody;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private boolean closed;

    /**
     * @param endpoint              scheme, host and port of the server (http or https)
     * @param tls                   for https: the factory of TLS sockets (its context's trust decides), or null for the
     *                              JVM's default
     * @param readTimeoutMillis     longest wait for any byte of the response
     * @param exchangeTimeoutMillis longest exchange, sending included (0: no limit)
     * @param maxBody               of a response body kept; the rest is read and dropped ({@link Response#truncated()})
     */
    public Http11Client(URI endpoint, SSLSocketFactory tls, int connectTimeoutMillis, int readTimeoutMillis,
                        long exchangeTimeoutMillis, int maxBody) {
        boolean https = "https".equalsIgnoreCase(endpoint.getScheme());
        if (!https && !"http".equalsIgnoreCase(endpoint.getScheme())) {
            throw new IllegalArgumentException("not an http or https endpoint: " + endpoint);
        }
        if (endpoint.getHost() == null) {
            throw new IllegalArgumentException("no host in " + endpoint);
        }
        this.tls = https ? (tls == null ? (SSLSocketFactory) SSLSocketFactory.getDefault() : tls) : null;
        this.host = endpoint.getHost();
        this.port = endpoint.getPort() >= 0 ? endpoint.getPort() : https ? 443 : 80;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.readTimeoutMillis = readTimeoutMillis;
        this.exchangeTimeoutMillis = exchangeTimeoutMillis;
        this.maxBody = maxBody;
    }

    /** The Host header's value: the host, and the port unless it is the scheme's default. */
    public String hostHeader() {
        String name = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return port == (tls != null ? 443 : 80) ? name : name + ":" + port;
    }

    /**
     * Sends a request and reads its response. A pooled connection the server closed meanwhile fails at once (a reset or
     * an end of stream, not a timeout); the request is then sent again once, on a new connection: callers send only
     * requests that may be repeated.
     *
     * @param target  the request target, URI-encoded
     * @param headers the request's headers, Host and Content-Length among them
     * @param body    the body from its position to its limit (left as it is), or null for none
     */
    public Response exchange(String method, String target, List<Header> headers, ByteBuffer body) throws IOException {
        ByteBuffer head = ByteBuffer.wrap(head(method, target, headers));
        Connection pooled = takeIdle();
        if (pooled != null) {
            try {
                return exchange(pooled, head, body);
            } catch (SocketTimeoutException slow) {
                throw slow;
            } catch (IOException stale) {
                head.rewind();
            }
        }
        return exchange(open(), head, body);
    }

    private Response exchange(Connection connection, ByteBuffer head, ByteBuffer body) throws IOException {
        boolean keep = false;
        ScheduledFuture<?> deadline = exchangeTimeoutMillis > 0
                ? DEADLINES.schedule(connection::expire, exchangeTimeoutMillis, TimeUnit.MILLISECONDS) : null;
        try {
            connection.write(head, body == null ? null : body.duplicate());
            Response response = read(connection.in, maxBody);
            String connectionHeader = response.header("connection");
            keep = connectionHeader == null || !connectionHeader.toLowerCase(Locale.ROOT).contains("close");
            return response;
        } catch (IOException e) {
            if (connection.expired) {
                throw new SocketTimeoutException("no complete exchange with " + host + ":" + port + " within "
                        + exchangeTimeoutMillis + " ms");
            }
            throw e;
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (keep && !connection.expired) {
                giveBack(connection);
            } else {
                connection.close();
            }
        }
    }

    private static byte[] head(String method, String target, List<Header> headers) {
        StringBuilder head = new StringBuilder(512);
        head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        for (Header header : headers) {
            String value = header.value();
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header " + header.name() + " has a line break");
            }
            head.append(header.name()).append(": ").append(value).append("\r\n");
        }
        head.append("\r\n");
        return head.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads one response: status line, headers, and the body as its headers frame it, keeping up to maxBody bytes. */
    static Response read(InputStream in, int maxBody) throws IOException {
        String status = line(in);
        if (!status.startsWith("HTTP/1.") || status.length() < 12) {
            throw new IOException("not an HTTP/1.x response: " + abbreviate(status));
        }
        int code;
        try {
            code = Integer.parseInt(status.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("no status code in " + abbreviate(status), e);
        }
        Map<String, String> headers = new HashMap<>();
        for (int count = 0; ; count++) {
            String line = line(in);
            if (line.isEmpty()) {
                break;
            }
            if (count >= MAX_HEADERS) {
                throw new IOException("more than " + MAX_HEADERS + " response headers");
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        if (status.startsWith("HTTP/1.0") && !headers.containsKey("connection")) {
            headers.put("connection", "close");
        }
        String encoding = headers.get("transfer-encoding");
        String length = headers.get("content-length");
        if (code / 100 == 1 || code == 204 || code == 304) {
            return new Response(code, headers, new byte[0], false);
        }
        Body body;
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = new Body(maxBody, 0);
            while (true) {
                String size = line(in);
                int semicolon = size.indexOf(';');
                long chunk;
                try {
                    chunk = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size in a response: " + abbreviate(size), e);
                }
                if (chunk < 0) {
                    throw new IOException("bad chunk size in a response: " + abbreviate(size));
                }
                if (chunk == 0) {
                    while (!line(in).isEmpty()) {
                        // trailers: dropped
                    }
                    break;
                }
                body.copy(in, chunk);
                line(in);
            }
        } else if (length != null) {
            long bytes;
            try {
                bytes = Long.parseLong(length);
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length in a response: " + abbreviate(length), e);
            }
            if (bytes < 0) {
                throw new IOException("bad Content-Length in a response: " + abbreviate(length));
            }
            body = new Body(maxBody, bytes);
            body.copy(in, bytes);
        } else {
            // Framed by the end of the connection.
            body = new Body(maxBody, 0);
            body.copy(in, Long.MAX_VALUE);
            headers.put("connection", "close");
        }
        return new Response(code, headers, body.kept.toByteArray(), body.dropped);
    }

    /** A response body being read: up to its limit kept, the rest dropped. */
    private static final class Body {
        final ByteArrayOutputStream kept;
        final int limit;
        boolean dropped;

        Body(int limit, long expected) {
            this.limit = limit;
            this.kept = new ByteArrayOutputStream((int) Math.max(32, Math.min(expected, Math.min(limit, 1 << 20))));
        }

        /** Reads {@code count} bytes, or to the end of the stream when MAX_VALUE. */
        void copy(InputStream in, long count) throws IOException {
            byte[] buffer = new byte[8192];
            long left = count;
            while (left > 0) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (read < 0) {
                    if (count == Long.MAX_VALUE) {
                        return;
                    }
                    throw new EOFException("response body cut short");
                }
                int keep = Math.min(read, limit - kept.size());
                if (keep > 0) {
                    kept.write(buffer, 0, keep);
                }
                dropped |= keep < read;
                left -= read;
            }
        }
    }

    /** A CRLF-terminated line in ISO-8859-1 (a lone LF is accepted too). */
    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException(line.isEmpty() ? "connection closed by the server" : "response cut short");
            }
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() >= MAX_HEADER_LINE) {
                throw new IOException("a response line longer than " + MAX_HEADER_LINE + " bytes");
            }
            line.append((char) b);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    private Connection open() throws IOException {
        SocketChannel channel = tls == null ? SocketChannel.open() : null;
        Socket socket = channel == null ? new Socket() : channel.socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            socket.setSoTimeout(readTimeoutMillis);
            if (tls == null) {
                return new Connection(socket, channel);
            }
            SSLSocket secure = (SSLSocket) tls.createSocket(socket, host, port, true);
            SSLParameters parameters = secure.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            if (!host.contains(":") && !host.matches("[0-9.]+")) {
                parameters.setServerNames(List.of(new SNIHostName(host)));
            }
            secure.setSSLParameters(parameters);
            secure.startHandshake();
            return new Connection(secure, null);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private synchronized Connection takeIdle() {
        return idle.pollLast();
    }

    private void giveBack(Connection connection) {
        synchronized (this) {
            if (!closed && idle.size() < MAX_IDLE) {
                idle.addLast(connection);
                return;
            }
        }
        connection.close();
    }

    @Override
    public void close() {
        List<Connection> open;
        synchronized (this) {
            closed = true;
            open = List.copyOf(idle);
            idle.clear();
        }
        open.forEach(Connection::close);
    }

    private static ScheduledThreadPoolExecutor deadlines() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "filesync-http-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /**
     * One connection. Plain HTTP writes through the socket's channel, head and body in one gathering write; TLS writes
     * through the TLS socket's stream, a body outside the heap copied in pieces. Responses are read through the
     * socket's stream, which honours the read timeout.
     */
    private static final class Connection {
        private final Socket socket;
        private final SocketChannel channel;
        private final InputStream in;
        private volatile boolean expired;

        Connection(Socket socket, SocketChannel channel) throws IOException {
            this.socket = socket;
            this.channel = channel;
            this.in = new BufferedInputStream(socket.getInputStream(), 8192);
        }

        void write(ByteBuffer head, ByteBuffer body) throws IOException {
            if (channel != null) {
                ByteBuffer[] request = body == null ? new ByteBuffer[] {head} : new ByteBuffer[] {head, body};
                while (head.hasRemaining() || body != null && body.hasRemaining()) {
                    channel.write(request);
                }
                return;
            }
            OutputStream out = socket.getOutputStream();
            if (body == null || !body.hasRemaining()) {
                out.write(head.array(), head.position(), head.remaining());
            } else if (body.hasArray() && body.remaining() > TLS_COPY) {
                out.write(head.array(), head.position(), head.remaining());
                out.write(body.array(), body.arrayOffset() + body.position(), body.remaining());
            } else {
                // One write for a small request, so it leaves in as few records and segments as possible.
                byte[] piece = new byte[Math.min(TLS_COPY, head.remaining() + body.remaining())];
                int filled = Math.min(piece.length, head.remaining());
                head.get(piece, 0, filled);
                while (head.hasRemaining() || body.hasRemaining() || filled > 0) {
                    int more = Math.min(piece.length - filled, body.remaining());
                    body.get(piece, filled, more);
                    out.write(piece, 0, filled + more);
                    filled = 0;
                    if (head.hasRemaining()) {
                        filled = Math.min(piece.length, head.remaining());
                        head.get(piece, 0, filled);
                    }
                }
            }
            out.flush();
        }

        void expire() {
            expired = true;
            close();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing left to do with it
            }
        }
    }
}
