package io.filesync.mirror;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpATTRS;
import com.jcraft.jsch.SftpException;
import com.jcraft.jsch.SftpProgressMonitor;

/**
 * A mapping's SFTP remote, through JSch (the fork camel-ftp ships). One session is kept open between actions and
 * reopened after a failure.
 * <ul>
 * <li>An upload goes to a hidden temporary name beside the target and is renamed over it once complete and once the
 * local file is known not to have changed meanwhile, so nobody sees a partial file.</li>
 * <li>Missing folders are created on the way; a move is one rename (folders too); a folder delete removes what is
 * below.</li>
 * <li>JSch expands {@code *} and {@code ?} in most paths; names are escaped so such characters are taken literally.</li>
 * </ul>
 */
public final class SftpRemote implements Remote {

    private static final String TEMPORARY_SUFFIX = ".filesync-part";
    private static final int BULK_REQUESTS = 128;
    private static final long PROGRESS_STEP = 8L * 1024 * 1024;

    private final SftpSettings settings;
    private Session session;
    private ChannelSftp sftp;

    public SftpRemote(SftpSettings settings) {
        this.settings = settings;
    }

    @Override
    public synchronized Sent send(String path, Path file, Progress progress) throws IOException, RemoteUnavailableException {
        FileStamp stamp = FileStamp.of(file);
        String target = settings.remotePath(path);
        String temporary = parentOf(target) + "/." + nameOf(target) + TEMPORARY_SUFFIX;
        ChannelSftp channel = channel();
        run(path, () -> {
            makeParents(channel, target);
            try (InputStream in = Files.newInputStream(file)) {
                channel.put(in, escape(temporary), new ProgressReport(stamp.size(), progress), ChannelSftp.OVERWRITE);
            }
            return null;
        });
        if (progress.stopping()) {
            // JSch ends a put cancelled by its monitor without an error: the temporary file is partial.
            throw new java.io.InterruptedIOException("stopped while uploading " + path + "; sent again on restart");
        }
        // What arrived must be what was read: a short temporary file is never renamed into place.
        SftpATTRS arrived = run(path, () -> statOrNull(channel, temporary));
        if (arrived == null || arrived.getSize() != stamp.size()) {
            throw new IOException("the SFTP server holds " + (arrived == null ? "nothing" : arrived.getSize() + " bytes")
                    + " of " + stamp.size() + " for " + path + " after the upload");
        }
        try {
            stamp.verifyUnchanged(file, path);
        } catch (ChangedDuringUploadException changed) {
            run(path, () -> removeIfPresent(channel, temporary));
            throw changed;
        }
        run(path, () -> replace(channel, temporary, target));
        return new Sent("uploaded " + stamp.size() + " bytes", null);
    }

    @Override
    public synchronized void delete(String path, boolean directory) throws IOException, RemoteUnavailableException {
        ChannelSftp channel = channel();
        run(path, () -> {
            String remote = settings.remotePath(path);
            SftpATTRS attributes = statOrNull(channel, remote);
            if (attributes == null) {
                return null;
            }
            if (attributes.isDir()) {
                removeTree(channel, remote);
            } else {
                channel.rm(escape(remote));
            }
            return null;
        });
    }

    @Override
    public synchronized boolean move(String from, String to, boolean directory) throws IOException, RemoteUnavailableException {
        ChannelSftp channel = channel();
        return run(from, () -> {
            String source = settings.remotePath(from);
            String target = settings.remotePath(to);
            if (statOrNull(channel, source) == null) {
                return false;
            }
            makeParents(channel, target);
            SftpATTRS existing = statOrNull(channel, target);
            if (existing != null) {
                if (existing.isDir()) {
                    removeTree(channel, target);
                } else {
                    channel.rm(escape(target));
                }
            }
            channel.rename(escape(source), escape(target));
            return true;
        });
    }

    /**
     * Renames over an existing target. JSch uses the atomic posix-rename extension where the server offers it (OpenSSH,
     * MINA), so readers never miss the file; plain SFTP v3 refuses to overwrite, and then the target is removed first.
     */
    private static Void replace(ChannelSftp channel, String from, String to) throws SftpException {
        try {
            channel.rename(escape(from), escape(to));
        } catch (SftpException refused) {
            if (statOrNull(channel, to) == null || statOrNull(channel, from) == null) {
                throw refused;
            }
            channel.rm(escape(to));
            channel.rename(escape(from), escape(to));
        }
        return null;
    }

    private void makeParents(ChannelSftp channel, String target) throws SftpException {
        String parent = parentOf(target);
        List<String> missing = new ArrayList<>();
        while (!parent.isEmpty() && !parent.equals("/") && !parent.equals(".") && statOrNull(channel, parent) == null) {
            missing.add(0, parent);
            parent = parentOf(parent);
        }
        for (String folder : missing) {
            // mkdir is the one JSch call that does not expand wildcards: the name goes as it is.
            channel.mkdir(folder);
        }
    }

    private void removeTree(ChannelSftp channel, String folder) throws SftpException {
        List<ChannelSftp.LsEntry> entries = new ArrayList<>();
        channel.ls(escape(folder), entry -> {
            if (!entry.getFilename().equals(".") && !entry.getFilename().equals("..")) {
                entries.add(entry);
            }
            return ChannelSftp.LsEntrySelector.CONTINUE;
        });
        for (ChannelSftp.LsEntry entry : entries) {
            String child = folder + "/" + entry.getFilename();
            if (entry.getAttrs().isDir()) {
                removeTree(channel, child);
            } else {
                channel.rm(escape(child));
            }
        }
        channel.rmdir(escape(folder));
    }

    private Void removeIfPresent(ChannelSftp channel, String remote) throws SftpException {
        if (statOrNull(channel, remote) != null) {
            channel.rm(escape(remote));
        }
        return null;
    }

    private static SftpATTRS statOrNull(ChannelSftp channel, String remote) throws SftpException {
        try {
            return channel.lstat(escape(remote));
        } catch (SftpException e) {
            if (e.id == ChannelSftp.SSH_FX_NO_SUCH_FILE) {
                return null;
            }
            throw e;
        }
    }

    /** JSch treats {@code *}, {@code ?} and {@code \} as glob syntax in most paths; a backslash makes them literal. */
    static String escape(String path) {
        return path.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?");
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "." : slash == 0 ? "/" : path.substring(0, slash);
    }

    private static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private <T> T run(String path, SftpCall<T> call) throws IOException, RemoteUnavailableException {
        try {
            return call.run();
        } catch (SftpException e) {
            if (!connected()) {
                disconnect();
                throw new RemoteUnavailableException("lost the connection to " + settings + ": " + e.getMessage(), e);
            }
            if (e.id == ChannelSftp.SSH_FX_PERMISSION_DENIED) {
                throw new IOException("the SFTP server refused " + path + ": permission denied", e);
            }
            throw new IOException("SFTP " + path + ": " + e.getMessage() + " (status " + e.id + ")", e);
        } catch (IOException e) {
            if (!connected()) {
                disconnect();
                throw new RemoteUnavailableException("lost the connection to " + settings + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private boolean connected() {
        return session != null && session.isConnected() && sftp != null && sftp.isConnected() && !sftp.isClosed();
    }

    private ChannelSftp channel() throws RemoteUnavailableException {
        if (connected()) {
            return sftp;
        }
        disconnect();
        try {
            JSch jsch = new JSch();
            if (settings.privateKey() != null && !settings.privateKey().isBlank()) {
                jsch.addIdentity(settings.privateKey(), settings.passphrase() == null || settings.passphrase().isEmpty()
                        ? null : settings.passphrase().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            if (settings.strictHostKeyChecking()) {
                jsch.setKnownHosts(settings.knownHosts() != null && !settings.knownHosts().isBlank() ? settings.knownHosts()
                        : System.getProperty("user.home") + "/.ssh/known_hosts");
            }
            Session opened = jsch.getSession(settings.user(), settings.host(), settings.port());
            if (settings.password() != null && !settings.password().isEmpty()) {
                opened.setPassword(settings.password());
            }
            Properties config = new Properties();
            config.put("StrictHostKeyChecking", settings.strictHostKeyChecking() ? "yes" : "no");
            opened.setConfig(config);
            opened.setTimeout(settings.timeoutMillis());
            opened.connect(settings.timeoutMillis());
            ChannelSftp channel = (ChannelSftp) opened.openChannel("sftp");
            // More write requests in flight: JSch's default of 16 leaves a fast link mostly idle.
            channel.setBulkRequests(BULK_REQUESTS);
            channel.connect(settings.timeoutMillis());
            session = opened;
            sftp = channel;
            return channel;
        } catch (JSchException e) {
            disconnect();
            throw new RemoteUnavailableException("cannot open " + settings + ": " + e.getMessage(), e);
        }
    }

    private void disconnect() {
        if (sftp != null) {
            sftp.disconnect();
            sftp = null;
        }
        if (session != null) {
            session.disconnect();
            session = null;
        }
    }

    @Override
    public String describe() {
        return settings.toString();
    }

    @Override
    public synchronized void close() {
        disconnect();
    }

    /**
     * Reports a large upload every {@value #PROGRESS_STEP} bytes as numbered steps, and stops it when the engine stops
     * (the temporary file is then left behind and overwritten by the next attempt).
     */
    private static final class ProgressReport implements SftpProgressMonitor {
        private final Remote.Progress progress;
        private final int steps;
        private long sinceReport;
        private int step;

        ProgressReport(long size, Remote.Progress progress) {
            this.progress = progress;
            this.steps = (int) Math.max(1, (size + PROGRESS_STEP - 1) / PROGRESS_STEP);
        }

        @Override
        public void init(int op, String src, String dest, long max) {
        }

        @Override
        public boolean count(long count) {
            sinceReport += count;
            if (sinceReport >= PROGRESS_STEP) {
                progress.sent(++step, steps, sinceReport);
                sinceReport = 0;
            }
            return !progress.stopping();
        }

        @Override
        public void end() {
        }
    }

    @FunctionalInterface
    private interface SftpCall<T> {
        T run() throws SftpException, IOException;
    }
}
