package io.filesync.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * A real SFTP server (Apache MINA SSHD) on 127.0.0.1. Each {@link #newRoot()} gives a new user whose SFTP view is
 * confined to a fresh folder, so tests can check the bytes that arrived on disk.
 */
public final class SftpServer implements AutoCloseable {

    private final SshServer server;
    private final VirtualFileSystemFactory fileSystems;
    private final Map<String, String> passwords;
    private final Path roots;
    private final AtomicInteger users = new AtomicInteger();

    private SftpServer(SshServer server, VirtualFileSystemFactory fileSystems, Map<String, String> passwords, Path roots) {
        this.server = server;
        this.fileSystems = fileSystems;
        this.passwords = passwords;
        this.roots = roots;
    }

    static SftpServer start(Path workDir) {
        Map<String, String> passwords = new ConcurrentHashMap<>();
        VirtualFileSystemFactory fileSystems = new VirtualFileSystemFactory();
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(workDir.resolve("host-key.ser")));
        server.setPasswordAuthenticator((user, password, session) -> password != null && password.equals(passwords.get(user)));
        server.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        server.setFileSystemFactory(fileSystems);
        try {
            server.start();
            return new SftpServer(server, fileSystems, passwords, Files.createDirectories(workDir.resolve("roots")));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the SFTP server: " + e.getMessage(), e);
        }
    }

    /** A user of the server and the folder its SFTP session sees as "/". */
    public record SftpRoot(String host, int port, String user, String password, Path root) {
    }

    public SftpRoot newRoot() {
        String user = "user" + users.incrementAndGet();
        String password = "pw-" + Long.toHexString(System.nanoTime());
        try {
            Path root = Files.createDirectories(roots.resolve(user));
            fileSystems.setUserHomeDir(user, root);
            passwords.put(user, password);
            return new SftpRoot("127.0.0.1", port(), user, password, root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    @Override
    public String toString() {
        return "SFTP on 127.0.0.1:" + port();
    }
}
