package io.filesync.tail;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every matching file of a folder: which files exist, who each one is (see {@link FileIdentity}), how far
 * each has been read, and which have unread bytes. It owns no threads; the consumer's workers call
 * {@link #nextReady(long)}, {@link #read(String)} and {@link #advanced(String, TailPosition)} or
 * {@link #failed(String, long)}, and change notifications and polls call {@link #scan()} and {@link #touched(Path)}.
 * <p>
 * Each file is kept open while followed, so a file renamed away (logrotate's default) or deleted is still read to
 * its end before it is let go: no line written before the rotation is lost. A file that shrank, or whose first bytes
 * changed, was truncated or replaced, and is read again from its start. The queue of files with unread bytes is
 * served round-robin, a batch at a time, so a busy file cannot starve the others.
 */
public final class TailEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TailEngine.class);

    private final Path root;
    private final Predicate<Path> include;
    private final boolean recursive;
    private final LineReader reader;
    private final TailOffsets offsets;
    private final Map<String, TailPosition> stored;
    private final boolean startAtEnd;
    private final long rotationGraceMillis;

    private final Map<String, FollowedFile> files = new HashMap<>();
    private final Deque<String> ready = new ArrayDeque<>();
    private final Set<String> queued = new HashSet<>();
    private boolean firstScan = true;


    /**
     * @param root       the folder to follow (it may not exist yet)
     * @param include    which regular files to follow, given their path relative to the root
     * @param recursive  whether files in subfolders are followed
     * @param reader     reads lines in batches
     * @param offsets    where positions are kept
     * @param stored     positions stored by earlier runs, by file key
     * @param startAtEnd whether files found by the first scan, and unknown to earlier runs, start at their end
     * @param rotationGraceMillis how long a file renamed away or deleted is still followed after its last growth:
     *                   a program keeps writing to its old log file until it reopens it after a rotation
     */
    public TailEngine(Path root, Predicate<Path> include, boolean recursive, LineReader reader, TailOffsets offsets,
                      Map<String, TailPosition> stored, boolean startAtEnd, long rotationGraceMillis) {
        this.root = root.toAbsolutePath().normalize();
        this.include = include;
        this.recursive = recursive;
        this.reader = reader;
        this.offsets = offsets;
        this.stored = new HashMap<>(stored);
        this.startAtEnd = startAtEnd;
        this.rotationGraceMillis = rotationGraceMillis;
    }

    public Path root() {
        return root;
    }

    /** Lists the folder and reconciles: new files, renamed ones, rotated, truncated, replaced and deleted ones. */
    public synchronized void scan() throws IOException {
        Map<String, Path> seen = new HashMap<>();
        if (Files.isDirectory(root)) {
            Set<FileVisitOption> options = EnumSet.noneOf(FileVisitOption.class);
            Files.walkFileTree(root, options, recursive ? Integer.MAX_VALUE : 1, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isRegularFile() && include.test(root.relativize(file))) {
                        seen.put(FileIdentity.fileKey(attributes, file), file);
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                    if (!(e instanceof NoSuchFileException)) {
                        LOG.warn("Cannot read {} while following {}: {}", file, root, e.getMessage());
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        }
        for (Map.Entry<String, Path> entry : seen.entrySet()) {
            FollowedFile known = files.get(entry.getKey());
            if (known == null) {
                follow(entry.getKey(), entry.getValue());
            } else {
                known.present = true;
                if (!known.path.equals(entry.getValue())) {
                    LOG.info("{} was renamed to {}; following it there", relative(known.path), relative(entry.getValue()));
                    known.path = entry.getValue();
                    known.position = known.position.movedTo(relative(entry.getValue()));
                }
                checkStillTheSameContent(known);
                enqueueIfUnread(known);
            }
        }
        for (FollowedFile followed : files.values()) {
            if (!seen.containsKey(followed.fileKey)) {
                if (followed.present) {
                    followed.present = false;
                    followed.lastActivity = System.currentTimeMillis();
                }
                // Drain what is written to it still; it is let go once read to its end and quiet for the grace time.
                enqueueIfUnread(followed);
                letGoIfDone(followed);
            }
        }
        files.values().removeIf(followed -> followed.channel == null);
        if (firstScan) {
            for (TailPosition vanished : stored.values()) {
                LOG.warn("{} was followed before the restart but is gone; lines it had after byte {} cannot be read",
                        vanished.path(), vanished.offset());
                forget(vanished.fileKey());
            }
            stored.clear();
            firstScan = false;
        }
        notifyAll();
    }

    /** A change notification for one path: re-scan only when it may be a new, renamed or deleted file. */
    public synchronized void touched(Path path) throws IOException {
        Path absolute = root.resolve(path).normalize();
        for (FollowedFile followed : files.values()) {
            if (followed.path.equals(absolute) && followed.present && Files.isRegularFile(absolute)
                    && FileIdentity.fileKey(absolute).equals(followed.fileKey)) {
                checkStillTheSameContent(followed);
                enqueueIfUnread(followed);
                notifyAll();
                return;
            }
        }
        scan();
    }

    /**
     * Waits up to the timeout for a file with unread bytes and claims it for the calling worker.
     *
     * @return the file key, or null when none became ready in time
     */
    public synchronized String nextReady(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            long now = System.currentTimeMillis();
            long earliestRetry = Long.MAX_VALUE;
            for (int i = ready.size(); i > 0; i--) {
                String key = ready.pollFirst();
                FollowedFile followed = files.get(key);
                if (followed == null || followed.inFlight) {
                    queued.remove(key);
                    continue;
                }
                if (followed.retryAt > now) {
                    earliestRetry = Math.min(earliestRetry, followed.retryAt);
                    ready.addLast(key);
                    continue;
                }
                queued.remove(key);
                followed.inFlight = true;
                followed.touchedInFlight = false;
                return key;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return null;
            }
            wait(Math.max(1, Math.min(left, earliestRetry == Long.MAX_VALUE ? left : earliestRetry - now)));
        }
    }

    /** Reads the next batch of a claimed file; null when it has no complete line yet (the claim is released). */
    TailBatch read(String fileKey) throws IOException {
        FollowedFile followed;
        TailPosition from;
        synchronized (this) {
            followed = files.get(fileKey);
            if (followed == null) {
                return null;
            }
            from = followed.position;
        }
        LineReader.Chunk chunk = reader.read(followed.channel, from);
        if (chunk.lines().isEmpty()) {
            advanced(fileKey, from);
            return null;
        }
        TailPosition to = from.advancedTo(chunk.endOffset(), chunk.endLineNumber());
        int fingerprintLength = FileIdentity.fingerprintLength(to.offset());
        if (fingerprintLength > from.fingerprintLength()) {
            to = to.withFingerprint(fingerprintLength, FileIdentity.fingerprint(followed.channel, fingerprintLength));
        }
        return new TailBatch(from, to, chunk.lines());
    }

    /** The batch leading to this position was stored: release the claim and queue the file again if it has more. */
    public synchronized void advanced(String fileKey, TailPosition position) {
        FollowedFile followed = files.get(fileKey);
        if (followed == null) {
            return;
        }
        followed.inFlight = false;
        followed.retryAt = 0;
        if (position.offset() != followed.position.offset()) {
            followed.lastActivity = System.currentTimeMillis();
        }
        followed.position = position.movedTo(followed.position.path());
        if (followed.touchedInFlight) {
            followed.touchedInFlight = false;
            checkStillTheSameContent(followed);
        }
        if (letGoIfDone(followed)) {
            files.remove(fileKey);
        } else if (followed.unread() != 0) {
            enqueue(followed);
        }
        notifyAll();
    }

    /** Storing the batch failed: release the claim and try the file again after the delay. */
    public synchronized void failed(String fileKey, long retryDelayMillis) {
        FollowedFile followed = files.get(fileKey);
        if (followed == null) {
            return;
        }
        followed.inFlight = false;
        followed.retryAt = System.currentTimeMillis() + retryDelayMillis;
        enqueue(followed);
        notifyAll();
    }

    /** Bytes written after the stored position of each followed file, by path, for the lag metric. */
    public synchronized Map<String, Long> lagBytes() {
        Map<String, Long> lag = new HashMap<>();
        for (FollowedFile followed : files.values()) {
            lag.merge(followed.position.path(), Math.max(0, followed.unread()), Long::sum);
        }
        return lag;
    }

    /** How many files are followed, for monitoring and tests. */
    public synchronized int followedCount() {
        return files.size();
    }

    @Override
    public synchronized void close() {
        for (FollowedFile followed : files.values()) {
            followed.close();
        }
        files.clear();
        ready.clear();
        queued.clear();
    }

    private void follow(String fileKey, Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            LOG.warn("Cannot open {} to follow it: {}", relative(file), e.getMessage());
            return;
        }
        TailPosition position = stored.remove(fileKey);
        String path = relative(file);
        try {
            if (position != null && !FollowedFile.sameContent(channel, position)) {
                LOG.info("{} is not the file read before under this identity (inode reused); reading it from its start", path);
                position = null;
            }
            if (position == null) {
                position = TailPosition.start(fileKey, path);
                if (startAtEnd && firstScan) {
                    long end = FollowedFile.afterLastNewline(channel);
                    position = position.advancedTo(end, FollowedFile.linesBefore(channel, end)).withFingerprint(FileIdentity.fingerprintLength(end),
                            FileIdentity.fingerprint(channel, FileIdentity.fingerprintLength(end)));
                }
            } else {
                position = position.movedTo(path);
            }
        } catch (IOException e) {
            LOG.warn("Cannot read {} to follow it: {}", path, e.getMessage());
            FollowedFile.closeQuietly(channel);
            return;
        }
        FollowedFile followed = new FollowedFile(fileKey, file, channel, position);
        files.put(fileKey, followed);
        enqueueIfUnread(followed);
    }

    /** Truncated (shorter than what was read) or replaced (first bytes differ): read again from the start. */
    private void checkStillTheSameContent(FollowedFile followed) {
        if (followed.inFlight) {
            followed.touchedInFlight = true;
            return;
        }
        try {
            if (!followed.sameContentAsRead()) {
                LOG.info("{} was truncated or replaced; reading it again from its start", followed.position.path());
                followed.position = TailPosition.start(followed.fileKey, followed.position.path());
            }
        } catch (IOException e) {
            LOG.warn("Cannot check {}: {}", followed.position.path(), e.getMessage());
        }
    }

    private void enqueueIfUnread(FollowedFile followed) {
        if (followed.inFlight) {
            followed.touchedInFlight = true;
        } else if (followed.unread() != 0) {
            enqueue(followed);
        }
    }

    private void enqueue(FollowedFile followed) {
        if (queued.add(followed.fileKey)) {
            ready.addLast(followed.fileKey);
        }
    }

    /** Lets a vanished file go once it is read to its end and has been quiet for the grace time. */
    private boolean letGoIfDone(FollowedFile followed) {
        if (followed.present || followed.inFlight || followed.unread() > 0
                || System.currentTimeMillis() - followed.lastActivity < rotationGraceMillis) {
            return false;
        }
        letGo(followed);
        return true;
    }

    private void letGo(FollowedFile followed) {
        followed.close();
        forget(followed.fileKey);
    }

    private void forget(String fileKey) {
        try {
            offsets.forget(fileKey);
        } catch (Exception e) {
            LOG.warn("Could not forget the position of a file that is gone ({}): {}", fileKey, e.getMessage());
        }
    }

    private String relative(Path file) {
        return root.relativize(file.toAbsolutePath().normalize()).toString();
    }
}
