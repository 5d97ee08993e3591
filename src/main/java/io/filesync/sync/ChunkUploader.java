package io.filesync.sync;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Streams the chunks of many files into upload batches of bounded size, with up to {@link #IN_FLIGHT} batches in
 * flight, so reading and checking chunks here overlaps storing them on the server. One uploader may carry the chunks
 * of many groups of files, one after the other: {@link #seal} ends a group without waiting for its batches, so the
 * server keeps storing while the next group is offered and described, and the group's commit waits for the future it
 * returns instead. A chunk comes from the bytes that were chunked when they were kept in memory; otherwise it is
 * re-read from the file just before it goes. A file changed since it was chunked is never stored half old, half new:
 * the server checks every chunk against its hash and refuses the batch of one that does not match
 * ({@link SyncTransport.ChunkRefused}). Re-read chunks are hashed here again only when {@code verify} is set, as the
 * sender does after such a refusal to find the file that changed; otherwise only a change of the file's size is
 * caught here, before anything goes.
 * <p>
 * A batch is built in a direct buffer from a {@link BufferPool} and sent from it as it is; the buffer goes back to the
 * pool once its request is over, so batches reuse a few buffers instead of allocating 8 MiB each. A re-read chunk is
 * read from the file straight into the batch and hashed there: no array per chunk, no copy in between.
 * <p>
 * A chunk goes once per uploader however many files lack it ({@link #recent}).
 */
final class ChunkUploader {
    private static final int HEADER = Manifest.HASH_BYTES + 4;
    /** Batches sent and not yet answered, at most: one being stored while the next one travels. */
    private static final int IN_FLIGHT = 2;
    /** How many of the chunks queued last are remembered (about 6 MB, and a gigabyte of chunks of 16 KiB). */
    private static final int RECENT = 1 << 16;

    private final SyncTransport transport;
    private final BufferPool buffers;
    private final boolean verify;
    private ByteBuffer batch;
    private long batchContent;
    private final ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    /** The batches sent since the last {@link #seal}. */
    private final List<CompletableFuture<Void>> unsealed = new ArrayList<>();
    /**
     * The chunks queued lately, the last {@link #RECENT} of them: a chunk the server lacks in several places (copies of
     * a file in two groups of a first upload, a run of zeros cut into identical chunks) goes once, since the server
     * writes a chunk, as it arrives, into every file that waits for it. Older chunks are stored by then, and the server
     * does not ask for them again; if one was not (its batch refused), the commit of a file that needs it asks for it,
     * and it goes with that commit.
     */
    private final Set<ChunkKey> recent = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ChunkKey, Boolean> eldest) {
            return size() > RECENT;
        }
    });

    /**
     * @param buffers where batches are built: each holds one request (keep it well below the server's limit)
     * @param verify  whether chunks re-read from their files are hashed again before they go
     */
    ChunkUploader(SyncTransport transport, BufferPool buffers, boolean verify) {
        this.transport = transport;
        this.buffers = buffers;
        this.verify = verify;
    }

    ChunkUploader(SyncTransport transport, int batchBytes, boolean verify) {
        this(transport, new BufferPool(batchBytes, true, 3), verify);
    }

    /** See {@link #add(Path, Manifest, List, ByteBuffer)}. */
    long add(Path file, Manifest manifest, List<Integer> indexes, byte[] content) throws IOException {
        return add(file, manifest, indexes, content == null ? null : ByteBuffer.wrap(content));
    }

    /**
     * @param content the file's bytes as they were chunked (from its position to its limit), or null to read the
     *                chunks from the file
     * @return the content bytes queued
     */
    long add(Path file, Manifest manifest, List<Integer> indexes, ByteBuffer content) throws IOException {
        if (indexes.isEmpty()) {
            return 0;
        }
        long queued = 0;
        if (content != null) {
            // What was hashed is what goes, but a file gone or resized since is not sent: as when chunks are re-read,
            // the group is retried and the file's own change (queued by its watch event) goes instead.
            long size;
            try {
                size = Files.size(file);
            } catch (NoSuchFileException e) {
                throw new SyncTransport.Unavailable(file + " vanished while being sent", e);
            }
            if (size != content.remaining()) {
                throw new SyncTransport.Unavailable(file + " changed while being sent", null);
            }
            for (int index : indexes) {
                Manifest.Chunk chunk = manifest.chunks().get(index);
                if (!recent.add(ChunkKey.of(chunk.hash()))) {
                    continue;
                }
                room(chunk.length());
                header(chunk);
                batch.put(content.slice(content.position() + (int) chunk.offset(), chunk.length()));
                batchContent += chunk.length();
                queued += chunk.length();
            }
            return queued;
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            if (in.size() != manifest.size()) {
                throw new SyncTransport.Unavailable(file + " changed while being sent", null);
            }
            MessageDigest sha = verify ? Chunker.sha256() : null;
            for (int index : indexes) {
                Manifest.Chunk chunk = manifest.chunks().get(index);
                ChunkKey key = ChunkKey.of(chunk.hash());
                if (!recent.add(key)) {
                    continue;
                }
                room(chunk.length());
                int start = batch.position();
                header(chunk);
                ByteBuffer bytes = batch.slice(batch.position(), chunk.length());
                for (long position = chunk.offset(); bytes.hasRemaining(); ) {
                    int read = in.read(bytes, position);
                    if (read < 0) {
                        batch.position(start);
                        recent.remove(key);
                        throw new SyncTransport.Unavailable(file + " shrank while being sent", null);
                    }
                    position += read;
                }
                if (verify && !matches(sha, bytes.flip(), chunk.hash())) {
                    // Changed since it was chunked: its watch event is queued; send that version instead.
                    batch.position(start);
                    recent.remove(key);
                    throw new SyncTransport.Unavailable(file + " changed while being sent", null);
                }
                batch.position(batch.position() + chunk.length());
                batchContent += chunk.length();
                queued += chunk.length();
            }
        } catch (NoSuchFileException e) {
            throw new SyncTransport.Unavailable(file + " vanished while being sent", e);
        }
        return queued;
    }

    private static boolean matches(MessageDigest sha, ByteBuffer bytes, byte[] hash) {
        sha.update(bytes);
        return MessageDigest.isEqual(sha.digest(), hash);
    }

    /** Makes room in the batch for a chunk of this length, sending the batch first when it is full. */
    private void room(int length) throws IOException {
        if (batch != null && batch.position() > 0 && batch.remaining() < HEADER + length) {
            send();
        }
        if (batch == null) {
            batch = buffers.take();
        }
        if (batch.remaining() < HEADER + length) {
            throw new IllegalStateException("a chunk of " + length + " bytes does not fit a batch of " + batch.capacity());
        }
    }

    private void header(Manifest.Chunk chunk) {
        batch.put(chunk.hash()).putInt(chunk.length());
    }

    /**
     * Sends what is queued, without waiting for it.
     *
     * @return a future done once every chunk queued since the last seal is stored, failed as the first of their
     *         batches that failed; {@link #join} it
     */
    CompletableFuture<Void> seal() throws IOException {
        if (batch != null && batch.position() > 0) {
            send();
        }
        CompletableFuture<Void> stored = CompletableFuture.allOf(unsealed.toArray(CompletableFuture[]::new));
        unsealed.clear();
        return stored;
    }

    /** Sends what is queued and waits for every batch in flight. */
    void flush() throws IOException {
        seal();
        while (!inFlight.isEmpty()) {
            await(inFlight.poll());
        }
        release();
    }

    /** Gives back the buffer of the batch being filled, if any: the last call (batches in flight give theirs back). */
    void release() {
        buffers.give(batch);
        batch = null;
    }

    private void send() throws IOException {
        if (inFlight.size() >= IN_FLIGHT) {
            await(inFlight.poll());
        }
        ByteBuffer sending = batch.flip();
        batch = null;
        CompletableFuture<Void> answer = transport.chunksAsync(sending, batchContent, () -> buffers.give(sending));
        inFlight.add(answer);
        unsealed.add(answer);
        batchContent = 0;
    }

    private void await(CompletableFuture<Void> future) throws IOException {
        try {
            join(future, transport.base());
        } catch (IOException | RuntimeException e) {
            // The requests still in flight end by themselves, give their buffers back then, and report to the futures
            // their groups wait for; this group is failed, its queued chunks with it.
            inFlight.clear();
            unsealed.clear();
            recent.clear();
            if (batch != null) {
                batch.clear();
            }
            batchContent = 0;
            throw e;
        }
    }

    /**
     * Waits for a batch, or the batches of a {@link #seal}, rethrowing what failed them: as it was thrown, an
     * {@link IOException} other than {@link SyncTransport.Unavailable} as the server being unreachable.
     */
    static void join(CompletableFuture<Void> future, URI server) throws IOException {
        try {
            future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof IOException io) {
                throw io instanceof SyncTransport.Unavailable ? io : new SyncTransport.Unavailable("sync server " + server + " unreachable: " + io, io);
            }
            throw new SyncTransport.Unavailable("sending chunks failed: " + e.getCause(), e.getCause());
        }
    }
}
