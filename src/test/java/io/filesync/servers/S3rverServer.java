package io.filesync.servers;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * npm's s3rver 3.x on 127.0.0.1: a "half-compatible" S3 server that checks signatures and stores single and multipart
 * uploads and copies, but answers ListParts and AbortMultipartUpload with 405 and ListMultipartUploads and
 * UploadPartCopy with NotImplemented. Installed into target/s3rver on first use; a test using it is skipped only where
 * npm is missing.
 */
public final class S3rverServer implements AutoCloseable {

    /** s3rver's fixed credentials. */
    public static final String ACCESS_KEY = "S3RVER";
    public static final String SECRET_KEY = "S3RVER";
    private static final Path INSTALL = Path.of("target", "s3rver").toAbsolutePath();

    private final Process process;
    private final int port;

    private S3rverServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts s3rver storing into {@code dataDir}, installing it first if needed. */
    public static S3rverServer start(Path dataDir) throws IOException, InterruptedException {
        Path launcher = INSTALL.resolve("node_modules/.bin/s3rver");
        if (!Files.isExecutable(launcher)) {
            Assumptions.assumeTrue(onPath("npm") && onPath("node"), "npm and node are needed to install s3rver; not found on PATH");
            Process install = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--prefix", INSTALL.toString(), "s3rver@3")
                    .redirectErrorStream(true).redirectOutput(Files.createDirectories(INSTALL).resolve("npm-install.log").toFile()).start();
            if (!install.waitFor(5, TimeUnit.MINUTES) || install.exitValue() != 0) {
                install.destroyForcibly();
                throw new IOException("npm install s3rver@3 failed: see " + INSTALL.resolve("npm-install.log"));
            }
        }
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Process process = new ProcessBuilder(launcher.toString(), "--directory", Files.createDirectories(dataDir).toString(),
                "--address", "127.0.0.1", "--port", String.valueOf(port), "--silent")
                .redirectErrorStream(true).redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile()).start();
        S3rverServer server = new S3rverServer(process, port);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                if (!process.isAlive()) {
                    throw new IOException("s3rver exited with " + process.exitValue());
                }
                return server.accepting();
            });
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private static boolean onPath(String command) {
        return List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).stream()
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private boolean accepting() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** A plain AWS SDK client for this server, to create buckets and check what reached it; close it after use. */
    public S3Client client() {
        return S3Client.builder().endpointOverride(endpoint()).region(Region.of(S3Server.REGION)).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "s3rver on " + endpoint();
    }
}
