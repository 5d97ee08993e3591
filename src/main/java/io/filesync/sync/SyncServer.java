package io.filesync.sync;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.BadInputException;
import io.filesync.output.SandboxedWriter;

/**
 * The server side of folder sync, without any transport: it keeps a folder (the root) identical to a client's, from
 * a {@link ChunkStore}. This class takes file content in (whole-file dedup, chunk lists, chunks, commits, each for
 * many files per request); {@link SyncServerTree} takes folders, moves and deletions.
 * Files are put in place by {@link FileAssembler}, only once every chunk of their list is in place, each checked. Every path goes
 * through {@link SandboxedWriter#confine} and {@link SyncPaths#checked}, so nothing is read or written outside the root.
 * <p>
 * What it knows of each file's content (size, modification time, hash) is kept in the shared file-state table, so
 * the listing a client syncs against at start carries hashes without re-reading the files. Requests on different
 * paths run in parallel ({@link PathLocks}).
 */
public final class SyncServer {

    /** One entry of the server's view: a folder, or a file with its size and, when known, its content hash. */
    public record Entry(String path, boolean directory, long size, String hash) {
    }

    /** A file to put in place: where, and which content. */
    public record FileRef(String path, String hash) {
    }

    private final Path root;
    private final SandboxedWriter sandbox;
    private final ChunkStore store;
    private final FileAssembler assembler;
    private final FileVersionRepository index;
    private final SyncAudit audit;
    private final SyncServerTree tree;
    private final PathLocks locks = new PathLocks();
    private final long maxFileBytes;
    private final ExecutorService assemblers;
    /** Content bytes a client was told to send for a file content: what that content's commit reports as received. */
    private final Map<String, Long> announced = new ConcurrentHashMap<>();
    private final AtomicLong chunkBytesReceived = new AtomicLong();
    private final AtomicLong dedupBytesSaved = new AtomicLong();

    /** @param assemblers the pool a commit assembles its files on, or null to assemble them one after the other */
    public SyncServer(Path root, ChunkStore store, DataSource dataSource, long maxFileBytes, boolean force,
                      ExecutorService assemblers) throws IOException {
        this.assemblers = assemblers;
        this.root = root.toAbsolutePath().normalize();
        this.sandbox = new SandboxedWriter(this.root, maxFileBytes, List.of());
        this.store = store;
        this.index = new FileVersionRepository(dataSource, Manifest.IDENTITY_KIND + "|sync-server:" + this.root);
        this.audit = new SyncAudit(dataSource);
        this.maxFileBytes = maxFileBytes;
        Files.createDirectories(this.root);
        Path realRoot = this.root.toRealPath();
        this.tree = new SyncServerTree(this.root, realRoot, sandbox, index, audit, locks);
        this.assembler = new FileAssembler(store, realRoot, force);
        FileAssembler.removeLeftovers(this.root);
    }

    public SyncAudit audit() {
        return audit;
    }

    public ChunkStore store() {
        return store;
    }

    FileAssembler assembler() {
        return assembler;
    }

    public SyncServerTree tree() {
        return tree;
    }

    /** Chunk content bytes received since start: what crossed the wire as file content. */
    public long chunkBytesReceived() {
        return chunkBytesReceived.get();
    }

    /**
     * File bytes the server did not ask for since start because it held them already: whole files placed from held
     * content, and the held chunks of files it asked the rest of.
     */
    public long dedupBytesSaved() {
        return dedupBytesSaved.get();
    }

    /** The content hashes of every file the server holds, as far as its index vouches for them: what GC keeps. */
    List<byte[]> liveContents() {
        return tree.liveContents();
    }

    /** Every folder and file under the root, in path order, files with their hash when the index still vouches for it. */
    public List<Entry> list() throws IOException {
        return tree.list();
    }

    /**
     * Whole-file dedup for many files: each whose content the server already holds (any path, any earlier version)
     * is assembled locally, and nothing crosses the wire for it.
     *
     * @return per file, whether it is now in place
     */
    public List<Boolean> offer(String client, List<FileRef> files) throws IOException {
        Map<Integer, String> refused = new TreeMap<>();
        List<Boolean> copied = offer(client, files, refused);
        throwFirst(files, refused);
        return copied;
    }

    /**
     * {@link #offer(String, List)}, a file refused on its own (its path, most often) put in {@code refused} by its
     * index with the reason (its answer is false), the others offered as usual.
     */
    public List<Boolean> offer(String client, List<FileRef> files, Map<Integer, String> refused) throws IOException {
        List<Boolean> copied = new ArrayList<>();
        Map<String, String> versions = new HashMap<>();
        List<SyncAudit.Entry> rows = new ArrayList<>();
        // Only what the store can copy is locked: locking all (stripes shared) made offers wait for the last commit.
        List<Manifest> held = new ArrayList<>();
        List<String> copyable = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            FileRef file = files.get(i);
            try {
                SyncPaths.checked(file.path());
            } catch (BadInputException e) {
                refuse(client, i, file, e, refused, rows);
                held.add(null);
                continue;
            }
            Manifest manifest = store.manifest(Manifest.parseHash(file.hash()));
            boolean complete = manifest != null && store.complete(manifest);
            held.add(complete ? manifest : null);
            if (complete) {
                copyable.add(file.path());
            }
        }
        try (PathLocks.Held locked = locks.files(copyable); FileAssembler.Batch batch = assembler.batch()) {
            for (int i = 0; i < files.size(); i++) {
                FileRef file = files.get(i);
                byte[] hash = Manifest.parseHash(file.hash());
                Manifest manifest = held.get(i);
                boolean placed = false;
                if (manifest != null) {
                    try {
                        FileAssembler.Result result = assembler.assemble(tree.fileTarget(file.path()), manifest, batch);
                        if (result.mismatch()) {
                            store.dropManifest(hash);
                        } else if (result.placed()) {
                            versions.put(file.path(), result.version());
                            rows.add(SyncAudit.entry(client, file.path(), "copy", 0, manifest.size(), "whole-file dedup " + manifest));
                            dedupBytesSaved.addAndGet(manifest.size());
                            placed = true;
                        }
                    } catch (BadInputException e) {
                        refuse(client, i, file, e, refused, rows);
                    }
                }
                copied.add(placed);
            }
            index.writeBatch(versions, List.of());
        }
        audit.recordAll(rows);
        return copied;
    }

    /**
     * Takes a client's chunk lists (each full, or a {@link ManifestDelta} against content the server holds) for
     * contents it wants to commit and answers, per list, which chunks the store lacks, by index. The lists are kept
     * as pending for the commits. A chunk is asked for once per request, at its first place: a chunk repeated within
     * a file (a run of zeros cuts into identical chunks) or shared by files of the request (copies of one file) is
     * written, as it arrives, into every staging file that waits for it.
     *
     * @return per list, the missing indexes, or null when a delta's base is unknown here (send the full list)
     */
    public List<List<Integer>> missing(String client, List<byte[]> chunkLists) throws IOException {
        Map<Integer, String> refused = new TreeMap<>();
        List<List<Integer>> answers = missing(client, chunkLists, refused);
        for (String first : refused.values()) {
            throw new BadInputException(client, first);
        }
        return answers;
    }

    /**
     * {@link #missing(String, List)}, a list refused on its own (malformed, or a file above the size limit) put in
     * {@code refused} by its index with the reason (its answer is empty), the others answered as usual.
     */
    public List<List<Integer>> missing(String client, List<byte[]> chunkLists, Map<Integer, String> refused) throws IOException {
        List<List<Integer>> answers = new ArrayList<>();
        Set<ChunkKey> asked = new HashSet<>();
        List<SyncAudit.Entry> rows = new ArrayList<>();
        for (byte[] bytes : chunkLists) {
            Manifest manifest;
            try {
                manifest = decode(client, bytes);
            } catch (BadInputException e) {
                refused.put(answers.size(), e.reason());
                rows.add(SyncAudit.entry(client, null, "refused", 0, 0, e.reason()));
                answers.add(List.of());
                continue;
            }
            if (manifest == null) {
                answers.add(null);
                continue;
            }
            store.putPending(manifest);
            List<Integer> absent = assembler.missing(manifest);
            store.staging.stage(manifest, absent);
            List<Integer> missing = new ArrayList<>();
            long size = 0;
            for (int index : absent) {
                Manifest.Chunk chunk = manifest.chunks().get(index);
                if (asked.add(ChunkKey.of(chunk.hash()))) {
                    missing.add(index);
                    size += chunk.length();
                }
            }
            if (announced.size() > 100_000) {
                announced.clear();
            }
            announced.put(client + "|" + manifest.hex(), size);
            dedupBytesSaved.addAndGet(manifest.size() - size);
            answers.add(missing);
        }
        audit.recordAll(rows);
        return answers;
    }

    private Manifest decode(String client, byte[] bytes) throws IOException {
        Manifest manifest;
        try {
            if (ManifestDelta.isDelta(bytes)) {
                Manifest base = store.manifest(ManifestDelta.baseHash(bytes));
                if (base == null) {
                    return null;
                }
                manifest = ManifestDelta.decode(new ByteArrayInputStream(bytes), base, store.maxChunk(), Integer.MAX_VALUE);
            } else {
                manifest = Manifest.decode(new ByteArrayInputStream(bytes), store.maxChunk(), Integer.MAX_VALUE);
            }
        } catch (IllegalArgumentException e) {
            throw new BadInputException(client, "chunk list refused: " + e.getMessage());
        }
        if (manifest.size() > maxFileBytes) {
            throw new BadInputException(client, "file of " + manifest.size() + " bytes refused: the limit is " + maxFileBytes);
        }
        return manifest;
    }

    /**
     * Stores a batch of chunks, each as hash (32 bytes), length (4 bytes) and bytes; every chunk must match its hash.
     *
     * @return how many chunks were in the batch
     */
    public int chunks(String client, byte[] batch) throws IOException {
        return chunks(client, new ByteBuffer[] {ByteBuffer.wrap(batch)});
    }

    /**
     * Stores a batch of chunks held in buffers one after the other (a request body as the transport holds it), read
     * in place: the buffers must stay valid until this returns, and nothing refers to them afterwards.
     *
     * @return how many chunks were in the batch
     */
    public int chunks(String client, ByteBuffer[] batch) throws IOException {
        List<ChunkStore.Upload> uploads;
        try {
            uploads = SyncFraming.parseChunks(batch, store.maxChunk());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(client, "chunk batch refused: " + e.getMessage());
        }
        long bytes = 0;
        for (ChunkStore.Upload upload : uploads) {
            bytes += upload.length();
        }
        chunkBytesReceived.addAndGet(bytes);
        try {
            store.putAll(uploads);
        } catch (BadInputException e) {
            audit.record(SyncAudit.entry(client, null, "refused", bytes, 0, e.reason()));
            throw e;
        }
        return uploads.size();
    }

    /** Stores one uploaded chunk, if its bytes match its hash. */
    public void chunk(String client, String hashHex, byte[] bytes) throws IOException {
        byte[] hash = Manifest.parseHash(hashHex);
        chunkBytesReceived.addAndGet(bytes.length);
        try {
            store.put(hash, bytes);
        } catch (BadInputException e) {
            audit.record(SyncAudit.entry(client, null, "refused", bytes.length, 0, e.reason()));
            throw e;
        }
    }

    /**
     * Puts files in place from the chunks of their manifests (pending or verified).
     *
     * @return per file: empty when it was committed, the indexes of chunks still missing, or null when the server
     *         has no chunk list for it (it was never sent, or forgotten in a restart): the client sends it again
     * @throws BadInputException when chunks assemble to content that does not match the hash
     */
    public List<List<Integer>> commit(String client, List<FileRef> files) throws IOException {
        Map<Integer, String> refused = new ConcurrentHashMap<>();
        List<List<Integer>> answers = commit(client, files, refused);
        throwFirst(files, new TreeMap<>(refused));
        return answers;
    }

    /**
     * {@link #commit(String, List)}, a file refused on its own (its path, content that does not match its hash) put
     * in {@code refused} by its index with the reason (its answer is empty), the others committed as usual.
     */
    public List<List<Integer>> commit(String client, List<FileRef> files, Map<Integer, String> refused) throws IOException {
        List<List<Integer>> answers = new ArrayList<>();
        Map<String, String> versions = new ConcurrentHashMap<>();
        List<SyncAudit.Entry> rows = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, String> refusals = new ConcurrentHashMap<>();
        // The index is written under the same locks as the files, so it never vouches for a file another commit replaced.
        try (PathLocks.Held held = locks.files(files.stream().map(FileRef::path).toList());
             FileAssembler.Batch batch = assembler.batch()) {
            try {
                // Files of a batch are assembled in parallel: creating and writing many small files is mostly waiting.
                List<ParallelTasks.Task<List<Integer>>> tasks = new ArrayList<>();
                for (int i = 0; i < files.size(); i++) {
                    int index = i;
                    FileRef file = files.get(i);
                    tasks.add(() -> {
                        try {
                            return commitOne(client, file, versions, rows, batch);
                        } catch (BadInputException e) {
                            refuse(client, index, file, e, refusals, rows);
                            return List.of();
                        }
                    });
                }
                answers.addAll(ParallelTasks.run(assemblers, tasks));
            } finally {
                index.writeBatch(versions, List.of());
            }
        } finally {
            refused.putAll(refusals);
            audit.recordAll(rows);
        }
        return answers;
    }

    /** A file of a batch refused on its own: its reason by its index, and an audit row naming it. */
    private static void refuse(String client, int index, FileRef file, BadInputException e, Map<Integer, String> refused,
                               List<SyncAudit.Entry> rows) {
        refused.put(index, e.reason());
        rows.add(SyncAudit.entry(client, file.path(), "refused", 0, 0, e.reason()));
    }

    /** For callers without a place for per-file refusals: the first one, as the exception it was. */
    private static void throwFirst(List<FileRef> files, Map<Integer, String> refused) {
        for (Map.Entry<Integer, String> first : refused.entrySet()) {
            throw new BadInputException(files.get(first.getKey()).path(), first.getValue());
        }
    }

    private List<Integer> commitOne(String client, FileRef file, Map<String, String> versions, List<SyncAudit.Entry> rows,
                                    FileAssembler.Batch batch) throws IOException {
        byte[] hash = Manifest.parseHash(file.hash());
        Manifest manifest = store.pending(hash);
        if (manifest == null) {
            manifest = store.manifest(hash);
        }
        if (manifest == null) {
            return null;
        }
        List<Integer> missing = assembler.missing(manifest);
        if (!missing.isEmpty()) {
            return missing;
        }
        FileAssembler.Result result = assembler.assemble(tree.fileTarget(file.path()), manifest, batch);
        if (result.mismatch()) {
            store.dropManifest(hash);
            throw new BadInputException(file.path(), "commit refused: the chunks assemble to content that does not match "
                    + file.hash());
        }
        if (!result.placed()) {
            return result.missing();
        }
        store.putVerified(manifest);
        versions.put(file.path(), result.version());
        Long sent = announced.remove(client + "|" + manifest.hex());
        long received = Math.min(manifest.size(), sent == null ? 0 : sent);
        rows.add(SyncAudit.entry(client, file.path(), "commit", received, manifest.size() - received, manifest.toString()));
        return List.of();
    }

    /** Records an audit row for a request turned down before it reached an operation (bad token, hostile path). */
    public void refused(String client, String path, String reason) {
        audit.record(SyncAudit.entry(client, path, "refused", 0, 0, reason));
    }
}
