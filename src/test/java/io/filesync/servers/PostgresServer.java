package io.filesync.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server from the zonky embedded binaries (Linux only), listening on 127.0.0.1. Each
 * {@link #createDatabase()} gives a fresh database owned by its own password-protected role.
 */
public final class PostgresServer implements AutoCloseable {

    private final EmbeddedPostgres server;
    private final AtomicInteger databases = new AtomicInteger();

    private PostgresServer(EmbeddedPostgres server) {
        this.server = server;
    }

    static PostgresServer start(Path workDir) {
        try {
            Path sockets = Files.createDirectories(workDir.resolve("sockets"));
            EmbeddedPostgres server = EmbeddedPostgres.builder()
                    .setDataDirectory(workDir.resolve("data"))
                    .setCleanDataDirectory(true)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("unix_socket_directories", sockets.toAbsolutePath().toString())
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .start();
            return new PostgresServer(server);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** One database of the server, for one test class. */
    public record TestDatabase(String name, String jdbcUrl, String username, String password, DataSource dataSource) {
    }

    /** Creates an empty database and a role that owns it. */
    public TestDatabase createDatabase() {
        String name = "filesync_" + databases.incrementAndGet();
        String password = "pw-" + Long.toHexString(System.nanoTime());
        try (Connection connection = server.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE ROLE " + name + " LOGIN PASSWORD '" + password + "'");
            statement.execute("CREATE DATABASE " + name + " OWNER " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create test database " + name, e);
        }
        String url = "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + name;
        return new TestDatabase(name, url, name, password, server.getDatabase(name, name));
    }

    /** A superuser connection, for a test that changes what the server allows (close it after use). */
    public Connection adminConnection() throws SQLException {
        return server.getPostgresDatabase().getConnection();
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    @Override
    public String toString() {
        return "PostgreSQL on 127.0.0.1:" + server.getPort();
    }
}
