package io.filesync.sync;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import io.filesync.core.error.BadInputException;

/**
 * The server's content-addressed store, shared by every file and every client: chunks keyed by the SHA-256 of their
 * bytes, and the {@link Manifest} of each verified file content keyed by its content identity
 * ({@link Manifest#identity}), which is what whole-file dedup looks up. Manifests, and the few chunks no upload in progress waits for, live in append-only
 * {@link PackFiles}, indexed in memory and rebuilt from the packs at start. The chunks of files live in the files:
 * an upload is written into its {@link StagedUploads staging file}, which becomes the file, and {@link PlacedChunks}
 * knows where each chunk lies.
 * <p>
 * A chunk is stored only when its bytes hash to the key it was offered under, so no client can poison the index
 * with wrong content for a hash another client will rely on. A manifest offered by a client is kept apart, in
 * memory, as pending; it becomes the verified manifest of its identity only after a file was assembled from it,
 * each chunk checked against its hash. Safe for concurrent use: appends are serialised in the packs, reads run in
 * parallel, and only {@link StoreCollector}'s rewrite of an old pack excludes them, briefly.
 */
public final class ChunkStore implements AutoCloseable {

    static final byte CHUNK = 1;
    static final byte MANIFEST = 2;
    static final byte MANIFEST_DROPPED = 3;
    /** Pending manifests kept at most; an evicted one makes its commit ask the client for the chunk list again. */
    private static final int MAX_PENDING = 4096;

    /** The store holds as much as it may: a configured limit, or a full disk. Retrying later may succeed. */
    public static final class Full extends IOException {
        private static final long serialVersionUID = 1L;

        Full(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A chunk whose bytes do not hash to its key: changed on the client's disk since it was chunked, or corrupted in
     * transit. Nothing of its batch is stored; the client may read the file again and send what it holds now.
     */
    public static final class Mismatch extends BadInputException {
        private static final long serialVersionUID = 1L;

        Mismatch(String hash, String reason) {
            super(hash, reason);
        }

        /** The chunk's key, in hex. */
        public String hash() {
            return source();
        }
    }

    /**
     * One chunk of an upload batch: its hash and its bytes, as one or more buffers. On the server these are views of
     * the request body where Netty holds it (a chunk may straddle two of its buffers), so they are valid only while
     * the request is being handled: nothing here keeps an upload beyond {@link #putAll}.
     */
    public static final class Upload {
        /** The SHA-256 each thread checks uploads with (see {@link #digest}). */
        private static final ThreadLocal<MessageDigest> CHECKING = ThreadLocal.withInitial(Chunker::sha256);
        private final byte[] hash;
        private final ByteBuffer[] parts;
        private final int length;

        /** @param parts the chunk's bytes, from each buffer's position to its limit; the buffers are not modified */
        public Upload(byte[] hash, ByteBuffer... parts) {
            this.hash = hash;
            this.parts = parts;
            long total = 0;
            for (ByteBuffer part : parts) {
                total += part.remaining();
            }
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a chunk of " + total + " bytes");
            }
            this.length = (int) total;
        }

        public Upload(byte[] hash, byte[] bytes) {
            this(hash, ByteBuffer.wrap(bytes));
        }

        public byte[] hash() {
            return hash;
        }

        public int length() {
            return length;
        }

        /** The bytes, as fresh views: each reader gets positions of its own, so one upload can be written twice. */
        ByteBuffer[] buffers() {
            ByteBuffer[] views = new ByteBuffer[parts.length];
            for (int i = 0; i < parts.length; i++) {
                views[i] = parts[i].duplicate();
            }
            return views;
        }

        /**
         * The SHA-256 of the bytes, read where they lie. A direct buffer is hashed through a small array the digest
         * keeps, so the digest is one per thread, reused: a fresh one per chunk allocated that array again for every
         * chunk, a quarter of the server's allocations on a first upload.
         */
        byte[] digest() {
            MessageDigest sha = CHECKING.get();
            sha.reset();
            for (ByteBuffer part : buffers()) {
                sha.update(part);
            }
            return sha.digest();
        }
    }

    final PackFiles packs;
    final Map<ChunkKey, PackFiles.Location> chunks = new ConcurrentHashMap<>();
    final Map<ChunkKey, PackFiles.Location> manifests = new ConcurrentHashMap<>();
    private final Map<ChunkKey, Manifest> pending = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ChunkKey, Manifest> eldest) {
            boolean evict = size() > MAX_PENDING;
            if (evict) {
                staging.discard(staging.take(eldest.getValue().hash()));
            }
            return evict;
        }
    };
    final PlacedChunks placed;
    final StagedUploads staging;
    final ReadWriteLock rewriteLock = new ReentrantReadWriteLock();
    private final int maxChunk;
    private final int maxChunks;
    private final long maxBytes;
    private final boolean force;

    /**
     * @param maxBytes largest total size of the packs, or 0 for no limit
     * @param force    whether each append is forced to disk before it is acknowledged (power-loss durability)
     * @param directIo whether large uploads are written with direct I/O, past the page cache ({@link DirectWrites})
     */
    public ChunkStore(Path directory, int maxChunk, int maxChunks, long packBytes, long maxBytes, boolean force,
                      boolean directIo) throws IOException {
        this.packs = new PackFiles(directory.toAbsolutePath().normalize().resolve("packs"), packBytes);
        this.staging = new StagedUploads(directory.toAbsolutePath().normalize().resolve("staging"), directIo);
        this.placed = new PlacedChunks(directory.toAbsolutePath().normalize().resolve("contents"));
        this.maxChunk = maxChunk;
        this.maxChunks = maxChunks;
        this.maxBytes = maxBytes;
        this.force = force;
        for (PackFiles.Scanned record : packs.open()) {
            ChunkKey key = ChunkKey.of(record.key());
            switch (record.type()) {
                case CHUNK -> chunks.put(key, record.location());
                case MANIFEST -> manifests.put(key, record.location());
                case MANIFEST_DROPPED -> manifests.remove(key);
                default -> { }
            }
        }
        placed.rebuild(this::manifest);
    }

    public int maxChunk() {
        return maxChunk;
    }

    public boolean has(byte[] hash) {
        ChunkKey key = ChunkKey.of(hash);
        return chunks.containsKey(key) || placed.has(key);
    }

    /** Stores one chunk if its bytes match its hash; see {@link #putAll}. */
    public boolean put(byte[] hash, byte[] bytes) throws IOException {
        return putAll(List.of(new Upload(hash, bytes))) == 1;
    }

    /**
     * Stores a batch of chunks after checking every one (a batch with one bad chunk stores nothing): into the staging
     * files that wait for them, the others in one append to the packs.
     *
     * @return how many chunks were new
     * @throws BadInputException when a chunk is empty or too long, a {@link Mismatch} when it does not hash to its key
     * @throws Full              when the store may not or cannot grow by the batch
     */
    public int putAll(List<Upload> uploads) throws IOException {
        List<Upload> fresh = new ArrayList<>();
        Set<ChunkKey> seen = new HashSet<>();
        long bytes = 0;
        for (Upload upload : uploads) {
            check(upload);
            if (!has(upload.hash()) && seen.add(ChunkKey.of(upload.hash()))) {
                fresh.add(upload);
                bytes += PackFiles.HEADER + upload.length();
            }
        }
        if (fresh.isEmpty()) {
            return 0;
        }
        long used = sizeOnDisk();
        if (maxBytes > 0 && used + bytes > maxBytes) {
            throw new Full("the chunk store is full: " + used + " of " + maxBytes
                    + " bytes used (sync.server.max-store-bytes), " + bytes + " more refused", null);
        }
        List<byte[]> keys = new ArrayList<>();
        List<ByteBuffer[]> payloads = new ArrayList<>();
        try {
            for (Upload upload : staging.write(fresh, placed)) {
                keys.add(upload.hash());
                payloads.add(upload.buffers());
            }
        } catch (IOException e) {
            throw full(e);
        }
        if (keys.isEmpty()) {
            return fresh.size();
        }
        List<PackFiles.Location> locations;
        try {
            locations = packs.appendBuffers(keys, payloads, CHUNK, force);
        } catch (IOException e) {
            throw full(e);
        }
        for (int i = 0; i < keys.size(); i++) {
            chunks.put(ChunkKey.of(keys.get(i)), locations.get(i));
        }
        return fresh.size();
    }

    private void check(Upload upload) {
        int length = upload.length();
        if (length == 0 || length > maxChunk) {
            throw new BadInputException(Manifest.hex(upload.hash()), "chunk of " + length
                    + " bytes refused: chunks hold 1 to " + maxChunk + " bytes");
        }
        if (!MessageDigest.isEqual(upload.digest(), upload.hash())) {
            throw new Mismatch(Manifest.hex(upload.hash()), "chunk refused: its " + length
                    + " bytes do not match its hash (truncated or corrupted in transit)");
        }
    }

    /** A chunk's bytes, or null when the store does not hold it (any more). */
    public byte[] read(byte[] hash) throws IOException {
        try (Reader reader = reader()) {
            return reader.read(hash);
        }
    }

    /** Reads the chunks of one assembly: from the packs, else from where they lie in files, checked. */
    Reader reader() {
        return new Reader();
    }

    /** See {@link #reader()}. */
    final class Reader implements AutoCloseable {
        private final PlacedChunks.Reader inFiles = placed.reader();

        /** A chunk's bytes, or null when the store does not hold it (any more). */
        byte[] read(byte[] hash) throws IOException {
            rewriteLock.readLock().lock();
            try {
                PackFiles.Location location = chunks.get(ChunkKey.of(hash));
                if (location != null) {
                    return packs.read(location);
                }
            } finally {
                rewriteLock.readLock().unlock();
            }
            return inFiles.read(hash);
        }

        @Override
        public void close() throws IOException {
            inFiles.close();
        }
    }

    /** The verified manifest of a file content, or null; one of an earlier format no longer decodes and is absent. */
    public Manifest manifest(byte[] fileHash) throws IOException {
        byte[] bytes;
        rewriteLock.readLock().lock();
        try {
            PackFiles.Location location = manifests.get(ChunkKey.of(fileHash));
            if (location == null) {
                return null;
            }
            bytes = packs.read(location);
        } finally {
            rewriteLock.readLock().unlock();
        }
        try {
            return Manifest.decode(new ByteArrayInputStream(bytes), maxChunk, maxChunks);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A manifest a client offered for a content it is about to commit, or null. */
    public Manifest pending(byte[] fileHash) {
        synchronized (pending) {
            return pending.get(ChunkKey.of(fileHash));
        }
    }

    public void putPending(Manifest manifest) {
        synchronized (pending) {
            pending.put(ChunkKey.of(manifest.hash()), manifest);
        }
    }

    /** Every pending manifest: what uploads in progress still need. */
    List<Manifest> pendingManifests() {
        synchronized (pending) {
            return List.copyOf(pending.values());
        }
    }

    /** Records a manifest whose file was assembled from checked chunks; its pending copy goes. */
    public void putVerified(Manifest manifest) throws IOException {
        ChunkKey key = ChunkKey.of(manifest.hash());
        if (!manifests.containsKey(key)) {
            PackFiles.Location location = append(List.of(manifest.hash()), List.of(manifest.encode()), MANIFEST).get(0);
            manifests.put(key, location);
        }
        synchronized (pending) {
            pending.remove(key);
        }
    }

    /** Forgets a manifest that turned out wrong, so it is never offered again. */
    public void dropManifest(byte[] fileHash) throws IOException {
        ChunkKey key = ChunkKey.of(fileHash);
        synchronized (pending) {
            pending.remove(key);
        }
        if (manifests.remove(key) != null) {
            append(List.of(fileHash), List.of(new byte[0]), MANIFEST_DROPPED);
        }
    }

    /** Whether every chunk of a manifest is in the store. */
    public boolean complete(Manifest manifest) {
        return manifest.chunks().stream().allMatch(chunk -> has(chunk.hash()));
    }

    /** Bytes the packs and the staging files of uploads in progress take on disk. */
    public long sizeOnDisk() throws IOException {
        return packs.size() + staging.bytes();
    }

    List<PackFiles.Location> append(List<byte[]> keys, List<byte[]> payloads, byte type) throws IOException {
        try {
            return packs.append(keys, payloads, type, force);
        } catch (IOException e) {
            throw full(e);
        }
    }

    /** A full disk as {@link Full}, so the client retries later; any other failure as it is. */
    static IOException full(IOException e) {
        return String.valueOf(e.getMessage()).contains("No space left") ? new Full("the server's disk is full: " + e.getMessage(), e) : e;
    }

    @Override
    public void close() throws IOException {
        packs.close();
    }
}
