package io.filesync.mirror;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;

/**
 * A small pool of open SFTP sessions, one channel each, so several actions run at once and none pays for a new
 * SSH handshake: a JSch channel serves one caller at a time, and many small files are mostly round trips. A session
 * that failed is closed instead of being returned, and the next borrower opens a fresh one.
 */
final class SftpConnections implements AutoCloseable {

    /** More write requests in flight than JSch's default of 16, which leaves a fast link mostly idle. */
    private static final int BULK_REQUESTS = 128;

    /** One open session and its channel. */
    static final class Connection {
        private final Session session;
        final ChannelSftp channel;

        private Connection(Session session, ChannelSftp channel) {
            this.session = session;
            this.channel = channel;
        }

        boolean connected() {
            return session.isConnected() && channel.isConnected() && !channel.isClosed();
        }

        void disconnect() {
            channel.disconnect();
            session.disconnect();
        }
    }

    private final SftpSettings settings;
    private final int size;
    private final Semaphore slots;
    private final Deque<Connection> idle = new ArrayDeque<>();
    private volatile boolean closed;

    SftpConnections(SftpSettings settings, int size) {
        this.settings = settings;
        this.size = Math.max(1, size);
        this.slots = new Semaphore(this.size, true);
    }

    /** How many connections may be open at once. */
    int size() {
        return size;
    }

    /** An open connection for the caller alone; give it back with {@link #release}. */
    Connection borrow() throws RemoteUnavailableException {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteUnavailableException("interrupted while waiting for an SFTP connection", e);
        }
        return pooledOrNew();
    }

    /**
     * A connection for the caller alone if one is free right now, else null: extra lanes of a large upload take only
     * what no other action is waiting for, so they never hold up the queue or wait on each other.
     */
    Connection tryBorrow() {
        try {
            // With a timeout (even none) the fair semaphore serves waiting borrowers first; plain tryAcquire would barge.
            if (!slots.tryAcquire(0, TimeUnit.MILLISECONDS)) {
                return null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        try {
            return pooledOrNew();
        } catch (RemoteUnavailableException e) {
            return null;
        }
    }

    /** Opens and closes a connection outside the pool: the server answers and accepts the login now. */
    void probe() throws RemoteUnavailableException {
        open().disconnect();
    }

    /** Whether an action waits for a connection: an extra lane then gives its connection back after its part. */
    boolean wanted() {
        return slots.hasQueuedThreads();
    }

    /** Holding a slot: an idle connection that still works, or a new one; the slot is released on failure. */
    private Connection pooledOrNew() throws RemoteUnavailableException {
        try {
            while (true) {
                Connection pooled;
                synchronized (idle) {
                    pooled = idle.pollFirst();
                }
                if (pooled == null) {
                    return open();
                }
                if (pooled.connected()) {
                    return pooled;
                }
                pooled.disconnect();
            }
        } catch (RemoteUnavailableException | RuntimeException e) {
            slots.release();
            throw e;
        }
    }

    /** Returns a connection; a broken one (or any, once closed) is disconnected instead. */
    void release(Connection connection, boolean broken) {
        try {
            if (broken || closed || !connection.connected()) {
                connection.disconnect();
            } else {
                synchronized (idle) {
                    idle.addFirst(connection);
                }
            }
        } finally {
            slots.release();
        }
    }

    private Connection open() throws RemoteUnavailableException {
        Session session = null;
        try {
            JSch jsch = new JSch();
            if (settings.privateKey() != null && !settings.privateKey().isBlank()) {
                jsch.addIdentity(settings.privateKey(), settings.passphrase() == null || settings.passphrase().isEmpty()
                        ? null : settings.passphrase().getBytes(StandardCharsets.UTF_8));
            }
            if (settings.strictHostKeyChecking()) {
                jsch.setKnownHosts(settings.knownHosts() != null && !settings.knownHosts().isBlank() ? settings.knownHosts()
                        : System.getProperty("user.home") + "/.ssh/known_hosts");
            }
            session = jsch.getSession(settings.user(), settings.host(), settings.port());
            if (settings.password() != null && !settings.password().isEmpty()) {
                session.setPassword(settings.password());
            }
            Properties config = new Properties();
            config.put("StrictHostKeyChecking", settings.strictHostKeyChecking() ? "yes" : "no");
            session.setConfig(config);
            session.setTimeout(settings.timeoutMillis());
            session.connect(settings.timeoutMillis());
            ChannelSftp channel = (ChannelSftp) session.openChannel("sftp");
            channel.setBulkRequests(BULK_REQUESTS);
            channel.connect(settings.timeoutMillis());
            return new Connection(session, channel);
        } catch (JSchException e) {
            if (session != null) {
                session.disconnect();
            }
            throw new RemoteUnavailableException("cannot open " + settings + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (idle) {
            idle.forEach(Connection::disconnect);
            idle.clear();
        }
    }
}
