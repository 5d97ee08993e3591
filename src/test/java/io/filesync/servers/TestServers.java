package io.filesync.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real servers for tests, started on first use, once per test JVM, on 127.0.0.1 and random ports, and stopped when
 * the JVM's test run ends. A test class opts in with {@code @ExtendWith(TestServers.class)} and asks for what it
 * needs: {@link #postgres()}, {@link #s3()}, {@link #sftp()}. Each gives out isolated pieces (a fresh database, a
 * fresh bucket, a fresh SFTP root), so test classes never see each other's data.
 */
public final class TestServers implements BeforeAllCallback {

    private static final Logger LOG = LoggerFactory.getLogger(TestServers.class);

    private static PostgresServer postgres;
    private static S3Server s3;
    private static SftpServer sftp;
    private static Path workDir;
    private static final List<AutoCloseable> STARTED = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        // The root store outlives every test class: its resources close once, at the end of the JVM's test run.
        context.getRoot().getStore(Namespace.GLOBAL)
                .getOrComputeIfAbsent(TestServers.class.getName(), key -> new StopAll(), StopAll.class);
    }

    /** The embedded PostgreSQL server. */
    public static synchronized PostgresServer postgres() {
        if (postgres == null) {
            postgres = started(PostgresServer.start(workDir("postgres")));
        }
        return postgres;
    }

    /** The S3-compatible server (s3proxy over a filesystem store). */
    public static synchronized S3Server s3() {
        if (s3 == null) {
            s3 = started(S3Server.start(workDir("s3")));
        }
        return s3;
    }

    /** The SFTP server (Apache MINA SSHD). */
    public static synchronized SftpServer sftp() {
        if (sftp == null) {
            sftp = started(SftpServer.start(workDir("sftp")));
        }
        return sftp;
    }

    private static <T extends AutoCloseable> T started(T server) {
        STARTED.add(server);
        LOG.info("Started test server {}", server);
        return server;
    }

    private static synchronized Path workDir(String name) {
        try {
            if (workDir == null) {
                workDir = Files.createTempDirectory("filesync-test-servers-");
            }
            return Files.createDirectories(workDir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized void stopAll() {
        for (int i = STARTED.size() - 1; i >= 0; i--) {
            AutoCloseable server = STARTED.get(i);
            try {
                server.close();
            } catch (Exception e) {
                LOG.warn("Could not stop test server {}: {}", server, e.getMessage(), e);
            }
        }
        STARTED.clear();
        postgres = null;
        s3 = null;
        sftp = null;
        deleteWorkDir();
    }

    /** What the servers stored (gigabytes after a full run: every object, every SFTP upload) goes with them. */
    private static void deleteWorkDir() {
        if (workDir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(workDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.warn("Could not delete {}: {}", path, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warn("Could not delete the test servers' folder {}: {}", workDir, e.getMessage());
        }
        workDir = null;
    }

    private static final class StopAll implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            stopAll();
        }
    }
}
