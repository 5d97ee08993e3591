package io.filesync.sync;

import static io.filesync.sync.UnsyncedPaths.REFUSED_FOLDER;
import static io.filesync.sync.UnsyncedPaths.held;
import static io.filesync.sync.UnsyncedPaths.within;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import io.filesync.core.DryRunRecords;
import io.filesync.core.FileVersionRepository;
import io.filesync.core.observe.Progress;
import io.filesync.core.error.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the server's copy of a path, or of the whole folder, in line with the local folder as it is now, from
 * what the client remembers the server holds ({@code size|mtime|hash} per file, {@code d} per folder, in the shared
 * file-state table): deletions first, then folders (one request for many), then changed files, sent in groups of
 * bounded count and size by {@link FileSender} so a tree of small files costs a few requests per group. An unchanged
 * file (same size and mtime) is neither re-read nor re-sent.
 */
final class TreeReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(TreeReconciler.class);
    static final String DIRECTORY = "d";
    /** Folders created per request. */
    private static final int MKDIR_BATCH = 1000;

    private final Path root;
    /** Links and other special files already reported, so each is reported once per run, not at every pass. */
    private final Set<String> reportedOthers = ConcurrentHashMap.newKeySet();
    private final UnsyncedPaths unsynced;
    private final Progress progress;
    private final SyncTransport transport;
    private final FileVersionRepository state;
    private final FileSender sender;
    private final ServerDeletions deletions;
    private final int groupFiles;
    private final long groupBytes;
    private final ExecutorService committer;
    private final ExecutorService reader;

    /**
     * @param groupFiles most files sent in one group
     * @param groupBytes most bytes of files in one group (a larger file goes alone); bounds the chunk lists held
     * @param committer  one thread, on which a group's commit runs while the next group is prepared
     * @param reader     one thread, on which the group after next is read and chunked while the next one uploads
     */
    TreeReconciler(Path root, SyncTransport transport, FileVersionRepository state, FileSender sender, ServerDeletions deletions,
                   int groupFiles, long groupBytes, ExecutorService committer, ExecutorService reader, UnsyncedPaths unsynced,
                   Progress progress) {
        this.unsynced = unsynced;
        this.progress = progress;
        this.root = root;
        this.transport = transport;
        this.state = state;
        this.sender = sender;
        this.deletions = deletions;
        this.groupFiles = groupFiles;
        this.groupBytes = groupBytes;
        this.committer = committer;
        this.reader = reader;
    }

    /**
     * Aligns what this client believes the server holds with the server's listing (a path is kept only where the
     * server reports the same content hash), then reconciles the whole folder against it.
     */
    void initialSync() throws IOException {
        if (!Files.isDirectory(root)) {
            // An unmounted disk or a wrong path looks like an empty folder: never mirror that as a mass deletion.
            throw new SyncTransport.Unavailable("the folder " + root + " does not exist; nothing is synced until it does", null);
        }
        Map<String, String> believed = state.snapshot();
        Map<String, String> aligned = new LinkedHashMap<>();
        for (SyncServer.Entry entry : transport.list()) {
            String mine = believed.get(entry.path());
            if (entry.directory()) {
                aligned.put(entry.path(), DIRECTORY);
            } else if (entry.hash() != null && mine != null && mine.endsWith("|" + entry.hash())) {
                aligned.put(entry.path(), mine);
            } else {
                // Held by the server, content unknown or different: "unknown" makes reconcile send it or delete it.
                aligned.put(entry.path(), "?|?|?");
            }
        }
        // A refusal stays remembered (over an older version the server may still hold), so a file the server cannot
        // take is not offered, nor reported, again at start.
        believed.forEach((path, mine) -> {
            if (mine != null && !held(mine)) {
                aligned.put(path, mine);
            }
        });
        state.writeBatch(aligned, believed.keySet());
        int[] counts = reconcile("");
        LOG.info("Initial sync with {}: {} unchanged (skipped), {} sent or updated, {} removed from the server{}",
                transport.base(), counts[0], counts[1], counts[2],
                counts[3] == 0 ? "" : ", " + counts[3] + " kept by the dry run (see " + DryRunRecords.TABLE + ")");
    }

    /**
     * Brings one path (and, for a folder, everything under it; "" for the whole folder) in line.
     *
     * @return counts of unchanged paths, paths sent, paths deleted on the server, deletions the dry run spared
     */
    int[] reconcile(String path) throws IOException {
        int[] counts = new int[4];
        if (unsynced.insideRefusedFolder(path)) {
            // A change inside a folder the server refused: that folder's one report covers it.
            counts[0]++;
            return counts;
        }
        if (deletions.insideKeptFile(path)) {
            // Waits with the folder the dry run could not create in place of a file: sent with it once dry run is off.
            counts[3]++;
            return counts;
        }
        Path local = path.isEmpty() ? root : root.resolve(path);
        Map<String, String> known = new HashMap<>(path.isEmpty() ? state.snapshot() : state.snapshot(path));
        known.keySet().removeIf(p -> !path.isEmpty() && !p.equals(path) && !p.startsWith(path + "/"));
        Set<String> unread = new java.util.HashSet<>();
        Map<String, BasicFileAttributes> present = walk(local, path, unread);
        // Deletions first, so a name is free for what replaces it; a folder goes before (and with) its content.
        // What could not be read is not gone: what the server holds of it is kept.
        List<String> gone = known.keySet().stream()
                .filter(p -> !present.containsKey(p) && !unread.contains(p) && !within(p, unread)).sorted().toList();
        // A name that cannot be spelled was never sent; any other path may be held by the server, even one it
        // refused in a later version (a file grown past its limit): its deletion is sent, and a refusal forgotten.
        state.writeBatch(Map.of(), gone.stream().filter(p -> p.startsWith("/")).toList());
        Set<String> refusedFolders = new java.util.HashSet<>();
        known.forEach((p, mine) -> {
            if (REFUSED_FOLDER.equals(mine) && present.containsKey(p) && present.get(p).isDirectory()) {
                refusedFolders.add(p);
            }
        });
        // Spared by the dry run: still held by the server, so nothing under them is deleted or sent in this pass.
        Set<String> kept = new java.util.HashSet<>();
        for (String p : gone) {
            if (p.startsWith("/") || within(p, kept) || !state.snapshot(p).containsKey(p)) {
                continue;
            }
            if (deletions.delete(p, "gone from the local folder")) {
                LOG.info("Sync: deleted {} on the server", SyncPaths.printable(p));
                counts[2]++;
            } else {
                kept.add(p);
                counts[3]++;
            }
        }
        List<String> folders = new ArrayList<>();
        List<FileSender.Candidate> files = new ArrayList<>();
        for (Map.Entry<String, BasicFileAttributes> entry : present.entrySet()) {
            String p = entry.getKey();
            BasicFileAttributes attributes = entry.getValue();
            String mine = known.get(p);
            if (within(p, refusedFolders) || within(p, kept)) {
                // Inside a folder the server refused: that folder's one report covers it. Inside what the dry run
                // kept in place of a folder: it cannot be sent until that is deleted.
                continue;
            }
            if (attributes.isDirectory()) {
                if (DIRECTORY.equals(mine) || REFUSED_FOLDER.equals(mine)) {
                    counts[0]++;
                    continue;
                }
                if (mine != null && !deletions.delete(p, "replaced by a folder")) {
                    kept.add(p);
                    counts[3]++;
                    continue;
                }
                folders.add(p);
            } else if (attributes.isRegularFile()) {
                String version = attributes.size() + "|" + attributes.lastModifiedTime().toMillis() + "|";
                if (mine != null && mine.startsWith(version)) {
                    counts[0]++;
                    continue;
                }
                if (DIRECTORY.equals(mine)) {
                    if (!deletions.delete(p, "replaced by a file")) {
                        counts[3]++;
                        continue;
                    }
                    mine = null;
                } else if (REFUSED_FOLDER.equals(mine)) {
                    mine = null;
                }
                files.add(new FileSender.Candidate(p, root.resolve(p), attributes.size(), version, mine));
            } else {
                // A link (or a device, a socket) is not followed: its target may lie outside the folder.
                boolean deleted = mine != null && deletions.delete(p, "replaced by a symbolic link or another special file");
                if (mine != null && !deleted) {
                    counts[3]++;
                }
                if (reportedOthers.add(p)) {
                    LOG.warn("Sync: {} is a symbolic link or another special file; not followed and not synced{}",
                            SyncPaths.printable(p), deleted ? " (the server's copy of what was there before is deleted)"
                                    : mine != null ? " (dry run: the server's copy of what was there before is kept)" : "");
                }
            }
        }
        for (int from = 0; from < folders.size(); from += MKDIR_BATCH) {
            List<String> slice = folders.subList(from, Math.min(folders.size(), from + MKDIR_BATCH));
            Map<String, String> refused = transport.mkdirs(slice);
            Map<String, String> created = new LinkedHashMap<>();
            for (String folder : slice) {
                if (within(folder, refusedFolders)) {
                    continue;
                }
                String reason = refused.get(folder);
                if (reason == null) {
                    created.put(folder, DIRECTORY);
                    counts[1]++;
                } else {
                    created.put(folder, REFUSED_FOLDER);
                    refusedFolders.add(folder);
                    unsynced.folderRefused(folder, reason);
                }
            }
            state.writeBatch(created, List.of());
        }
        files.removeIf(file -> within(file.path(), refusedFolders));
        long bytes = 0;
        for (FileSender.Candidate file : files) {
            bytes += file.size();
        }
        // The whole folder (the start, or a rescan after a lost event) may be long work: its files and bytes are said
        // done of total at the reporter's pace.
        try (Progress.Work work = progress.start(LOG, path.isEmpty() ? "Sync: initial sync with " + transport.base()
                : "Sync: " + SyncPaths.printable(path), "files", files.size(), bytes)) {
            counts[1] += send(files, work);
        }
        return counts;
    }

    /**
     * Sends files in groups, three stages at once: while the server assembles and commits one group, this client
     * uploads the next and reads and chunks the one after, so neither side waits for the other and the client's
     * hashing overlaps its uploads. The uploads of consecutive groups flow without a pause: a group's commit, not the
     * next group's offer, waits for its last batches. What the server holds after each group is remembered as soon as
     * its commit returns.
     */
    private int send(List<FileSender.Candidate> files, Progress.Work work) throws IOException {
        List<List<FileSender.Candidate>> groups = FileSender.groups(files, groupFiles, groupBytes);
        int[] sent = new int[1];
        Future<List<FileSender.Outcome>> committing = null;
        Future<FileSender.Described> current = null;
        Future<FileSender.Described> reading = null;
        // One upload pipeline for all groups: a group's last batches are stored while the next group is offered.
        ChunkUploader uploads = sender.uploads();
        try {
            for (int g = 0; g < groups.size(); g++) {
                // The next group is queued for the reader before this one is awaited, so at the start both
                // threads chunk: the reader the second group, this thread the first.
                current = reading;
                List<FileSender.Candidate> next = g + 1 < groups.size() ? groups.get(g + 1) : null;
                reading = next == null ? null : reader.submit(() -> sender.describe(next));
                FileSender.Described described = current == null ? sender.describe(groups.get(g)) : await(current);
                current = null;
                FileSender.Prepared prepared = sender.prepare(described, uploads);
                remember(await(committing), sent, work);
                committing = null;
                committing = committer.submit(() -> sender.finish(prepared));
            }
            remember(await(committing), sent, work);
            committing = null;
        } finally {
            uploads.release();
            for (Future<FileSender.Described> unread : Arrays.asList(current, reading)) {
                if (unread != null) {
                    unread.cancel(true);
                }
            }
            if (committing != null) {
                // Failing: let the commit in flight end (and keep what it did) before the caller retries.
                try {
                    remember(await(committing), sent, work);
                } catch (IOException | RuntimeException alsoFailed) {
                    LOG.debug("Sync: the commit in flight failed too: {}", alsoFailed.getMessage());
                }
            }
        }
        return sent[0];
    }

    private void remember(List<FileSender.Outcome> outcomes, int[] sent, Progress.Work work) {
        if (outcomes == null) {
            return;
        }
        Map<String, String> versions = new LinkedHashMap<>();
        long bytes = 0;
        for (FileSender.Outcome outcome : outcomes) {
            versions.put(outcome.path(), outcome.version());
            sent[0] += outcome.sent() ? 1 : 0;
            bytes += sizeOf(outcome.version());
        }
        work.advance(outcomes.size(), bytes);
        state.writeBatch(versions, List.of());
        for (FileSender.Outcome outcome : outcomes) {
            if (outcome.refused() != null) {
                unsynced.fileRefused(outcome.path(), outcome.refused());
            }
        }
    }

    /** The size at the head of a file's version ({@code size|mtime|hash}), 0 where there is none. */
    private static long sizeOf(String version) {
        int bar = version == null ? -1 : version.indexOf('|');
        try {
            return bar > 0 ? Long.parseLong(version.substring(0, bar)) : 0;
        } catch (NumberFormatException notASize) {
            return 0;
        }
    }

    /** @return the future's result, or null for no future */
    private static <T> T await(Future<T> future) throws IOException {
        if (future == null) {
            return null;
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncTransport.Unavailable("interrupted while sending", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Sends a move as a move when the server holds the source; otherwise the destination is simply sent. */
    void move(String from, String to) throws IOException {
        Map<String, String> moved = state.snapshot(from);
        moved.keySet().removeIf(p -> !p.equals(from) && !p.startsWith(from + "/"));
        if (moved.isEmpty() || from.equals(to)) {
            return;
        }
        if (deletions.dryRun() && replacesOtherKind(to, DIRECTORY.equals(moved.get(from)))) {
            // The server would make room by deleting what the dry run kept there: neither is done. The source stays
            // (spared as gone here), and the destination waits, its replacement spared, until dry run is off.
            deletions.delete(to, "replaced by a moved " + (DIRECTORY.equals(moved.get(from)) ? "folder" : "file"));
            reconcile(from);
            return;
        }
        boolean done;
        try {
            done = transport.move(from, to);
        } catch (BadInputException refused) {
            // The destination is refused (a name the server cannot hold): the source goes, and sending the
            // destination reports it on its own.
            LOG.debug("Sync: move of {} to {} refused: {}", SyncPaths.printable(from), SyncPaths.printable(to), refused.getMessage());
            reconcile(from);
            return;
        }
        if (done) {
            Map<String, String> renamed = new LinkedHashMap<>();
            moved.forEach((p, version) -> renamed.put(to + p.substring(from.length()), version));
            state.writeBatch(renamed, moved.keySet());
            LOG.info("Sync: moved {} to {} on the server, 0 content bytes sent", SyncPaths.printable(from), SyncPaths.printable(to));
        } else {
            state.writeBatch(Map.of(), moved.keySet());
        }
    }

    /** Whether the server holds an entry of the other kind at a path, which a move there would delete to make room. */
    private boolean replacesOtherKind(String path, boolean folder) {
        String there = state.version(path);
        return there != null && held(there) && DIRECTORY.equals(there) != folder;
    }

    /**
     * What is under a path, by wire path. An entry that cannot be read (a name Java cannot spell, a path too long to
     * open, a folder it may not list) is reported and skipped, its key put in {@code unread}: one such entry never
     * stops the walk, and what the server holds of it is kept.
     */
    private Map<String, BasicFileAttributes> walk(Path local, String path, Set<String> unread) throws IOException {
        Map<String, BasicFileAttributes> present = new TreeMap<>();
        BasicFileAttributes top = attributes(local);
        if (top != null && top.isDirectory()) {
            // The walker's own attributes (links not followed), one lstat per entry: Files.walk reads them as well
            // but does not hand them out, and reading them again cost a second lstat per file.
            Files.walkFileTree(local, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path folder, BasicFileAttributes attributes) {
                    return add(folder, attributes);
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    return add(file, attributes);
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    // The walk's own start gone is a failure, never an empty folder to mirror as a mass deletion.
                    if (file.equals(local)) {
                        throw e;
                    }
                    if (e instanceof NoSuchFileException) {
                        // Gone since its folder was listed: its deletion is queued and handled then.
                        return FileVisitResult.CONTINUE;
                    }
                    String wire = SyncPaths.wirePath(root.relativize(file));
                    if (wire != null) {
                        unread.add(wire);
                        unsynced.unreadable(wire, e);
                    }
                    return FileVisitResult.CONTINUE;
                }

                private FileVisitResult add(Path each, BasicFileAttributes attributes) {
                    if (each.equals(root)) {
                        return FileVisitResult.CONTINUE;
                    }
                    String wire = SyncPaths.wirePath(root.relativize(each));
                    if (wire == null) {
                        // Never under the name Java makes of it, which is another file's name or none: reported, skipped.
                        unread.add(unsynced.unspellable(each, attributes));
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    present.put(wire, attributes);
                    return FileVisitResult.CONTINUE;
                }
            });
        } else if (top != null && !path.isEmpty()) {
            present.put(path, top);
        }
        return present;
    }

    private static BasicFileAttributes attributes(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }
}
