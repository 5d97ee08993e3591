package io.filesync.sync;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Garbage collection of the chunk store, mark and sweep: chunks and chunk lists that no file on the server refers
 * to any more are removed, by rewriting the pack files that hold them without them.
 * <p>
 * Marked live: the chunk list of every content the server's index says a file holds, its chunks, and the chunks of
 * every pending upload. Swept: only sealed packs last written longer ago than the grace period, so the chunks of an
 * upload in progress (sent, not yet committed) are safe for that long whatever the mark saw. A pack is rewritten when
 * at least {@value #REWRITE_DEAD_PERCENT}% of it is dead, deleted when all of it is. A chunk that a client was told
 * the server holds and that is collected before its commit is simply reported missing by the commit and sent again;
 * a file is never assembled from anything but verified chunks.
 */
public final class StoreCollector {

    /** Below this share of dead bytes a pack is left alone: rewriting it would copy much to free little. */
    static final int REWRITE_DEAD_PERCENT = 25;
    /** Live records copied per append while rewriting, so a rewrite holds a few MiB in memory, not a pack. */
    private static final long COPY_BATCH_BYTES = 4L * 1024 * 1024;

    /** What one collection did. */
    public record Outcome(int packsRewritten, int packsDeleted, int recordsDropped, long bytesFreed) {
    }

    private final ChunkStore store;
    private final Supplier<List<byte[]>> liveContents;
    private final long graceMs;

    /**
     * @param liveContents the content identities of every file the server holds
     * @param graceMs      packs written to more recently than this are not swept
     */
    StoreCollector(ChunkStore store, Supplier<List<byte[]>> liveContents, long graceMs) {
        this.store = store;
        this.liveContents = liveContents;
        this.graceMs = graceMs;
    }

    public synchronized Outcome collect() throws IOException {
        long before = store.sizeOnDisk();
        Set<ChunkKey> liveManifests = new HashSet<>();
        Set<ChunkKey> liveChunks = new HashSet<>();
        for (byte[] hash : liveContents.get()) {
            Manifest manifest = store.manifest(hash);
            if (manifest != null) {
                liveManifests.add(ChunkKey.of(hash));
                manifest.chunks().forEach(chunk -> liveChunks.add(ChunkKey.of(chunk.hash())));
            }
        }
        for (Manifest pending : store.pendingManifests()) {
            pending.chunks().forEach(chunk -> liveChunks.add(ChunkKey.of(chunk.hash())));
        }
        long horizon = System.currentTimeMillis() - graceMs;
        // Content no file holds any more (deleted, or an earlier version) is kept in its link for the grace period.
        store.placed.collect(liveManifests, horizon);
        int current = store.packs.current();
        if (current >= 0 && store.packs.lastModified(current) <= horizon && store.packs.size(current) > 0) {
            // The pack in use holds the newest dead records too: seal it, so it can be swept like the others.
            store.packs.roll();
        }
        int rewritten = 0;
        int deleted = 0;
        int dropped = 0;
        for (int pack : store.packs.sealed()) {
            if (store.packs.lastModified(pack) > horizon) {
                continue;
            }
            List<Map.Entry<ChunkKey, PackFiles.Location>> live = new ArrayList<>();
            List<Map.Entry<ChunkKey, PackFiles.Location>> dead = new ArrayList<>();
            long liveBytes = sort(store.chunks, liveChunks, pack, live, dead) + sort(store.manifests, liveManifests, pack, live, dead);
            long size = store.packs.size(pack);
            if (size == 0 || liveBytes > 0 && (size - liveBytes) * 100 < size * REWRITE_DEAD_PERCENT) {
                continue;
            }
            copy(live);
            store.rewriteLock.writeLock().lock();
            try {
                for (Map.Entry<ChunkKey, PackFiles.Location> entry : dead) {
                    // A one-chunk file's hash is also its chunk's: a key may be in both maps, each with its own record.
                    store.chunks.remove(entry.getKey(), entry.getValue());
                    store.manifests.remove(entry.getKey(), entry.getValue());
                }
                store.packs.delete(pack);
            } finally {
                store.rewriteLock.writeLock().unlock();
            }
            dropped += dead.size();
            if (live.isEmpty()) {
                deleted++;
            } else {
                rewritten++;
            }
        }
        return new Outcome(rewritten, deleted, dropped, Math.max(0, before - store.sizeOnDisk()));
    }

    /** Splits the records of one pack into live and dead; returns the live bytes. */
    private static long sort(Map<ChunkKey, PackFiles.Location> index, Set<ChunkKey> liveKeys, int pack,
                             List<Map.Entry<ChunkKey, PackFiles.Location>> live,
                             List<Map.Entry<ChunkKey, PackFiles.Location>> dead) {
        long bytes = 0;
        for (Map.Entry<ChunkKey, PackFiles.Location> entry : index.entrySet()) {
            if (entry.getValue().pack() == pack) {
                if (liveKeys.contains(entry.getKey())) {
                    live.add(Map.entry(entry.getKey(), entry.getValue()));
                    bytes += PackFiles.HEADER + entry.getValue().length();
                } else {
                    dead.add(Map.entry(entry.getKey(), entry.getValue()));
                }
            }
        }
        return bytes;
    }

    /** Appends the live records to the pack in use and points the index at the copies. */
    private void copy(List<Map.Entry<ChunkKey, PackFiles.Location>> live) throws IOException {
        for (int from = 0; from < live.size(); ) {
            List<Map.Entry<ChunkKey, PackFiles.Location>> slice = new ArrayList<>();
            long bytes = 0;
            while (from < live.size() && (slice.isEmpty() || bytes < COPY_BATCH_BYTES)) {
                slice.add(live.get(from));
                bytes += live.get(from++).getValue().length();
            }
            for (byte type : new byte[] {ChunkStore.CHUNK, ChunkStore.MANIFEST}) {
                Map<ChunkKey, PackFiles.Location> index = type == ChunkStore.CHUNK ? store.chunks : store.manifests;
                List<Map.Entry<ChunkKey, PackFiles.Location>> ofType = slice.stream()
                        .filter(entry -> entry.getValue().equals(index.get(entry.getKey()))).toList();
                List<byte[]> keys = new ArrayList<>();
                List<byte[]> payloads = new ArrayList<>();
                for (Map.Entry<ChunkKey, PackFiles.Location> entry : ofType) {
                    keys.add(entry.getKey().bytes());
                    payloads.add(store.packs.read(entry.getValue()));
                }
                if (keys.isEmpty()) {
                    continue;
                }
                List<PackFiles.Location> copies = store.append(keys, payloads, type);
                for (int i = 0; i < ofType.size(); i++) {
                    index.replace(ofType.get(i).getKey(), ofType.get(i).getValue(), copies.get(i));
                }
            }
        }
    }
}
