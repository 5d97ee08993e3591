package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Streams the chunks of many files into upload batches of bounded size, with up to two batches in flight, so reading
 * and checking chunks here overlaps storing them on the server. A chunk comes from the bytes that were chunked when
 * they were kept in memory; otherwise it is re-read and checked against its hash just before it goes: a file changed
 * since it was chunked is never sent half old, half new.
 */
final class ChunkUploader {
    private final SyncTransport transport;
    private final int batchBytes;
    private Batch batch;
    private long batchContent;
    private final ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();

    /** A batch's buffer, handed to the transport as it is: a copy per request was megabytes each time. */
    private static final class Batch extends ByteArrayOutputStream {
        Batch(int capacity) {
            super(capacity);
        }

        byte[] array() {
            return buf;
        }
    }

    ChunkUploader(SyncTransport transport, int batchBytes) {
        this.transport = transport;
        this.batchBytes = batchBytes;
        this.batch = new Batch(batchBytes);
    }

    /**
     * @param content the file's bytes as they were chunked, or null to read the chunks from the file
     * @return the content bytes queued
     */
    long add(Path file, Manifest manifest, List<Integer> indexes, byte[] content) throws IOException {
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
            if (size != content.length) {
                throw new SyncTransport.Unavailable(file + " changed while being sent", null);
            }
            for (int index : indexes) {
                Manifest.Chunk chunk = manifest.chunks().get(index);
                queue(chunk, content, (int) chunk.offset());
                queued += chunk.length();
            }
            return queued;
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            for (int index : indexes) {
                Manifest.Chunk chunk = manifest.chunks().get(index);
                byte[] bytes = new byte[chunk.length()];
                in.seek(chunk.offset());
                in.readFully(bytes);
                if (!Arrays.equals(Chunker.sha256().digest(bytes), chunk.hash())) {
                    // Changed since it was chunked: its watch event is queued; send that version instead.
                    throw new SyncTransport.Unavailable(file + " changed while being sent", null);
                }
                queue(chunk, bytes, 0);
                queued += bytes.length;
            }
        } catch (EOFException e) {
            throw new SyncTransport.Unavailable(file + " shrank while being sent", e);
        } catch (NoSuchFileException e) {
            throw new SyncTransport.Unavailable(file + " vanished while being sent", e);
        }
        return queued;
    }

    private void queue(Manifest.Chunk chunk, byte[] bytes, int from) throws IOException {
        if (batch.size() > 0 && batch.size() + chunk.length() + Manifest.HASH_BYTES + 4 > batchBytes) {
            send();
        }
        batch.write(chunk.hash());
        batch.write(ByteBuffer.allocate(4).putInt(chunk.length()).array());
        batch.write(bytes, from, chunk.length());
        batchContent += chunk.length();
    }

    /** Sends what is queued and waits for every batch in flight. */
    void flush() throws IOException {
        if (batch.size() > 0) {
            send();
        }
        while (!inFlight.isEmpty()) {
            await(inFlight.poll());
        }
    }

    private void send() throws IOException {
        if (inFlight.size() >= 2) {
            await(inFlight.poll());
        }
        inFlight.add(transport.chunksAsync(batch.array(), batch.size(), batchContent));
        batch = new Batch(batchBytes);
        batchContent = 0;
    }

    private void await(CompletableFuture<Void> future) throws IOException {
        try {
            future.join();
        } catch (CompletionException e) {
            inFlight.forEach(other -> other.cancel(true));
            inFlight.clear();
            batch = new Batch(batchBytes);
            batchContent = 0;
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof IOException io) {
                throw io instanceof SyncTransport.Unavailable ? io : new SyncTransport.Unavailable("sync server " + transport.base() + " unreachable: " + io, io);
            }
            throw new SyncTransport.Unavailable("sending chunks failed: " + e.getCause(), e.getCause());
        }
    }
}
