package io.filesync.sync;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one file's content to the sync server with as few bytes as it can: nothing when the server already holds the
 * content (whole-file dedup); otherwise a chunk list, as a {@link ManifestDelta} against the version the server
 * holds when there is one, and then only the chunks the server lacks, in batches. Chunks are re-read and re-checked
 * against their hash just before they are sent, so a file changing meanwhile is never sent half old, half new.
 */
final class FileSender {

    private static final Logger LOG = LoggerFactory.getLogger(FileSender.class);
    /** Below this many chunks a full chunk list is smaller than the round trip that fetches the base for a delta. */
    private static final int DELTA_MIN_CHUNKS = 16;
    /** Largest chunk batch per request; well below the server's default request limit of 32 MiB. */
    private static final int BATCH_BYTES = 4 * 1024 * 1024;

    /** What sending a file came to: its content hash, and whether anything had to be sent. */
    record Outcome(String hash, boolean sent) {
    }

    private final SyncTransport transport;
    private final Chunker chunker;
    private final AtomicLong filesHashed = new AtomicLong();

    FileSender(SyncTransport transport, Chunker chunker) {
        this.transport = transport;
        this.chunker = chunker;
    }

    long filesHashed() {
        return filesHashed.get();
    }

    /**
     * @param path the path relative to the synced folder, as the server knows it
     * @param file the file itself
     * @param mine what this client believes the server holds at that path ({@code size|mtime|hash}), or null
     */
    Outcome send(String path, Path file, String mine) throws IOException {
        Manifest manifest = chunker.chunk(file);
        filesHashed.incrementAndGet();
        if (mine != null && mine.endsWith("|" + manifest.hex())) {
            LOG.debug("Sync: {} touched but unchanged, skipped", path);
            return new Outcome(manifest.hex(), false);
        }
        if (transport.have(path, manifest.hex())) {
            LOG.info("Sync: sent {} ({} bytes) by reference: the server had its content, 0 content bytes sent",
                    path, manifest.size());
            return new Outcome(manifest.hex(), true);
        }
        List<Integer> missing = null;
        String serverHash = mine == null ? null : mine.substring(mine.lastIndexOf('|') + 1);
        if (serverHash != null && serverHash.length() == 2 * Manifest.HASH_BYTES && manifest.chunks().size() > DELTA_MIN_CHUNKS) {
            // The server holds an earlier version: describe the new one against it, a few bytes instead of the list.
            Manifest base = transport.manifest(serverHash, chunker.maxSize());
            if (base != null) {
                missing = transport.missing(ManifestDelta.encode(manifest, base));
            }
        }
        if (missing == null) {
            missing = transport.missing(manifest.encode());
        }
        long sent = 0;
        int chunks = 0;
        for (int round = 0; !missing.isEmpty() && round < 3; round++) {
            chunks += missing.size();
            sent += upload(file, manifest, missing);
            missing = transport.commit(path, manifest.hex());
        }
        if (!missing.isEmpty()) {
            throw new SyncTransport.Unavailable("server still lacks " + missing.size() + " chunks of " + path, null);
        }
        if (sent == 0 && transport.commit(path, manifest.hex()).size() > 0) {
            throw new SyncTransport.Unavailable("server lost chunks of " + path + " during commit", null);
        }
        LOG.info("Sync: sent {}: {} of {} chunks, {} of {} bytes", path, chunks, manifest.chunks().size(),
                sent, manifest.size());
        return new Outcome(manifest.hex(), true);
    }

    /** Sends the chunks in batches of up to {@value #BATCH_BYTES} bytes, one request each. */
    private long upload(Path file, Manifest manifest, List<Integer> indexes) throws IOException {
        long sent = 0;
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        long batchContent = 0;
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
                if (batch.size() + bytes.length + Manifest.HASH_BYTES + 4 > BATCH_BYTES && batch.size() > 0) {
                    transport.chunks(batch.toByteArray(), batchContent);
                    batch.reset();
                    batchContent = 0;
                }
                batch.write(chunk.hash());
                batch.write(ByteBuffer.allocate(4).putInt(bytes.length).array());
                batch.write(bytes);
                batchContent += bytes.length;
                sent += bytes.length;
            }
            if (batch.size() > 0) {
                transport.chunks(batch.toByteArray(), batchContent);
            }
        } catch (EOFException e) {
            throw new SyncTransport.Unavailable(file + " shrank while being sent", e);
        }
        return sent;
    }
}
