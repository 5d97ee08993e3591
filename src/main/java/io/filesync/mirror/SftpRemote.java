package io.filesync.mirror;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.SftpATTRS;
import com.jcraft.jsch.SftpException;
import io.filesync.core.error.BadInputException;

import static io.filesync.mirror.SftpPaths.escape;
import static io.filesync.mirror.SftpPaths.parentOf;
import static io.filesync.mirror.SftpPaths.statOrNull;

/**
 * A mapping's SFTP remote, through JSch (the fork camel-ftp ships), over a small pool of sessions
 * ({@link SftpConnections}) so several actions run at once.
 * <ul>
 * <li>An upload goes to a hidden temporary name beside the target ({@link SftpUpload}: a large file in parts over
 * several sessions at once, resumable) and
 * is renamed over it once complete, of the expected size, and once the local file is known not to have changed
 * meanwhile, so nobody sees a partial file.</li>
 * <li>Missing folders are created on the way; folders known to exist are remembered, so a small file costs no
 * lookup of its folder. A move is one rename (folders too); a folder delete removes what is below.</li>
 * <li>JSch expands {@code *} and {@code ?} in most paths; names are escaped so such characters are taken literally.</li>
 * </ul>
 */
public final class SftpRemote implements Remote {

    private static final String TEMPORARY_SUFFIX = ".filesync-part";

    private final SftpSettings settings;
    private final SftpConnections connections;
    private final SftpUpload upload;
    private final int size;
    /** Remote folders known to exist; forgotten below a deleted or moved folder and after a missing-folder error. */
    private final Set<String> knownFolders = ConcurrentHashMap.newKeySet();
    private final AtomicLong bytesSent = new AtomicLong();
    private final ExecutorService ownLanes;

    /** One connection, no resume of broken uploads. */
    public SftpRemote(SftpSettings settings) {
        this(settings, 1, null);
    }

    /** With a pool of its own for the extra lanes of large uploads, shut down by {@link #close()}. */
    public SftpRemote(SftpSettings settings, int connections, SftpCheckpoints checkpoints) {
        this(settings, connections, checkpoints, null);
    }

    /**
     * @param connections how many sessions may be open at once (one per concurrent action, or per lane of a large upload)
     * @param checkpoints where large uploads persist their confirmed parts, or null to always start over
     * @param lanes       runs the extra lanes of large uploads (up to {@code connections} threads), or null for a pool
     *                    of this remote's own
     */
    public SftpRemote(SftpSettings settings, int connections, SftpCheckpoints checkpoints, ExecutorService lanes) {
        this.settings = settings;
        this.size = Math.max(1, connections);
        this.connections = new SftpConnections(settings, size);
        this.ownLanes = lanes == null ? Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "filesync-mirror-sftp-lane");
            thread.setDaemon(true);
            return thread;
        }) : null;
        this.upload = new SftpUpload(this.connections, checkpoints, lanes == null ? ownLanes : lanes);
    }

    /** Bytes of content written since this remote was created, for tests and the bench. */
    @Override
    public long bytesSent() {
        return bytesSent.get();
    }

    @Override
    public Sent send(String path, Path file, Progress progress) throws IOException, RemoteUnavailableException {
        FileStamp stamp = FileStamp.of(file);
        String target = settings.remotePath(path);
        String temporary = parentOf(target) + "/." + SftpPaths.nameOf(target) + TEMPORARY_SUFFIX;
        return run(path, channel -> {
            makeParents(channel, target);
            SftpUpload.Outcome outcome;
            try {
                outcome = upload.upload(channel, path, file, stamp, temporary, progress);
            } catch (SftpException e) {
                if (e.id == ChannelSftp.SSH_FX_NO_SUCH_FILE) {
                    // A folder we remembered was removed by someone else: look again on the next attempt.
                    knownFolders.clear();
                }
                throw e;
            }
            bytesSent.addAndGet(stamp.size() - outcome.resumedBytes());
            // A one-stream upload wrote exactly the file's size and JSch checked the status of every write when it
            // closed the file; one in parts wrote at offsets into a file given its size first, and may have kept parts
            // from before, so what the server holds is checked: a temporary file of the wrong size is never renamed.
            boolean inParts = stamp.size() >= SftpUpload.PART_BYTES;
            SftpATTRS arrived = inParts ? statOrNull(channel, temporary) : null;
            if (inParts && (arrived == null || arrived.getSize() != stamp.size())) {
                throw new IOException("the SFTP server holds " + (arrived == null ? "nothing" : arrived.getSize() + " bytes")
                        + " of " + stamp.size() + " for " + path + " after the upload");
            }
            try {
                stamp.verifyUnchanged(file, path);
            } catch (ChangedDuringUploadException changed) {
                channel.rm(escape(temporary));
                upload.finished(path, stamp);
                throw changed;
            }
            replace(channel, temporary, target);
            upload.finished(path, stamp);
            return new Sent("uploaded " + stamp.size() + " bytes" + (outcome.parts() > 1 ? " in " + outcome.parts() + " parts" : "")
                    + (outcome.resumedParts() > 0 ? ", resumed with " + outcome.resumedParts() + " parts already on the server" : ""),
                    null);
        });
    }

    @Override
    public void delete(String path, boolean directory) throws IOException, RemoteUnavailableException {
        run(path, channel -> {
            String remote = settings.remotePath(path);
            SftpATTRS attributes = statOrNull(channel, remote);
            if (attributes == null) {
                return null;
            }
            if (attributes.isDir()) {
                forgetFoldersBelow(remote);
                removeTree(channel, remote);
            } else {
                channel.rm(escape(remote));
            }
            return null;
        });
    }

    @Override
    public boolean move(String from, String to, boolean directory) throws IOException, RemoteUnavailableException {
        return run(from, channel -> {
            String source = settings.remotePath(from);
            String target = settings.remotePath(to);
            SftpATTRS moving = statOrNull(channel, source);
            if (moving == null) {
                return false;
            }
            makeParents(channel, target);
            SftpATTRS existing = statOrNull(channel, target);
            if (existing != null) {
                if (existing.isDir()) {
                    forgetFoldersBelow(target);
                    removeTree(channel, target);
                } else {
                    channel.rm(escape(target));
                }
            }
            if (moving.isDir()) {
                forgetFoldersBelow(source);
            }
            channel.rename(escape(source), escape(target));
            return true;
        });
    }

    @Override
    public void listFiles(FileVisitor visitor) throws IOException, RemoteUnavailableException {
        run("", channel -> {
            if (statOrNull(channel, settings.remotePath("")) == null) {
                return null;
            }
            // Folders still to list; each folder's entries are visited as the server sends them.
            Deque<String> folders = new ArrayDeque<>(List.of(""));
            while (!folders.isEmpty()) {
                String folder = folders.pop();
                IOException[] failed = new IOException[1];
                channel.ls(escape(settings.remotePath(folder)), entry -> {
                    String name = entry.getFilename();
                    if (name.equals(".") || name.equals("..")) {
                        return ChannelSftp.LsEntrySelector.CONTINUE;
                    }
                    String path = folder.isEmpty() ? name : folder + "/" + name;
                    if (entry.getAttrs().isDir()) {
                        folders.push(path);
                    } else if (!name.endsWith(TEMPORARY_SUFFIX)) {
                        try {
                            visitor.visit(path);
                        } catch (IOException e) {
                            failed[0] = e;
                            return ChannelSftp.LsEntrySelector.BREAK;
                        }
                    }
                    return ChannelSftp.LsEntrySelector.CONTINUE;
                });
                if (failed[0] != null) {
                    throw failed[0];
                }
            }
            return null;
        });
    }

    /**
     * Renames over an existing target. JSch uses the atomic posix-rename extension where the server offers it (OpenSSH,
     * MINA), so readers never miss the file; plain SFTP v3 refuses to overwrite, and then the target is removed first.
     */
    private static void replace(ChannelSftp channel, String from, String to) throws SftpException {
        try {
            channel.rename(escape(from), escape(to));
        } catch (SftpException refused) {
            if (statOrNull(channel, to) == null || statOrNull(channel, from) == null) {
                throw refused;
            }
            channel.rm(escape(to));
            channel.rename(escape(from), escape(to));
        }
    }

    private void makeParents(ChannelSftp channel, String target) throws SftpException {
        String parent = parentOf(target);
        List<String> missing = new ArrayList<>();
        while (!parent.isEmpty() && !parent.equals("/") && !parent.equals(".") && !knownFolders.contains(parent)) {
            SftpATTRS there = statOrNull(channel, parent);
            if (there != null && !there.isDir()) {
                // Said plainly: the server's own answer to the upload would be a bare "general failure".
                throw new SftpException(ChannelSftp.SSH_FX_FAILURE, "the server has a file where the folder " + parent
                        + " should be");
            }
            if (there != null) {
                break;
            }
            missing.add(0, parent);
            parent = parentOf(parent);
        }
        for (String folder : missing) {
            try {
                // mkdir is the one JSch call that does not expand wildcards: the name goes as it is.
                channel.mkdir(folder);
            } catch (SftpException e) {
                // Another connection of this pool may have just created it.
                SftpATTRS now = statOrNull(channel, folder);
                if (now == null || !now.isDir()) {
                    throw e;
                }
            }
        }
        for (String folder = parentOf(target); !folder.equals("/") && !folder.equals(".") && knownFolders.add(folder); ) {
            folder = parentOf(folder);
        }
    }

    private void forgetFoldersBelow(String folder) {
        knownFolders.removeIf(known -> known.equals(folder) || known.startsWith(folder + "/"));
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

    /**
     * Runs a call on a pooled connection and sorts its failures, in this one place: a lost connection makes the remote
     * unavailable (and the connection is dropped); a permission the server denies is kept as failed; any other refusal
     * of this path is this action's failure, retried with backoff.
     */
    private <T> T run(String path, SftpCall<T> call) throws IOException, RemoteUnavailableException {
        SftpConnections.Connection connection = connections.borrow();
        boolean broken = false;
        try {
            return call.run(connection.channel);
        } catch (SftpException e) {
            if (!connection.connected()) {
                broken = true;
                throw new RemoteUnavailableException("lost the connection to " + settings + ": " + e.getMessage(), e);
            }
            if (e.id == ChannelSftp.SSH_FX_PERMISSION_DENIED) {
                // As S3's AccessDenied: no retry can cure it; kept as failed until the path changes.
                throw new BadInputException(path, null, null, null, "the SFTP server refused " + path + ": permission denied", e);
            }
            throw new IOException("SFTP " + path + ": " + e.getMessage() + " (status " + e.id + ")", e);
        } catch (InterruptedIOException | ChangedDuringUploadException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            if (!connection.connected()) {
                broken = true;
                throw new RemoteUnavailableException("lost the connection to " + settings + ": " + e.getMessage(), e);
            }
            broken = e instanceof RuntimeException;
            throw e;
        } finally {
            connections.release(connection, broken);
        }
    }

    /** A login on a connection of its own, so a probe never waits behind uploads holding every pooled one. */
    @Override
    public void probe() throws RemoteUnavailableException {
        connections.probe();
    }

    /** One action per pooled connection. */
    @Override
    public int maxConcurrency() {
        return size;
    }

    @Override
    public String describe() {
        return settings.toString();
    }

    @Override
    public void close() {
        connections.close();
        if (ownLanes != null) {
            ownLanes.shutdown();
        }
    }

    @FunctionalInterface
    private interface SftpCall<T> {
        T run(ChannelSftp channel) throws SftpException, IOException;
    }
}
