package io.filesync.mirror;

import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;

/**
 * The SFTP options of a {@code filesync-mirror:} endpoint (remote=sftp), bound by the component from the same URI
 * as the endpoint's own options. Secrets are marked so Camel masks them wherever it shows the URI.
 */
@UriParams
public class SftpOptions {

    @UriParam(description = "server host")
    private String host;

    @UriParam(description = "server port", defaultValue = "22")
    private int port = 22;

    @UriParam(description = "login")
    private String username;

    @UriParam(description = "password", secret = true)
    private String password;

    @UriParam(description = "private key file")
    private String privateKeyFile;

    @UriParam(description = "passphrase of the private key", secret = true)
    private String passphrase;

    @UriParam(description = "known-hosts file; default ~/.ssh/known_hosts")
    private String knownHostsFile;

    @UriParam(description = "whether the host key must be in the known-hosts file", defaultValue = "true")
    private boolean strictHostKeyChecking = true;

    @UriParam(description = "base folder on the server", defaultValue = ".")
    private String directory = ".";

    @UriParam(description = "connect and read timeout in milliseconds", defaultValue = "30000")
    private int timeout = 30000;

    /** The settings these options describe; {@code mapping} names the endpoint in error messages. */
    SftpSettings settings(String mapping) {
        if (host == null || host.isBlank() || username == null || username.isBlank()) {
            throw new IllegalArgumentException(MirrorComponent.SCHEME + ":" + mapping + ": options host and username must be set");
        }
        return new SftpSettings(host, port, username, password, privateKeyFile, passphrase, knownHostsFile,
                strictHostKeyChecking, directory, timeout);
    }

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public String getPrivateKeyFile() {
        return privateKeyFile;
    }

    public void setPrivateKeyFile(String privateKeyFile) {
        this.privateKeyFile = privateKeyFile;
    }

    public String getPassphrase() {
        return passphrase;
    }

    public void setPassphrase(String passphrase) {
        this.passphrase = passphrase;
    }

    public String getKnownHostsFile() {
        return knownHostsFile;
    }

    public void setKnownHostsFile(String knownHostsFile) {
        this.knownHostsFile = knownHostsFile;
    }

    public boolean isStrictHostKeyChecking() {
        return strictHostKeyChecking;
    }

    public void setStrictHostKeyChecking(boolean strictHostKeyChecking) {
        this.strictHostKeyChecking = strictHostKeyChecking;
    }

    public String getDirectory() {
        return directory;
    }

    public void setDirectory(String directory) {
        this.directory = directory;
    }

    public int getTimeout() {
        return timeout;
    }

    public void setTimeout(int timeout) {
        this.timeout = timeout;
    }
}
