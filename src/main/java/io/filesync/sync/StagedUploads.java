package io.filesync.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads written straight into the file they are to become. When a client describes a content and the server lacks
 * some of its chunks, the content gets a staging file in the store; each uploaded chunk a staging file wants is
 * written there at its offset, instead of being appended to a pack and copied out again at the commit. The commit
 * ({@link FileAssembler}) fills in the chunks the server already held, checks the file's size, and renames the
 * staging file into place: new content is written once, and hashed once, on the server. A large file is written past
 * the page cache ({@link DirectWrites}) until it is complete or read; a chunk is placed in the index only once all its
 * bytes are on disk.
 * <p>
 * A chunk is written here only after its hash was checked ({@link ChunkStore#putAll}), and nothing becomes visible
 * under the root before every chunk of its list is in place, each checked against its hash. Staging files left by a crash are deleted at start: the
 * chunk lists they belonged to were in memory and are gone too, so the client describes its files again and sends
 * what the server lacks.
 */
final class StagedUploads {

    private static final Logger LOG = LoggerFactory.getLogger(StagedUploads.class);

    /**
     * One content being uploaded: its chunk list, its staging file, and which of its chunks are written there. A
     * chunk is written only after its hash was checked, so the commit need not read any of them back: the file's
     * identity is the chunk list's ({@link Manifest#identity}).
     */
    static final class Staged {
        final Manifest manifest;
        final Path file;
        private final BitSet written = new BitSet();
        private long bytes;
        private boolean taken;
        /** While the file is written with direct I/O: its state; null once it goes through the page cache. */
        private DirectWrites.Writing direct;
        /** Chunks written some of whose bytes still wait in memory for direct I/O: placed in the index once on disk. */
        private final List<Integer> unplaced = new ArrayList<>();

        private Staged(Manifest manifest, Path file, DirectWrites.Writing direct) {
            this.manifest = manifest;
            this.file = file;
            this.direct = direct;
        }

        synchronized boolean written(int index) {
            return written.get(index);
        }

        /** Whether all of the list's chunks are written here: the file is then complete, and exactly its size. */
        synchronized boolean writtenAll(int chunks) {
            return written.cardinality() == chunks;
        }
    }

    /** A chunk a staging file waits for, by its index in that file's chunk list. */
    private record Want(Staged staged, int index) {
    }

    private final Path directory;
    private final DirectWrites direct;
    private final Map<ChunkKey, Staged> byContent = new HashMap<>();
    private final Map<ChunkKey, Set<Want>> wanted = new HashMap<>();
    /**
     * Chunks written into a staging file but not yet placed in the index (some of their bytes wait in memory for direct
     * I/O), by the file that holds them: the server holds them, so another file's list must not ask for them again.
     */
    private final Map<ChunkKey, Staged> waiting = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong names = new AtomicLong();

    /** @param directIo whether large files are written with direct I/O where the file system takes it */
    StagedUploads(Path directory, boolean directIo) throws IOException {
        this.directory = directory;
        Files.createDirectories(directory);
        try (Stream<Path> leftovers = Files.list(directory)) {
            for (Path leftover : (Iterable<Path>) leftovers::iterator) {
                Files.deleteIfExists(leftover);
            }
        }
        this.direct = directIo ? DirectWrites.probe(directory) : DirectWrites.off();
    }

    /** Whether large files are written with direct I/O here. */
    boolean directIo() {
        return direct.enabled();
    }

    /** Bytes written with direct I/O so far. */
    long directBytes() {
        return direct.bytesWritten();
    }

    /** The staging folder: the store's, trusted, where every file is completed before it is put in place. */
    Path directory() {
        return directory;
    }

    /** Chunk bytes in staging files not yet committed: part of what the store holds. */
    long bytes() {
        return bytes.get();
    }

    /** Gives a content a client described a staging file for the chunks the server lacks. */
    synchronized void stage(Manifest manifest, List<Integer> missing) {
        if (missing.isEmpty()) {
            return;
        }
        ChunkKey key = ChunkKey.of(manifest.hash());
        Staged staged = byContent.get(key);
        if (staged != null && !staged.manifest.equals(manifest)) {
            // Another cut of the same content: the latest description is the one its commit will use.
            discard(take(manifest.hash()));
            staged = null;
        }
        if (staged == null) {
            staged = new Staged(manifest, directory.resolve(manifest.hex() + "-" + names.incrementAndGet() + ".part"),
                    direct.start(manifest.size()));
            byContent.put(key, staged);
        }
        want(staged, missing);
    }

    private void want(Staged staged, List<Integer> indexes) {
        for (int index : indexes) {
            wanted.computeIfAbsent(ChunkKey.of(staged.manifest.chunks().get(index).hash()), k -> new LinkedHashSet<>())
                    .add(new Want(staged, index));
        }
    }

    /**
     * Writes each checked upload into every staging file that waits for it, and records where it now lies.
     *
     * @return the uploads no staging file wanted (or whose file was taken by its commit meanwhile), for the packs
     */
    List<ChunkStore.Upload> write(List<ChunkStore.Upload> uploads, PlacedChunks placed) throws IOException {
        Map<Staged, List<Want>> byFile = new LinkedHashMap<>();
        Map<Want, ChunkStore.Upload> chunks = new HashMap<>();
        List<ChunkStore.Upload> unwanted = new ArrayList<>();
        synchronized (this) {
            for (ChunkStore.Upload upload : uploads) {
                Set<Want> wants = wanted.remove(ChunkKey.of(upload.hash()));
                if (wants == null) {
                    unwanted.add(upload);
                    continue;
                }
                for (Want want : wants) {
                    byFile.computeIfAbsent(want.staged(), s -> new ArrayList<>()).add(want);
                    chunks.put(want, upload);
                }
            }
        }
        for (Map.Entry<Staged, List<Want>> file : byFile.entrySet()) {
            if (!writeInto(file.getKey(), file.getValue(), chunks, placed)) {
                file.getValue().forEach(want -> unwanted.add(chunks.get(want)));
            }
        }
        return unwanted;
    }

    private boolean writeInto(Staged staged, List<Want> wants, Map<Want, ChunkStore.Upload> chunks, PlacedChunks placed)
            throws IOException {
        synchronized (staged) {
            if (staged.taken) {
                return false;
            }
            wants.sort(Comparator.comparingInt(Want::index));
            List<Manifest.Chunk> list = staged.manifest.chunks();
            try (FileChannel out = FileChannel.open(staged.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                // Each run of consecutive chunks goes in one write, from where the request body holds them (Netty
                // receives a body in pieces, so a chunk spans several): with direct I/O while the file is written
                // that way, else in one gathering write through the page cache (a direct buffer goes to the kernel
                // without a copy). A write per chunk began and ended mid-page most times, and the file system zeroed
                // the rest of each new block it began in before filling it: 0.7 s per GiB, on top of 2.3 s of
                // copying. This channel is this call's own, so moving its position is safe.
                int first = 0;
                while (first < wants.size()) {
                    int end = first + 1;
                    while (end < wants.size() && wants.get(end).index() == wants.get(end - 1).index() + 1) {
                        end++;
                    }
                    List<Want> run = wants.subList(first, end);
                    long offset = list.get(run.get(0).index()).offset();
                    long length = 0;
                    for (Want want : run) {
                        length += chunks.get(want).length();
                    }
                    if (!writtenDirect(staged, run, chunks, offset, length)) {
                        settle(staged, out, placed);
                        ByteBuffer[] buffers = buffers(run, chunks);
                        out.position(offset);
                        for (long left = length; left > 0; ) {
                            left -= out.write(buffers);
                        }
                    }
                    for (Want want : run) {
                        Manifest.Chunk chunk = list.get(want.index());
                        staged.written.set(want.index());
                        staged.bytes += chunk.length();
                        bytes.addAndGet(chunk.length());
                        staged.unplaced.add(want.index());
                    }
                    first = end;
                }
                if (staged.direct != null && staged.direct.complete()) {
                    settle(staged, out, placed);
                } else {
                    place(staged, placed);
                }
                for (int index : staged.unplaced) {
                    waiting.put(ChunkKey.of(list.get(index).hash()), staged);
                }
            }
            return true;
        }
    }

    /** Writes a run with direct I/O if the file is still written that way and takes it. */
    private static boolean writtenDirect(Staged staged, List<Want> run, Map<Want, ChunkStore.Upload> chunks, long offset,
                                         long length) {
        if (staged.direct == null) {
            return false;
        }
        try {
            return staged.direct.write(staged.file, offset, buffers(run, chunks), length);
        } catch (IOException e) {
            LOG.warn("Sync server: a direct write to {} failed ({}); the file is written through the page cache",
                    staged.file.getFileName(), e.toString());
            return false;
        }
    }

    private static ByteBuffer[] buffers(List<Want> run, Map<Want, ChunkStore.Upload> chunks) {
        List<ByteBuffer> buffers = new ArrayList<>();
        for (Want want : run) {
            buffers.addAll(Arrays.asList(chunks.get(want).buffers()));
        }
        return buffers.toArray(ByteBuffer[]::new);
    }

    /**
     * Ends direct I/O for a staging file, if it was on: the blocks waiting in memory are written the ordinary way, so
     * the file holds every byte written to it, and every chunk written is placed in the index. Before the file is
     * read, completed or put in place, and before bytes are written to it through the page cache.
     */
    void settle(Staged staged, PlacedChunks placed) throws IOException {
        synchronized (staged) {
            if (staged.direct != null && staged.unplaced.isEmpty()) {
                // Nothing waits in memory: nothing to write.
                staged.direct = null;
            }
            if (staged.direct != null) {
                try (FileChannel out = FileChannel.open(staged.file, StandardOpenOption.WRITE)) {
                    settle(staged, out, placed);
                }
            }
        }
    }

    /** {@link #settle(Staged, PlacedChunks)} for the staging file of this content, if it has one. */
    void settle(byte[] contentHash, PlacedChunks placed) throws IOException {
        Staged staged;
        synchronized (this) {
            staged = byContent.get(ChunkKey.of(contentHash));
        }
        if (staged != null) {
            settle(staged, placed);
        }
    }

    /**
     * Settles the staging file that holds this chunk with some of its bytes still in memory, if one does: the chunk
     * is then placed in the index, and can be read.
     *
     * @return whether a staging file held it so
     */
    boolean settleWaiting(byte[] chunkHash, PlacedChunks placed) throws IOException {
        Staged staged = waiting.get(ChunkKey.of(chunkHash));
        if (staged == null) {
            return false;
        }
        try {
            settle(staged, placed);
        } catch (NoSuchFileException e) {
            return false; // discarded meanwhile: its chunks are gone with it
        }
        return true;
    }

    private void settle(Staged staged, FileChannel out, PlacedChunks placed) throws IOException {
        if (staged.direct != null) {
            staged.direct.flush(out);
            staged.direct = null;
        }
        place(staged, placed);
    }

    /** Places in the index the chunks written to the staging file whose bytes are all on disk. */
    private void place(Staged staged, PlacedChunks placed) {
        List<Manifest.Chunk> list = staged.manifest.chunks();
        staged.unplaced.removeIf(index -> {
            Manifest.Chunk chunk = list.get(index);
            if (staged.direct != null && !staged.direct.onDisk(chunk.offset(), chunk.length())) {
                return false;
            }
            placed.put(chunk.hash(), new PlacedChunks.Place(staged.file, chunk.offset(), chunk.length()));
            waiting.remove(ChunkKey.of(chunk.hash()), staged);
            return true;
        });
    }

    /** Hands a content's staging file to its commit; no upload is written into it any more. Null when it has none. */
    synchronized Staged take(byte[] contentHash) {
        Staged staged = byContent.remove(ChunkKey.of(contentHash));
        if (staged == null) {
            return null;
        }
        List<Manifest.Chunk> list = staged.manifest.chunks();
        for (int i = 0; i < list.size(); i++) {
            ChunkKey key = ChunkKey.of(list.get(i).hash());
            Set<Want> wants = wanted.get(key);
            if (wants != null && wants.remove(new Want(staged, i)) && wants.isEmpty()) {
                wanted.remove(key);
            }
        }
        synchronized (staged) {
            staged.taken = true;
        }
        return staged;
    }

    /** Gives a staging file back after a commit found chunks missing: it waits for them. */
    synchronized void putBack(Staged staged, List<Integer> missing) {
        if (byContent.putIfAbsent(ChunkKey.of(staged.manifest.hash()), staged) != null) {
            discard(staged);
            return;
        }
        synchronized (staged) {
            staged.taken = false;
        }
        want(staged, missing);
    }

    /** The staging file was renamed into place: its bytes are the root's now. */
    void committed(Staged staged) {
        bytes.addAndGet(-staged.bytes);
    }

    /** Deletes a taken staging file (its content did not match, or its chunk list was forgotten). */
    void discard(Staged staged) {
        if (staged == null) {
            return;
        }
        bytes.addAndGet(-staged.bytes);
        // Its chunks waiting in memory go with it: nothing holds them any more.
        waiting.values().removeIf(holder -> holder == staged);
        try {
            Files.deleteIfExists(staged.file);
        } catch (IOException e) {
            // Deleted at the next start at the latest; nothing refers to it any more.
        }
    }
}
