package io.filesync.sync;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.BadInputException;
import io.filesync.output.SandboxedWriter;

/**
 * The server side of folder sync, without any transport: it keeps a folder (the root) identical to a client's, from
 * content-addressed chunks. New content is assembled under a temporary name next to its target, its size and
 * SHA-256 are verified against what the client announced, and only then is it renamed into place atomically, so a
 * reader or a crash never sees a half-written file. Every path goes through {@link SandboxedWriter#confine} and the
 * encoded-traversal check here, so nothing is read or written outside the root.
 * <p>
 * What it knows of each file's content (size, modification time, hash) is kept in the shared file-state table, so
 * the listing a client syncs against at start carries hashes without re-reading the files; a file changed behind
 * the server's back simply has no hash there. Operations are serialised: one folder, applied in order.
 */
public final class SyncServer {

    /** Prefix of files being assembled; never listed, removed at start when a crash left one behind. */
    static final String TEMP_PREFIX = ".filesync-sync-";

    /** One entry of the server's view: a folder, or a file with its size and, when known, its content hash. */
    public record Entry(String path, boolean directory, long size, String hash) {
    }

    private final Path root;
    private final SandboxedWriter sandbox;
    private final ChunkStore store;
    private final FileVersionRepository index;
    private final SyncAudit audit;
    private final long maxFileBytes;
    /** Content bytes each client uploaded since its last commit: what the next commit's audit row reports. */
    private final Map<String, Long> receivedSinceCommit = new HashMap<>();
    private final AtomicLong chunkBytesReceived = new AtomicLong();
    private boolean started;

    public SyncServer(Path root, Path storeDirectory, DataSource dataSource, int maxChunk, long maxFileBytes) {
        this.root = root.toAbsolutePath().normalize();
        this.sandbox = new SandboxedWriter(this.root, maxFileBytes, List.of());
        this.store = new ChunkStore(storeDirectory, maxChunk, (int) Math.min(Integer.MAX_VALUE, maxFileBytes / 1024 + 1024));
        this.index = new FileVersionRepository(dataSource, "sync-server:" + this.root);
        this.audit = new SyncAudit(dataSource);
        this.maxFileBytes = maxFileBytes;
        if (storeDirectory.toAbsolutePath().normalize().startsWith(this.root)) {
            throw new IllegalArgumentException("the chunk store " + storeDirectory + " may not lie inside the synced root " + root);
        }
    }

    public Path root() {
        return root;
    }

    public SyncAudit audit() {
        return audit;
    }

    /** Chunk content bytes received since start: what crossed the wire as file content. */
    public long chunkBytesReceived() {
        return chunkBytesReceived.get();
    }

    /** Every folder and file under the root, in path order, files with their hash when the index still vouches for it. */
    public synchronized List<Entry> list() throws IOException {
        start();
        Map<String, String> known = index.snapshot();
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk.sorted()::iterator) {
                if (path.equals(root) || path.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    continue;
                }
                String relative = relative(path);
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attributes.isDirectory()) {
                    entries.add(new Entry(relative, true, 0, null));
                } else if (attributes.isRegularFile()) {
                    String version = known.get(relative);
                    String prefix = attributes.size() + "|" + attributes.lastModifiedTime().toMillis() + "|";
                    String hash = version != null && version.startsWith(prefix) ? version.substring(prefix.length()) : null;
                    entries.add(new Entry(relative, false, attributes.size(), hash));
                }
            }
        }
        return entries;
    }

    /**
     * Whole-file dedup: when the server already holds this content (any path, any earlier version), it assembles the
     * file locally and nothing crosses the wire.
     *
     * @return whether the file is now in place
     */
    public synchronized boolean copyIfKnown(String client, String path, String hashHex) throws IOException {
        start();
        byte[] hash = Manifest.parseHash(hashHex);
        Manifest manifest = store.manifest(hash);
        if (manifest == null || !store.complete(manifest)) {
            return false;
        }
        Path target = target(path);
        if (!assemble(path, target, manifest)) {
            store.dropManifest(hash);
            return false;
        }
        audit.record(new Audit(client, path, "copy", 0, manifest.size(), "whole-file dedup " + manifest).entry());
        return true;
    }

    /**
     * Takes a client's manifest (full, or a {@link ManifestDelta} against content the server holds) for content it
     * wants to commit and answers which chunks the store lacks, by index in the manifest. The manifest is kept as
     * pending for the commit.
     *
     * @return the missing indexes, or null when a delta's base is unknown here (the client sends the full list)
     */
    public synchronized List<Integer> missing(String client, byte[] manifestBytes) throws IOException {
        start();
        Manifest manifest;
        try {
            if (ManifestDelta.isDelta(manifestBytes)) {
                Manifest base = store.manifest(ManifestDelta.baseHash(manifestBytes));
                if (base == null) {
                    return null;
                }
                manifest = ManifestDelta.decode(new ByteArrayInputStream(manifestBytes), base, store.maxChunk(), Integer.MAX_VALUE);
            } else {
                manifest = Manifest.decode(new ByteArrayInputStream(manifestBytes), store.maxChunk(), Integer.MAX_VALUE);
            }
        } catch (IllegalArgumentException e) {
            throw new BadInputException(client, "chunk list refused: " + e.getMessage());
        }
        if (manifest.size() > maxFileBytes) {
            throw new BadInputException(client, "file of " + manifest.size() + " bytes refused: the limit is " + maxFileBytes);
        }
        store.putPending(manifest);
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < manifest.chunks().size(); i++) {
            if (!store.has(manifest.chunks().get(i).hash())) {
                missing.add(i);
            }
        }
        return missing;
    }

    /** The verified chunk list of a content the server holds, in binary form, or null: the base for a delta. */
    public synchronized byte[] manifest(String hashHex) throws IOException {
        Manifest manifest = store.manifest(Manifest.parseHash(hashHex));
        return manifest == null ? null : manifest.encode();
    }

    /**
     * Stores a batch of chunks, each as hash (32 bytes), length (4 bytes) and bytes; every chunk must match its hash.
     *
     * @return how many chunks were in the batch
     */
    public int chunks(String client, byte[] batch) throws IOException {
        List<ChunkStore.Upload> uploads;
        try {
            uploads = ChunkStore.parseBatch(batch, store.maxChunk());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(client, "chunk batch refused: " + e.getMessage());
        }
        for (ChunkStore.Upload upload : uploads) {
            chunk(client, Manifest.hex(upload.hash()), upload.bytes());
        }
        return uploads.size();
    }

    /** Stores one uploaded chunk, if its bytes match its hash. */
    public synchronized void chunk(String client, String hashHex, byte[] bytes) throws IOException {
        start();
        byte[] hash = Manifest.parseHash(hashHex);
        chunkBytesReceived.addAndGet(bytes.length);
        try {
            store.put(hash, bytes);
        } catch (BadInputException e) {
            audit.record(new Audit(client, null, "refused", bytes.length, 0, e.reason()).entry());
            throw e;
        }
        receivedSinceCommit.merge(client, (long) bytes.length, Long::sum);
    }

    /**
     * Puts a file in place from the chunks of its manifest (pending or verified).
     *
     * @return the indexes of chunks still missing; empty when the file was committed
     */
    public synchronized List<Integer> commit(String client, String path, String hashHex) throws IOException {
        start();
        byte[] hash = Manifest.parseHash(hashHex);
        Manifest manifest = store.pending(hash);
        if (manifest == null) {
            manifest = store.manifest(hash);
        }
        if (manifest == null) {
            throw new BadInputException(path, "commit refused: no chunk list was sent for content " + hashHex);
        }
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < manifest.chunks().size(); i++) {
            if (!store.has(manifest.chunks().get(i).hash())) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            return missing;
        }
        Path target = target(path);
        if (!assemble(path, target, manifest)) {
            store.dropManifest(hash);
            throw new BadInputException(path, "commit refused: the chunks assemble to content that does not match " + hashHex);
        }
        long received = Math.min(manifest.size(), receivedSinceCommit.getOrDefault(client, 0L));
        receivedSinceCommit.remove(client);
        audit.record(new Audit(client, path, "commit", received, manifest.size() - received, manifest.toString()).entry());
        return List.of();
    }

    /** Deletes a file or a folder with everything in it; a missing path is already deleted. */
    public synchronized void delete(String client, String path) throws IOException {
        start();
        Path target = sandbox.confine(SyncPaths.checked(path), false);
        if (target == null || !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            SyncPaths.deleteTree(target);
            index.writeBatch(Map.of(), index.snapshot(path + "/").keySet());
        } else {
            Files.delete(target);
        }
        index.forget(path);
        audit.record(new Audit(client, path, "delete", 0, 0, null).entry());
    }

    /**
     * Renames or moves a file or folder within the root, replacing a file (or an empty folder) at the destination.
     *
     * @return false when the source is not there, so the client sends the content instead
     */
    public synchronized boolean move(String client, String from, String to) throws IOException {
        start();
        Path source = sandbox.confine(SyncPaths.checked(from), false);
        if (source == null || !Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Path target = sandbox.confine(SyncPaths.checked(to), true);
        if (target.startsWith(source) && !target.equals(source)) {
            throw new BadInputException(to, "move refused: a folder cannot move into itself (" + from + ")");
        }
        boolean directory = Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS);
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (DirectoryNotEmptyException e) {
            throw new BadInputException(to, "move refused: " + to + " is a folder that is not empty");
        }
        if (directory) {
            Map<String, String> moved = new LinkedHashMap<>();
            index.snapshot(from + "/").forEach((path, version) -> moved.put(to + path.substring(from.length()), version));
            index.writeBatch(moved, index.snapshot(from + "/").keySet());
        } else {
            index.rename(from, to);
        }
        audit.record(new Audit(client, to, "move", 0, directory ? 0 : Files.size(target), "from " + from).entry());
        return true;
    }

    /** Creates a folder (and its parents); an existing folder is fine. */
    public synchronized void mkdir(String client, String path) throws IOException {
        start();
        Path target = sandbox.confine(SyncPaths.checked(path), true);
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new BadInputException(path, "mkdir refused: a file of that name exists");
        }
        Files.createDirectory(target);
        audit.record(new Audit(client, path, "mkdir", 0, 0, null).entry());
    }

    /** Refuses an audit row for a request turned down before it reached an operation (bad token, hostile path). */
    public void refused(String client, String path, String reason) {
        audit.record(new Audit(client, path, "refused", 0, 0, reason).entry());
    }

    private Path target(String path) {
        Path target = sandbox.confine(SyncPaths.checked(path), true);
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new BadInputException(path, "refused: a folder of that name exists");
        }
        return target;
    }

    /** Writes the chunks under a temporary name, checks size and hash, and renames into place; false on mismatch. */
    private boolean assemble(String path, Path target, Manifest manifest) throws IOException {
        Path temp = target.resolveSibling(TEMP_PREFIX + Long.toHexString(System.nanoTime()) + ".tmp");
        MessageDigest digest = Chunker.sha256();
        long size = 0;
        try {
            try (OutputStream out = Files.newOutputStream(temp)) {
                for (Manifest.Chunk chunk : manifest.chunks()) {
                    byte[] bytes = store.read(chunk.hash());
                    digest.update(bytes);
                    out.write(bytes);
                    size += bytes.length;
                }
            }
            if (size != manifest.size() || !Arrays.equals(digest.digest(), manifest.hash())) {
                return false;
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        BasicFileAttributes attributes = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        index.put(path, attributes.size() + "|" + attributes.lastModifiedTime().toMillis() + "|" + manifest.hex());
        store.putVerified(manifest);
        return true;
    }

    private String relative(Path path) {
        return root.relativize(path).toString().replace('\\', '/');
    }

    /** Removes temporary files a crash left behind, once, on first use. */
    private void start() throws IOException {
        if (started) {
            return;
        }
        Files.createDirectories(root);
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                if (path.getFileName().toString().startsWith(TEMP_PREFIX) && Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(path);
                }
            }
        }
        started = true;
    }

    private record Audit(String client, String path, String operation, long received, long saved, String detail) {
        SyncAudit.Entry entry() {
            return new SyncAudit.Entry(Instant.now(), client, path, operation, received, saved, detail);
        }
    }
}
