package io.filesync.mirror;

/**
 * Where and how a mapping reaches an SFTP server. Authentication by password or private key (or both); the host key
 * is checked against a known-hosts file unless {@code strictHostKeyChecking} is off. {@link #toString()} never shows
 * the password or passphrase.
 *
 * @param host                  server name or address
 * @param port                  usually 22
 * @param user                  login
 * @param password              may be null when a private key is given
 * @param privateKey            path of a private key file, or null
 * @param passphrase            of the private key, or null
 * @param knownHosts            path of a known-hosts file, or null for {@code ~/.ssh/known_hosts}
 * @param strictHostKeyChecking when false, any host key is accepted (and not recorded anywhere)
 * @param directory             base folder on the server; created if missing
 * @param timeoutMillis         connect and read timeout
 */
public record SftpSettings(String host, int port, String user, String password, String privateKey, String passphrase,
                           String knownHosts, boolean strictHostKeyChecking, String directory, int timeoutMillis) {

    public SftpSettings {
        if (host == null || host.isBlank() || user == null || user.isBlank()) {
            throw new IllegalArgumentException("An SFTP mirror needs a host and a user");
        }
        directory = directory == null || directory.isBlank() ? "." : directory.replaceAll("/+$", "");
        if (directory.isEmpty()) {
            directory = "/";
        }
    }

    /** The remote path of a path relative to the mapping's root. */
    public String remotePath(String path) {
        if (path.isEmpty()) {
            return directory;
        }
        return directory.equals("/") ? "/" + path : directory + "/" + path;
    }

    @Override
    public String toString() {
        return "sftp://" + user + "@" + host + ":" + port + "/" + directory.replaceAll("^/", "");
    }
}
