package io.filesync.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import io.filesync.core.observe.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.MessageFormatter;

/**
 * Sends the content of a batch of files, a few requests for the whole batch rather than several per file: the
 * files are chunked, offered by content hash (whole-file dedup), described by chunk list (a {@link ManifestDelta}
 * against the version the server holds, when this client knows it), then only the chunks the server lacks are
 * streamed in batches of bounded size, two requests in flight so that reading here overlaps storing there, and the
 * files are committed together. The groups of one send share one {@link ChunkUploader}: a group's batches are still
 * in flight while the next group is offered and described, and only its commit waits for them. The files of a group
 * that fit in {@link #RETAIN_BYTES} are read once: their bytes are chunked, hashed and sent from memory, so what is
 * sent is exactly what was hashed. Chunks of larger files are re-read and re-checked against their hash just before
 * they are sent, so a file changing meanwhile is never sent half old, half new.
 */
final class FileSender {

    private static final Logger LOG = LoggerFactory.getLogger(FileSender.class);

    private volatile Progress.Tally sentFiles = Progress.silent().tally(LOG, "Sync", "files sent");
    /** Below this many chunks a full chunk list is as small as a delta: no base needed. */
    private static final int DELTA_MIN_CHUNKS = ManifestCache.MIN_CHUNKS;
    /**
     * Content bytes of a group kept in memory from chunking to upload. Reading them again and hashing every chunk a
     * second time was a third of the client's time on a first upload; 16 MiB per group (at most two groups held at
     * once) bounds the memory it takes, and larger files are streamed as before. The files of a group are read one
     * after the other into one buffer of this size, reused group after group ({@link #memory}).
     */
    static final int RETAIN_BYTES = 16 * 1024 * 1024;
    /**
     * A group of up to this many files (a change seen by the watcher, a few files of a scan) names each file it sent
     * in a line of its own at INFO; a larger one (a first upload of a large tree) logs one summary line at INFO and
     * each file at DEBUG. A log event per file cost the client 0.6 to 0.8 s of CPU for 6,587 files, a tenth of its
     * whole first upload, and the server's audit table names each file anyway.
     */
    static final int NAMED_FILES = 10;
    /** Largest single read of a file into a group's buffer (see {@link #read}). */
    private static final int READ_PIECE = 256 * 1024;

    /**
     * A file to send: its path on the server, the file, its size when listed (it is read to its end whatever its size
     * then), its version, and what the server holds there (or null).
     */
    record Candidate(String path, Path file, long size, String version, String mine) {
    }

    /**
     * The hash part of the version remembered for a file the server refused on its own (a name it cannot hold): the
     * file is not offered again until its size or modification time changes.
     */
    static final String REFUSED = "refused";

    /**
     * What sending a file came to: the version to remember ({@code size|mtime|hash}), whether anything was sent, and
     * the server's reason when it refused the file on its own (then the version ends in {@link #REFUSED}), else null.
     */
    record Outcome(String path, String version, boolean sent, String refused) {

        Outcome(String path, String version, boolean sent) {
            this(path, version, sent, null);
        }

        static Outcome refused(Candidate file, String reason) {
            return new Outcome(file.path(), file.version() + REFUSED, false, reason);
        }
    }

    private final SyncTransport transport;
    private final Chunker chunker;
    private final ManifestCache cache;
    /** Upload batches: two in flight and one being filled per upload, and an upload may overlap the next group's. */
    private final BufferPool batches;
    /** The buffers groups' files are read into: one being chunked while the group before is being uploaded. */
    private final BufferPool memory = new BufferPool(RETAIN_BYTES, false, 2);
    private final AtomicLong filesHashed = new AtomicLong();
    private final AtomicLong filesSent = new AtomicLong();

    /**
     * @param cache      the chunk lists the server holds for this client's larger files
     * @param batchBytes largest chunk upload request; keep it well below the server's request limit
     */
    FileSender(SyncTransport transport, Chunker chunker, ManifestCache cache, int batchBytes) {
        this.transport = transport;
        this.chunker = chunker;
        this.cache = cache;
        this.batches = new BufferPool(batchBytes, true, 4);
    }

    long filesHashed() {
        return filesHashed.get();
    }

    /** Files whose content the server committed since start (sent by reference or not), for the metrics. */
    long filesSent() {
        return filesSent.get();
    }

    /** A group read and chunked, to be offered: its changed files, their chunk lists and, when kept, their bytes. */
    static final class Described {
        private final List<Outcome> unchanged = new ArrayList<>();
        private final List<Candidate> files = new ArrayList<>();
        private final List<Manifest> manifests = new ArrayList<>();
        /** Per file, its bytes as a view of {@link #held}, or null when it is re-read at upload. */
        private final List<ByteBuffer> contents = new ArrayList<>();
        private ByteBuffer held;
    }

    /** A group whose chunks went up and whose commit is still to come. */
    static final class Prepared {
        private final List<Outcome> outcomes = new ArrayList<>();
        private final Map<String, Manifest> held = new LinkedHashMap<>();
        private final List<Candidate> files = new ArrayList<>();
        private final List<Manifest> manifests = new ArrayList<>();
        private final List<ByteBuffer> contents = new ArrayList<>();
        private List<List<Integer>> missing = List.of();
        private long[] sent = new long[0];
        /** Done once the group's chunks are stored (see {@link ChunkUploader#seal}). */
        private CompletableFuture<Void> uploaded = CompletableFuture.completedFuture(null);
        /** Each file is logged at INFO (a small group), or at DEBUG under a summary line. */
        private boolean named = true;
        private int byReference;
        private long byReferenceBytes;
    }

    /** Sends a batch of files; a file gone since it was listed is left out of the outcomes. */
    List<Outcome> send(List<Candidate> candidates) throws IOException {
        return finish(prepare(describe(candidates)));
    }

    /** An uploader for the groups of one send, {@link ChunkUploader#release released} by its user at the end. */
    ChunkUploader uploads() {
        return new ChunkUploader(transport, batches, false);
    }

    /** Splits the files into groups of at most groupFiles files and groupBytes bytes (a larger file goes alone). */
    static List<List<Candidate>> groups(List<Candidate> files, int groupFiles, long groupBytes) {
        List<List<Candidate>> groups = new ArrayList<>();
        List<Candidate> group = new ArrayList<>();
        long bytes = 0;
        for (Candidate file : files) {
            long size = file.size();
            if (!group.isEmpty() && (group.size() >= groupFiles || bytes + size > groupBytes)) {
                groups.add(group);
                group = new ArrayList<>();
                bytes = 0;
            }
            group.add(file);
            bytes += size;
        }
        if (!group.isEmpty()) {
            groups.add(group);
        }
        return groups;
    }

    /**
     * Reads and chunks a group. Needs no server, so it may run while the group before is still uploading; an
     * unchanged file (touched only) is recognised here and never offered.
     */
    Described describe(List<Candidate> candidates) throws IOException {
        Described group = new Described();
        long retained = 0;
        for (Candidate candidate : candidates) {
            Manifest manifest = null;
            ByteBuffer content = null;
            try {
                long size = candidate.size();
                if (retained + size <= RETAIN_BYTES) {
                    if (group.held == null) {
                        group.held = memory.take();
                    }
                    content = read(candidate.file(), group.held, (int) retained, (int) size);
                }
                if (content != null) {
                    retained += content.remaining();
                    manifest = chunker.chunk(group.held.array(), content.arrayOffset() + content.position(), content.remaining());
                } else {
                    manifest = chunker.chunk(candidate.file());
                }
            } catch (NoSuchFileException e) {
                // Gone since the walk (an editor's temporary file): its deletion is queued and handled then.
                LOG.debug("Sync: {} vanished before it could be sent, skipped", candidate.path());
                continue;
            }
            filesHashed.incrementAndGet();
            if (candidate.mine() != null && candidate.mine().endsWith("|" + manifest.hex())) {
                LOG.debug("Sync: {} touched but unchanged, skipped", candidate.path());
                group.unchanged.add(new Outcome(candidate.path(), candidate.version() + manifest.hex(), false));
            } else {
                group.files.add(candidate);
                group.manifests.add(manifest);
                group.contents.add(content);
            }
        }
        return group;
    }

    /**
     * Reads a file into the buffer from {@code at} on, expecting {@code size} bytes. The JDK reads into a heap buffer
     * through a direct buffer of the read's size, which it keeps per thread only while no larger read comes: reads of
     * varying sizes (one per file, up to 16 MiB) had it allocate and zero a new one again and again, 0.2 s of the
     * client's CPU per GiB. Reads of at most {@link #READ_PIECE} bytes reuse one, small enough to stay in the CPU's
     * cache between its two copies.
     *
     * @return a view of its bytes in the buffer (fewer when it shrank meanwhile), or null when it grew meanwhile:
     *         it is then streamed, as a larger file is
     */
    private static ByteBuffer read(Path file, ByteBuffer into, int at, int size) throws IOException {
        int filled = 0;
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            while (filled < size) {
                int read = in.read(into.slice(at + filled, Math.min(READ_PIECE, size - filled)));
                if (read < 0) {
                    break;
                }
                filled += read;
            }
            if (in.size() > filled) {
                return null;
            }
        }
        return into.slice(at, filled);
    }

    /**
     * The first half of sending a group, which may overlap the {@link #finish} of the group before: the offer by
     * content hash, the chunk lists, and the upload of the chunks the server lacks. The buffer the group's files
     * were read into is given back at the end, whatever happens: its bytes are in upload batches by then.
     */
    Prepared prepare(Described described) throws IOException {
        ChunkUploader uploads = uploads();
        try {
            return prepare(described, uploads);
        } finally {
            uploads.release();
        }
    }

    /** {@link #prepare(Described)} on an uploader shared with the groups before and after this one. */
    Prepared prepare(Described described, ChunkUploader uploads) throws IOException {
        try {
            return prepareHeld(described, uploads);
        } finally {
            memory.give(described.held);
            described.held = null;
            Collections.fill(described.contents, null);
        }
    }

    private Prepared prepareHeld(Described described, ChunkUploader uploads) throws IOException {
        Prepared group = new Prepared();
        group.outcomes.addAll(described.unchanged);
        List<Candidate> offered = described.files;
        List<Manifest> manifests = described.manifests;
        if (offered.isEmpty()) {
            return group;
        }
        Map<Integer, String> refused = new TreeMap<>();
        List<Boolean> copied = transport.offer(refs(offered, manifests), refused);
        group.named = offered.size() <= NAMED_FILES;
        for (int i = 0; i < offered.size(); i++) {
            Manifest manifest = manifests.get(i);
            if (refused.containsKey(i)) {
                // Refused on its own (a name the server cannot hold): the rest of the group goes on without it.
                group.outcomes.add(Outcome.refused(offered.get(i), refused.get(i)));
            } else if (copied.get(i)) {
                logFile(group.named, 0, "sent {} ({} bytes) by reference: the server had its content, 0 content bytes sent",
                        SyncPaths.printable(offered.get(i).path()), manifest.size());
                group.byReference++;
                group.byReferenceBytes += manifest.size();
                group.held.put(offered.get(i).path(), manifest);
                group.outcomes.add(new Outcome(offered.get(i).path(), offered.get(i).version() + manifest.hex(), true));
            } else {
                group.files.add(offered.get(i));
                group.manifests.add(manifest);
                group.contents.add(described.contents.get(i));
            }
        }
        if (group.files.isEmpty()) {
            return group;
        }
        List<byte[]> lists = new ArrayList<>();
        for (int i = 0; i < group.files.size(); i++) {
            lists.add(chunkList(group.files.get(i), group.manifests.get(i)));
        }
        Map<Integer, String> refusedLists = new TreeMap<>();
        group.missing = new ArrayList<>(transport.missing(lists, refusedLists));
        resendFullLists(group.missing, group.manifests, refusedLists);
        dropRefused(group, refusedLists);
        if (group.files.isEmpty()) {
            return group;
        }
        group.sent = new long[group.files.size()];
        queue(group, uploads);
        // Later rounds (chunks collected meanwhile) are rare: they re-read the files, and the memory is free now.
        Collections.fill(group.contents, null);
        return group;
    }

    /**
     * The second half: waits for the group's chunks to be stored, then commits the group, sending again what a commit
     * still lacks, up to three rounds.
     */
    List<Outcome> finish(Prepared group) throws IOException {
        try {
            ChunkUploader.join(group.uploaded, transport.base());
        } catch (SyncTransport.ChunkRefused refused) {
            uploadChecked(group, refused);
        }
        List<Candidate> files = group.files;
        boolean[] done = new boolean[files.size()];
        for (int round = 0; round < 3 && !files.isEmpty(); round++) {
            if (round > 0) {
                upload(group);
            }
            List<SyncServer.FileRef> pending = new ArrayList<>();
            List<Integer> positions = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                if (!done[i]) {
                    pending.add(new SyncServer.FileRef(files.get(i).path(), group.manifests.get(i).hex()));
                    positions.add(i);
                }
            }
            if (pending.isEmpty()) {
                break;
            }
            Map<Integer, String> refused = new TreeMap<>();
            List<List<Integer>> answers = transport.commit(pending, refused);
            for (int k = 0; k < positions.size(); k++) {
                int i = positions.get(k);
                if (refused.containsKey(k)) {
                    done[i] = true;
                    group.outcomes.add(Outcome.refused(files.get(i), refused.get(k)));
                    continue;
                }
                List<Integer> answer = answers.get(k);
                if (answer == null) {
                    // The server lost the chunk list (a restart): describe the file again.
                    answer = transport.missing(List.of(group.manifests.get(i).encode())).get(0);
                    if (answer.isEmpty()) {
                        continue;
                    }
                }
                group.missing.set(i, answer);
                if (answer.isEmpty()) {
                    done[i] = true;
                    filesSent.incrementAndGet();
                    logFile(group.named, group.sent[i], "sent {}: {} of {} bytes", SyncPaths.printable(files.get(i).path()), group.sent[i],
                            group.manifests.get(i).size());
                    group.held.put(files.get(i).path(), group.manifests.get(i));
                    group.outcomes.add(new Outcome(files.get(i).path(), files.get(i).version() + group.manifests.get(i).hex(), true));
                }
            }
        }
        for (boolean fileDone : done) {
            if (!fileDone) {
                throw new SyncTransport.Unavailable("server still lacks chunks of files after three rounds", null);
            }
        }
        cache.putAll(group.held);
        if (!group.named) {
            long size = 0;
            long content = 0;
            for (int i = 0; i < files.size(); i++) {
                size += group.manifests.get(i).size();
                content += group.sent[i];
            }
            LOG.info("Sync: sent a group of {} files, {} of {} bytes, and {} files ({} bytes) by reference, 0 content"
                    + " bytes; each file is logged at DEBUG (logger {})", files.size(), content, size, group.byReference,
                    group.byReferenceBytes, FileSender.class.getName());
        }
        return group.outcomes;
    }

    /**
     * A line for one file sent: in a small group through the tally (INFO, summarised per interval when many small
     * groups follow each other), at DEBUG under its group's summary in a larger one.
     */
    private void logFile(boolean named, long bytes, String format, Object... arguments) {
        if (named) {
            sentFiles.completed(MessageFormatter.arrayFormat(format, arguments).getMessage(), 1, bytes);
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("Sync: " + format, arguments);
        }
    }

    /** Says the files sent through the context's progress reporter. */
    void sayThrough(Progress progress) {
        sentFiles = progress.tally(LOG, "Sync", "files sent");
    }

    /**
     * Queues what each file of the group lacks on the shared uploader; {@link #finish} waits for it. Chunks re-read from
     * their files are not hashed again here: the server checks every chunk. When it refuses one (a file changed since
     * it was chunked, or bytes corrupted on the way), the group is uploaded again with the re-read chunks checked
     * here, which names the changed file: it is then sent in its next version, and an unchanged group goes through. A
     * refusal seen while queuing may be the group before's, which deals with its own: this group goes again checked.
     */
    private void queue(Prepared group, ChunkUploader uploads) throws IOException {
        try {
            add(group, uploads);
            group.uploaded = uploads.seal();
        } catch (SyncTransport.ChunkRefused refused) {
            uploadChecked(group, refused);
        }
    }

    /** Uploads what each file of the group still lacks, and waits for it (see {@link #queue}). */
    private void upload(Prepared group) throws IOException {
        try {
            upload(group, false);
        } catch (SyncTransport.ChunkRefused refused) {
            uploadChecked(group, refused);
        }
    }

    /** After a refusal: the group again, its re-read chunks checked here, which names a file that changed. */
    private void uploadChecked(Prepared group, SyncTransport.ChunkRefused refused) throws IOException {
        LOG.info("Sync: {}; checking the group's files against their chunk lists and sending again", refused.getMessage());
        upload(group, true);
    }

    private void upload(Prepared group, boolean verify) throws IOException {
        ChunkUploader uploader = new ChunkUploader(transport, batches, verify);
        add(group, uploader);
        uploader.flush();
    }

    /** Queues on the uploader what each file of the group still lacks. */
    private static void add(Prepared group, ChunkUploader uploader) throws IOException {
        for (int i = 0; i < group.files.size(); i++) {
            List<Integer> missing = group.missing.get(i);
            if (missing != null && !missing.isEmpty()) {
                group.sent[i] += uploader.add(group.files.get(i).file(), group.manifests.get(i), missing, group.contents.get(i));
            }
        }
    }

    /** A delta against the version the server holds when this client still has its chunk list, else the full list. */
    private byte[] chunkList(Candidate file, Manifest manifest) throws IOException {
        String mine = file.mine();
        String serverHash = mine == null ? null : mine.substring(mine.lastIndexOf('|') + 1);
        if (serverHash != null && serverHash.length() == 2 * Manifest.HASH_BYTES && manifest.chunks().size() > DELTA_MIN_CHUNKS) {
            Manifest base = cache.get(file.path(), serverHash);
            if (base != null) {
                return ManifestDelta.encode(manifest, base);
            }
        }
        return manifest.encode();
    }

    /**
     * Files whose chunk list the server refused on their own (above its size limit) leave the group, each with its
     * refusal as its outcome.
     */
    private static void dropRefused(Prepared group, Map<Integer, String> refused) {
        List<Integer> descending = new ArrayList<>(refused.keySet());
        Collections.reverse(descending);
        for (int i : descending) {
            group.outcomes.add(Outcome.refused(group.files.get(i), refused.get(i)));
            group.files.remove(i);
            group.manifests.remove(i);
            group.contents.remove(i);
            group.missing.remove(i);
        }
    }

    /** Where the server did not know a delta's base, the full list goes instead (refusals of those added). */
    private void resendFullLists(List<List<Integer>> missing, List<Manifest> manifests, Map<Integer, String> refused)
            throws IOException {
        List<Integer> unknown = new ArrayList<>();
        for (int i = 0; i < missing.size(); i++) {
            if (missing.get(i) == null) {
                unknown.add(i);
            }
        }
        if (unknown.isEmpty()) {
            return;
        }
        Map<Integer, String> again = new TreeMap<>();
        List<List<Integer>> answers = transport.missing(unknown.stream().map(i -> manifests.get(i).encode()).toList(), again);
        for (int k = 0; k < unknown.size(); k++) {
            missing.set(unknown.get(k), answers.get(k));
        }
        again.forEach((k, reason) -> refused.put(unknown.get(k), reason));
    }

    private static List<SyncServer.FileRef> refs(List<Candidate> files, List<Manifest> manifests) {
        List<SyncServer.FileRef> refs = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            refs.add(new SyncServer.FileRef(files.get(i).path(), manifests.get(i).hex()));
        }
        return refs;
    }
}
