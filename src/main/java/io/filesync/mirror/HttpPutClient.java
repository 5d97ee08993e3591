package io.filesync.mirror;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The HTTP/1.1 exchange of a single S3 put: one request with a body in memory, one response whose body (an error
 * document, at most {@link #MAX_BODY} bytes kept) is read to its end, over keep-alive connections kept in a small pool.
 * HTTPS verifies the server's certificate and host name against the JVM's trust store, as the SDK's client does.
 * <p>
 * Why not the SDK's Apache client for these: per 4 KiB put, its execution chain (routes, cookie and auth handling,
 * header groups, the SDK's adaptation around it) cost more CPU than the exchange, and more again to compile. What a
 * put needs is small and fixed: write the request, read the status, the headers and the body by Content-Length or
 * chunked encoding, keep the connection unless the server closes it. Connections go through a proxy only with the
 * SDK's client, so {@link S3Puts} uses this one only where no proxy is configured.
 */
final class HttpPutClient implements AutoCloseable {

    /** Kept of a response body (S3's error documents are small); the rest is read and dropped. */
    static final int MAX_BODY = 64 * 1024;
    private static final int MAX_HEADER_LINE = 16 * 1024;
    private static final int MAX_HEADERS = 200;
    private static final int MAX_IDLE = 32;

    /** A response: status, headers by lower-case name (the last of a repeated one), and the body kept. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    private final String host;
    private final int port;
    private final boolean tls;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private boolean closed;

    /** @param endpoint scheme, host and port of the server (http or https) */
    HttpPutClient(URI endpoint, int connectTimeoutMillis, int readTimeoutMillis) {
        this.tls = "https".equalsIgnoreCase(endpoint.getScheme());
        if (!tls && !"http".equalsIgnoreCase(endpoint.getScheme())) {
            throw new IllegalArgumentException("not an http or https endpoint: " + endpoint);
        }
        this.host = endpoint.getHost();
        this.port = endpoint.getPort() >= 0 ? endpoint.getPort() : tls ? 443 : 80;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    /** The Host header's value: the host, and the port unless it is the scheme's default. */
    String hostHeader() {
        String name = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return port == (tls ? 443 : 80) ? name : name + ":" + port;
    }

    /**
     * Sends a PUT and reads its response. A pooled connection the server closed meanwhile fails at once; the request is
     * then sent again once, on a new connection (a put of the same bytes may be repeated).
     *
     * @param encodedPath the request target, URI-encoded
     * @param headers     the request's headers, Host among them
     */
    Response put(String encodedPath, List<S3PutSigner.Header> headers, byte[] body) throws IOException {
        byte[] head = head(encodedPath, headers);
        Connection pooled = takeIdle();
        if (pooled != null) {
            try {
                return exchange(pooled, head, body);
            } catch (IOException stale) {
                pooled.close();
            }
        }
        return exchange(open(), head, body);
    }

    private Response exchange(Connection connection, byte[] head, byte[] body) throws IOException {
        boolean keep = false;
        try {
            OutputStream out = connection.socket.getOutputStream();
            if (head.length + body.length <= 64 * 1024) {
                // One write, so a small put leaves in as few segments as possible.
                byte[] request = new byte[head.length + body.length];
                System.arraycopy(head, 0, request, 0, head.length);
                System.arraycopy(body, 0, request, head.length, body.length);
                out.write(request);
            } else {
                out.write(head);
                out.write(body);
            }
            out.flush();
            Response response = read(connection.in);
            String connectionHeader = response.header("connection");
            keep = connectionHeader == null || !connectionHeader.toLowerCase(Locale.ROOT).contains("close");
            return response;
        } finally {
            if (keep) {
                giveBack(connection);
            } else {
                connection.close();
            }
        }
    }

    private static byte[] head(String encodedPath, List<S3PutSigner.Header> headers) {
        StringBuilder head = new StringBuilder(512);
        head.append("PUT ").append(encodedPath).append(" HTTP/1.1\r\n");
        for (S3PutSigner.Header header : headers) {
            String value = header.value();
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header " + header.name() + " has a line break");
            }
            head.append(header.name()).append(": ").append(value).append("\r\n");
        }
        head.append("\r\n");
        return head.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads one response: status line, headers, and the body as its headers frame it. */
    static Response read(InputStream in) throws IOException {
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
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String encoding = headers.get("transfer-encoding");
        String length = headers.get("content-length");
        if (code / 100 == 1 || code == 204 || code == 304) {
            return new Response(code, headers, new byte[0]);
        } else if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String size = line(in);
                int semicolon = size.indexOf(';');
                long chunk;
                try {
                    chunk = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size in a response: " + abbreviate(size), e);
                }
                if (chunk == 0) {
                    while (!line(in).isEmpty()) {
                        // trailers: dropped
                    }
                    break;
                }
                copy(in, chunk, body);
                line(in);
            }
        } else if (length != null) {
            long bytes;
            try {
                bytes = Long.parseLong(length);
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length in a response: " + abbreviate(length), e);
            }
            copy(in, bytes, body);
        } else {
            // Framed by the end of the connection.
            copy(in, Long.MAX_VALUE, body);
            headers.put("connection", "close");
        }
        return new Response(code, headers, body.toByteArray());
    }

    /** Reads {@code count} bytes (or to the end when MAX_VALUE), keeping up to {@link #MAX_BODY} of the whole body. */
    private static void copy(InputStream in, long count, ByteArrayOutputStream body) throws IOException {
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
            int keep = Math.min(read, MAX_BODY - body.size());
            if (keep > 0) {
                body.write(buffer, 0, keep);
            }
            left -= read;
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
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            socket.setSoTimeout(readTimeoutMillis);
            if (tls) {
                SSLSocket secure = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket(socket, host, port, true);
                SSLParameters parameters = secure.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                if (!host.contains(":") && !host.matches("[0-9.]+")) {
                    parameters.setServerNames(List.of(new SNIHostName(host)));
                }
                secure.setSSLParameters(parameters);
                secure.startHandshake();
                socket = secure;
            }
            return new Connection(socket);
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

    private static final class Connection {
        private final Socket socket;
        private final InputStream in;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 8192);
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
