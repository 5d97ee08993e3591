package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.filesync.core.error.BadInputException;
import org.junit.jupiter.api.Test;

/** The sync server as a plain class: chunk store integrity, assemble-and-rename, dedup, and path confinement. */
class SyncServerTest extends SyncServerTestSupport {

    @Test
    void aFileIsCommittedOnlyOnceEveryChunkIsThereAndItsHashMatches() throws IOException {
        byte[] content = SyncChunkerTest.random(1_000_000, 11);
        Manifest manifest = chunker.chunk(new ByteArrayInputStream(content));
        List<Integer> missing = server.missing("c", List.of(manifest.encode())).get(0);
        assertThat(missing).hasSize(manifest.chunks().size());

        upload(manifest, content, missing.subList(1, missing.size()));
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("x/file.bin", manifest.hex()))).get(0)).containsExactly(0);
        assertThat(work.resolve("root/x/file.bin")).doesNotExist();

        upload(manifest, content, List.of(0));
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("x/file.bin", manifest.hex()))).get(0)).isEmpty();
        assertThat(work.resolve("root/x/file.bin")).hasBinaryContent(content);
        assertThat(server.list()).extracting(SyncServer.Entry::path, SyncServer.Entry::hash)
                .contains(org.assertj.core.groups.Tuple.tuple("x/file.bin", manifest.hex()));
        try (var files = Files.list(work.resolve("root/x"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("file.bin");
        }
    }

    @Test
    void aBatchAssembledInParallelPlacesEveryFileUnderTheIdentityTheClientComputed() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            SyncServer parallel = new SyncServer(work.resolve("root"), store, dataSource, 1L << 30, false, pool);
            List<SyncServer.FileRef> files = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                byte[] content = SyncChunkerTest.random(20_000 + i * 1000, 100 + i);
                Manifest manifest = chunker.chunk(content);
                upload(manifest, content, parallel.missing("c", List.of(manifest.encode())).get(0));
                files.add(new SyncServer.FileRef("batch/f" + i + ".bin", manifest.hex()));
            }

            assertThat(parallel.commit("c", files)).allMatch(List::isEmpty);

            try (var placed = Files.list(work.resolve("root/batch"))) {
                assertThat(placed.map(p -> p.getFileName().toString())).hasSize(40)
                        .noneMatch(name -> name.startsWith(FileAssembler.TEMP_PREFIX));
            }
            assertThat(parallel.list()).filteredOn(entry -> entry.hash() != null).extracting(SyncServer.Entry::path,
                    SyncServer.Entry::hash).containsExactlyInAnyOrderElementsOf(files.stream()
                    .map(file -> org.assertj.core.groups.Tuple.tuple(file.path(), file.hash())).toList());
            assertThat(work.resolve("root/batch/f7.bin")).hasBinaryContent(SyncChunkerTest.random(27_000, 107));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aChunkListUnderAnIdentityItsChunksDoNotAddUpToIsRefusedAndNothingIsPlacedOrOfferedUnderIt() throws IOException {
        // Genuine chunks under the plain SHA-256 of the file: what a lying (or outdated) client would send.
        byte[] content = SyncChunkerTest.random(30_000, 99);
        Manifest real = chunker.chunk(content);
        byte[] lie = real.encode();
        byte[] claimed = Chunker.sha256().digest(content);
        System.arraycopy(claimed, 0, lie, 4, Manifest.HASH_BYTES);

        assertThatThrownBy(() -> server.missing("c", List.of(lie))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("chunk list refused").hasMessageContaining("identity");
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("lie.bin", Manifest.hex(claimed))))).containsExactly((List<Integer>) null);
        assertThat(server.offer("c", List.of(new SyncServer.FileRef("lie.bin", Manifest.hex(claimed))))).containsExactly(false);
        assertThat(work.resolve("root/lie.bin")).doesNotExist();
    }

    @Test
    void aPlacedFileIsLinkedUnderItsIdentityAndTheLinkFollowsTheLatestCopyWithNoTemporaryLeft() throws IOException {
        byte[] content = SyncChunkerTest.random(300_000, 15);
        Manifest manifest = chunker.chunk(content);
        upload(manifest, content, server.missing("c", List.of(manifest.encode())).get(0));
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("first.bin", manifest.hex()))).get(0)).isEmpty();
        Path link = work.resolve("store/contents/" + manifest.hex());
        assertThat(Files.isSameFile(link, work.resolve("root/first.bin"))).isTrue();
        assertThat(server.list()).filteredOn(entry -> entry.path().equals("first.bin"))
                .extracting(SyncServer.Entry::size).containsExactly((long) content.length);

        assertThat(server.offer("c", List.of(new SyncServer.FileRef("second.bin", manifest.hex())))).containsExactly(true);
        assertThat(Files.isSameFile(link, work.resolve("root/second.bin"))).isTrue();
        assertThat(work.resolve("root/second.bin")).hasBinaryContent(content);
        try (var links = Files.list(work.resolve("store/contents"))) {
            assertThat(links.map(p -> p.getFileName().toString())).containsExactly(manifest.hex());
        }
    }

    @Test
    void knownContentIsCopiedLocallyUnderANewName() throws IOException {
        byte[] content = SyncChunkerTest.random(400_000, 12);
        Manifest manifest = chunker.chunk(new ByteArrayInputStream(content));
        assertThat(server.offer("c", List.of(new SyncServer.FileRef("copy.bin", manifest.hex()))).get(0)).isFalse();
        upload(manifest, content, server.missing("c", List.of(manifest.encode())).get(0));
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("first.bin", manifest.hex()))).get(0)).isEmpty();

        assertThat(server.offer("c", List.of(new SyncServer.FileRef("copy.bin", manifest.hex()))).get(0)).isTrue();
        assertThat(work.resolve("root/copy.bin")).hasBinaryContent(content);
        assertThat(server.audit().entries()).extracting(SyncAudit.Entry::operation, SyncAudit.Entry::bytesReceived)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("commit", 400_000L),
                        org.assertj.core.groups.Tuple.tuple("copy", 0L));
    }

    @Test
    void aChunkWhoseBytesDoNotMatchItsHashIsNeverStored() throws IOException {
        byte[] good = SyncChunkerTest.random(50_000, 13);
        byte[] hash = Chunker.sha256().digest(good);
        byte[] poisoned = SyncChunkerTest.random(50_000, 14);
        assertThatThrownBy(() -> server.chunk("evil", Manifest.hex(hash), poisoned))
                .isInstanceOf(BadInputException.class).hasMessageContaining("do not match its hash");
        assertThat(store.has(hash)).isFalse();
    }

    @Test
    void aNameTheServerCannotHoldIsRefusedOnItsOwnAndTheRestOfTheBatchIsPlaced() throws IOException {
        byte[] content = SyncChunkerTest.random(200_000, 21);
        Manifest manifest = chunker.chunk(new ByteArrayInputStream(content));
        upload(manifest, content, server.missing("c", List.of(manifest.encode())).get(0));
        String reserved = "odd/" + FileAssembler.TEMP_PREFIX + "mine.bin";
        List<SyncServer.FileRef> batch = List.of(new SyncServer.FileRef("odd/new\nline\\back.bin", manifest.hex()),
                new SyncServer.FileRef(reserved, manifest.hex()), new SyncServer.FileRef("   ", manifest.hex()));

        java.util.Map<Integer, String> refused = new java.util.TreeMap<>();
        assertThat(server.commit("c", batch, refused)).containsExactly(List.of(), List.of(), List.of());
        assertThat(refused).containsOnlyKeys(1).hasValueSatisfying(new org.assertj.core.api.Condition<>(
                reason -> reason.contains("temporary files"), "names the reserved prefix"));
        assertThat(work.resolve("root/odd/new\nline\\back.bin")).hasBinaryContent(content);
        // A name of only spaces at the top: a path that is blank, not empty.
        assertThat(work.resolve("root/   ")).hasBinaryContent(content);
        assertThat(work.resolve("root").resolve(reserved)).doesNotExist();
        assertThat(server.audit().entries()).filteredOn(entry -> entry.operation().equals("refused"))
                .extracting(SyncAudit.Entry::path).containsExactly(reserved);

        refused.clear();
        assertThat(server.offer("c", List.of(new SyncServer.FileRef(reserved, manifest.hex()),
                new SyncServer.FileRef("odd/copy", manifest.hex())), refused)).containsExactly(false, true);
        assertThat(refused).containsOnlyKeys(0);
        java.util.Map<String, String> folders = new java.util.LinkedHashMap<>();
        server.tree().mkdirs("c", List.of("f/" + FileAssembler.TEMP_PREFIX + "x", "f/\t\r ok"), folders);
        assertThat(folders).containsOnlyKeys("f/" + FileAssembler.TEMP_PREFIX + "x");
        assertThat(work.resolve("root/f/\t\r ok")).isDirectory();
    }

    @Test
    void aPathTooLongForThisServerIsRefusedOnItsOwnAndTheListingStillWorks() throws IOException {
        byte[] content = SyncChunkerTest.random(2_000, 22);
        Manifest manifest = chunker.chunk(new ByteArrayInputStream(content));
        upload(manifest, content, server.missing("c", List.of(manifest.encode())).get(0));
        StringBuilder tooLong = new StringBuilder("long");
        while (work.resolve("root").resolve(tooLong.toString()).toString().length() <= SyncServerTree.MAX_PATH_BYTES) {
            tooLong.append('/').append("m".repeat(200));
        }

        java.util.Map<Integer, String> refused = new java.util.TreeMap<>();
        server.commit("c", List.of(new SyncServer.FileRef(tooLong + "/file.bin", manifest.hex())), refused);
        java.util.Map<String, String> folders = new java.util.TreeMap<>();
        server.tree().mkdirs("c", List.of(tooLong.toString(), "long/fits"), folders);

        assertThat(refused).containsOnlyKeys(0).allSatisfy((index, reason) -> assertThat(reason).contains("too long"));
        assertThat(folders).containsOnlyKeys(tooLong.toString());
        assertThat(server.list()).extracting(SyncServer.Entry::path).containsExactly("long", "long/fits");
    }

    @Test
    void movesDeletesAndFoldersStayInsideTheRoot() throws IOException {
        server.tree().mkdir("c", "a/b");
        Files.writeString(work.resolve("root/a/b/f.txt"), "x");
        assertThat(server.tree().move("c", "a", "z/renamed")).isTrue();
        assertThat(work.resolve("root/z/renamed/b/f.txt")).hasContent("x");
        assertThat(server.tree().move("c", "not-there", "y")).isFalse();
        assertThatThrownBy(() -> server.tree().move("c", "z", "z/renamed/inside")).isInstanceOf(BadInputException.class);
        for (String hostile : List.of("../x", "/abs", "a/../../x", "a//x", "a/./x", "x/", "nul\0x", ".filesync-sync-x")) {
            assertThatThrownBy(() -> server.tree().mkdir("c", hostile)).as(hostile).isInstanceOf(BadInputException.class);
            assertThatThrownBy(() -> server.tree().delete("c", hostile)).as(hostile).isInstanceOf(BadInputException.class);
        }
        server.tree().delete("c", "z");
        assertThat(work.resolve("root/z")).doesNotExist();
        assertThat(work.resolve("root")).exists();
    }

    @Test
    void garbageCollectionForgetsWhatNoFileRefersToAndKeepsWhatAnUploadInProgressSent() throws IOException {
        byte[] kept = SyncChunkerTest.random(300_000, 15);
        byte[] doomed = SyncChunkerTest.random(900_000, 16);
        byte[] inProgress = SyncChunkerTest.random(200_000, 17);
        for (var file : List.of(java.util.Map.entry("kept.bin", kept), java.util.Map.entry("doomed.bin", doomed))) {
            Manifest manifest = chunker.chunk(new ByteArrayInputStream(file.getValue()));
            upload(manifest, file.getValue(), server.missing("c", List.of(manifest.encode())).get(0));
            assertThat(server.commit("c", List.of(new SyncServer.FileRef(file.getKey(), manifest.hex()))).get(0)).isEmpty();
        }
        Manifest pending = chunker.chunk(new ByteArrayInputStream(inProgress));
        upload(pending, inProgress, server.missing("c", List.of(pending.encode())).get(0));
        // A chunk no upload waits for is kept in the packs, where nothing refers to it.
        byte[] stray = SyncChunkerTest.random(50_000, 20);
        byte[] strayHash = Chunker.sha256().digest(stray);
        server.chunk("c", Manifest.hex(strayHash), stray);
        server.tree().delete("c", "doomed.bin");
        long before = store.sizeOnDisk();

        StoreCollector.Outcome outcome = new StoreCollector(store, server::liveContents, 0).collect();

        assertThat(outcome.bytesFreed()).isGreaterThanOrEqualTo(stray.length);
        assertThat(store.sizeOnDisk()).isLessThan(before - stray.length + 1);
        assertThat(store.has(strayHash)).isFalse();
        Manifest doomedManifest = chunker.chunk(new ByteArrayInputStream(doomed));
        assertThat(doomedManifest.chunks()).noneMatch(chunk -> store.has(chunk.hash()));
        assertThat(store.manifest(doomedManifest.hash())).isNull();
        // What a file refers to, and what an upload in progress sent, survive; the commit still works.
        Manifest keptManifest = chunker.chunk(new ByteArrayInputStream(kept));
        assertThat(store.complete(keptManifest)).isTrue();
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("late.bin", pending.hex()))).get(0)).isEmpty();
        assertThat(work.resolve("root/late.bin")).hasBinaryContent(inProgress);
        assertThat(server.offer("c", List.of(new SyncServer.FileRef("again.bin", keptManifest.hex())))).containsExactly(true);

        // Restarted, the store knows the chunk lists from its packs, and where chunks lie from the files it holds.
        restart();
        assertThat(store.complete(keptManifest)).isTrue();
        assertThat(doomedManifest.chunks()).noneMatch(chunk -> store.has(chunk.hash()));
    }

    @Test
    void anUploadIsWrittenOnceIntoItsFileAndItsChunksAreFoundThereAfterARestart() throws IOException {
        byte[] content = SyncChunkerTest.random(2_000_000, 30);
        Manifest manifest = uploadAndCommit("first.bin", content);
        assertThat(work.resolve("root/first.bin")).hasBinaryContent(content);
        // The packs hold the chunk list, not a second copy of the content; no staging file is left.
        assertThat(store.sizeOnDisk()).isLessThan(100_000);
        try (var staging = Files.list(work.resolve("store/staging"))) {
            assertThat(staging).isEmpty();
        }

        restart();
        assertThat(server.offer("c", List.of(new SyncServer.FileRef("copy.bin", manifest.hex())))).containsExactly(true);
        assertThat(work.resolve("root/copy.bin")).hasBinaryContent(content);
        assertThat(server.chunkBytesReceived()).isZero();
    }

    @Test
    void aChunkInAFileChangedBehindTheServersBackIsSentAgainNeverAssembledWrong() throws IOException {
        byte[] content = SyncChunkerTest.random(1_000_000, 31);
        Manifest manifest = uploadAndCommit("first.bin", content);
        // Someone edits the server's copy in place: same size, one byte changed.
        int at = 600_000;
        try (var file = new java.io.RandomAccessFile(work.resolve("root/first.bin").toFile(), "rw")) {
            file.seek(at);
            file.write(content[at] ^ 0x55);
        }
        long before = server.chunkBytesReceived();

        assertThat(server.offer("c", List.of(new SyncServer.FileRef("second.bin", manifest.hex())))).containsExactly(false);
        assertThat(work.resolve("root/second.bin")).doesNotExist();
        List<Integer> missing = server.missing("c", List.of(manifest.encode())).get(0);
        Manifest.Chunk changed = manifest.chunks().stream()
                .filter(chunk -> chunk.offset() <= at && at < chunk.offset() + chunk.length()).findFirst().orElseThrow();
        assertThat(missing).containsExactly(manifest.chunks().indexOf(changed));
        upload(manifest, content, missing);
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("second.bin", manifest.hex()))).get(0)).isEmpty();

        assertThat(work.resolve("root/second.bin")).hasBinaryContent(content);
        assertThat(server.chunkBytesReceived() - before).isEqualTo(changed.length());
    }

    @Test
    void aDeletedFilesContentStaysForDedupUntilGarbageCollectionRemovesIt() throws IOException {
        byte[] content = SyncChunkerTest.random(500_000, 32);
        Manifest manifest = uploadAndCommit("old.bin", content);
        long received = server.chunkBytesReceived();

        // A rename seen as a deletion and a creation: the content is copied locally, not sent again.
        server.tree().delete("c", "old.bin");
        assertThat(server.offer("c", List.of(new SyncServer.FileRef("new.bin", manifest.hex())))).containsExactly(true);
        assertThat(work.resolve("root/new.bin")).hasBinaryContent(content);
        assertThat(server.chunkBytesReceived()).isEqualTo(received);

        server.tree().delete("c", "new.bin");
        new StoreCollector(store, server::liveContents, 0).collect();
        assertThat(manifest.chunks()).noneMatch(chunk -> store.has(chunk.hash()));
        assertThat(server.offer("c", List.of(new SyncServer.FileRef("again.bin", manifest.hex())))).containsExactly(false);
    }

    /** A new store and server over the same folders and database, as after a restart of the server. */
    private void restart() throws IOException {
        store.close();
        store = new ChunkStore(work.resolve("store"), Chunker.DEFAULT_MAX, 1 << 20, 1 << 20, 0, false, true);
        server = new SyncServer(work.resolve("root"), store, dataSource, 1L << 30, false, null);
    }

    @Test
    void aStoreAtItsSizeLimitRefusesChunksAsFull() throws IOException {
        store.close();
        store = new ChunkStore(work.resolve("small-store"), Chunker.DEFAULT_MAX, 1 << 20, 1 << 20, 100_000, false, true);
        byte[] chunk = SyncChunkerTest.random(60_000, 18);
        assertThat(store.put(Chunker.sha256().digest(chunk), chunk)).isTrue();
        byte[] more = SyncChunkerTest.random(60_000, 19);
        assertThatThrownBy(() -> store.put(Chunker.sha256().digest(more), more))
                .isInstanceOf(ChunkStore.Full.class).hasMessageContaining("max-store-bytes");
        assertThat(store.has(Chunker.sha256().digest(more))).isFalse();
    }

    @Test
    void aChunkLackingInSeveralPlacesOfOneRequestIsAskedForOnceAndFillsEveryPlace() throws IOException {
        // A block repeated ten times cuts into the same chunks again and again; two files share one content.
        byte[] repeating = SyncChunkerTest.repeated(SyncChunkerTest.random(150_000, 40), 10);
        byte[] copied = SyncChunkerTest.random(300_000, 41);
        Manifest repeated = chunker.chunk(repeating);
        Manifest copy = chunker.chunk(copied);
        List<Integer> firstPlaces = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < repeated.chunks().size(); i++) {
            if (seen.add(Manifest.hex(repeated.chunks().get(i).hash()))) {
                firstPlaces.add(i);
            }
        }
        assertThat(firstPlaces.size()).isLessThan(repeated.chunks().size() / 3);

        List<List<Integer>> answers = server.missing("c", List.of(repeated.encode(), copy.encode(), copy.encode()));

        assertThat(answers.get(0)).isEqualTo(firstPlaces);
        assertThat(answers.get(1)).hasSize(copy.chunks().size());
        assertThat(answers.get(2)).isEmpty();
        uploadBatch(repeated, repeating, answers.get(0));
        uploadBatch(copy, copied, answers.get(1));
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("repeating.bin", repeated.hex()),
                new SyncServer.FileRef("a.bin", copy.hex()), new SyncServer.FileRef("b.bin", copy.hex()))))
                .containsExactly(List.of(), List.of(), List.of());
        assertThat(Files.readAllBytes(work.resolve("root/repeating.bin"))).isEqualTo(repeating);
        assertThat(Files.readAllBytes(work.resolve("root/a.bin"))).isEqualTo(copied);
        assertThat(Files.readAllBytes(work.resolve("root/b.bin"))).isEqualTo(copied);
    }

    @Test
    void aCopyCommittedInTheMomentTheFirstCopyIsRenamedIntoPlaceIsFilledFromItAndNothingIsAskedAgain() throws IOException {
        byte[] content = SyncChunkerTest.random(700_000, 51);
        Manifest manifest = chunker.chunk(content);
        List<List<Integer>> answers = server.missing("c", List.of(manifest.encode(), manifest.encode()));
        assertThat(answers.get(1)).isEmpty();
        uploadBatch(manifest, content, answers.get(0));

        // The order that lost under load: copy-b's commit (another thread of the same commit, in CI) ran after
        // copy-a's staging file had left its path and before the store knew where its chunks lie now.
        List<List<Integer>> copyB = commitInTheMomentOfRename(new SyncServer.FileRef("copy-a.bin", manifest.hex()), new SyncServer.FileRef("copy-b.bin", manifest.hex()));

        assertThat(copyB).containsExactly(List.of());
        assertThat(work.resolve("root/copy-a.bin")).hasBinaryContent(content);
        assertThat(work.resolve("root/copy-b.bin")).hasBinaryContent(content);
    }

    @Test
    void aFileSharingChunksWithOneBeingRenamedIntoPlaceIsFilledFromItAndNothingIsAskedAgain() throws IOException {
        byte[] content = SyncChunkerTest.random(700_000, 53);
        Manifest manifest = chunker.chunk(content);
        uploadBatch(manifest, content, server.missing("c", List.of(manifest.encode())).get(0));
        // A second file of the same bytes but the last chunk: every chunk of it is held, in the first one's staging file.
        Manifest.Chunk last = manifest.chunks().get(manifest.chunks().size() - 1);
        byte[] shorter = java.util.Arrays.copyOf(content, (int) last.offset());
        Manifest prefix = chunker.chunk(shorter);
        assertThat(server.missing("c", List.of(prefix.encode())).get(0)).isEmpty();

        List<List<Integer>> answer = commitInTheMomentOfRename(new SyncServer.FileRef("whole.bin", manifest.hex()), new SyncServer.FileRef("prefix.bin", prefix.hex()));

        assertThat(answer).containsExactly(List.of());
        assertThat(work.resolve("root/prefix.bin")).hasBinaryContent(shorter);
    }

    /**
     * Commits {@code first}, and {@code second} right after {@code first}'s file was
     * renamed into place, before that commit goes on; checks that no chunk crossed the wire meanwhile.
     *
     * @return the answer to {@code second}'s commit
     */
    private List<List<Integer>> commitInTheMomentOfRename(SyncServer.FileRef first, SyncServer.FileRef second) throws IOException {
        long received = server.chunkBytesReceived();
        List<List<Integer>> answer = new ArrayList<>();
        server.assembler().afterRename(target -> {
            if (target.endsWith(first.path())) {
                try {
                    answer.addAll(server.commit("c", List.of(second)));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        assertThat(server.commit("c", List.of(first))).containsExactly(List.of());
        assertThat(server.chunkBytesReceived()).isEqualTo(received);
        return answer;
    }

    @Test
    void aChunkWhoseLastBlockWaitsInMemoryForDirectIoIsHeldAndNotAskedForAgainByAnotherFile() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(store.staging.directIo(), "direct I/O on the test's file system");
        byte[] content = SyncChunkerTest.random(3_000_000, 52);
        Manifest large = chunker.chunk(content);
        List<Integer> all = server.missing("c", List.of(large.encode())).get(0);
        // The first half arrives: the block its last chunk ends in waits in memory for the rest of its bytes.
        int half = all.size() / 2;
        uploadBatch(large, content, all.subList(0, half));
        Manifest.Chunk end = large.chunks().get(half - 1);
        assertThat((end.offset() + end.length()) % 4096).isNotZero();
        byte[] shorter = java.util.Arrays.copyOf(content, (int) (end.offset() + end.length()));
        Manifest prefix = chunker.chunk(shorter);
        assertThat(prefix.chunks()).extracting(Manifest.Chunk::hex)
                .containsExactlyElementsOf(large.chunks().subList(0, half).stream().map(Manifest.Chunk::hex).toList());

        assertThat(server.missing("c", List.of(prefix.encode())).get(0)).isEmpty();
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("prefix.bin", prefix.hex())))).containsExactly(List.of());
        assertThat(work.resolve("root/prefix.bin")).hasBinaryContent(shorter);

        uploadBatch(large, content, all.subList(half, all.size()));
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("large.bin", large.hex())))).containsExactly(List.of());
        assertThat(work.resolve("root/large.bin")).hasBinaryContent(content);
    }

    /** Sends a content as a client does (chunk list, missing chunks, commit) and checks that it was committed. */
    private Manifest uploadAndCommit(String path, byte[] content) throws IOException {
        Manifest manifest = chunker.chunk(content);
        upload(manifest, content, server.missing("c", List.of(manifest.encode())).get(0));
        assertThat(server.commit("c", List.of(new SyncServer.FileRef(path, manifest.hex()))).get(0)).isEmpty();
        return manifest;
    }

    @Test
    void chunksOfOneBatchInAnyOrderWithGapsAreWrittenWhereTheyBelongAndTheGapsAreAskedFor() throws IOException {
        byte[] content = SyncChunkerTest.random(600_000, 12);
        Manifest manifest = chunker.chunk(content);
        int count = manifest.chunks().size();
        assertThat(count).isGreaterThan(12);
        assertThat(server.missing("c", List.of(manifest.encode())).get(0)).hasSize(count);
        // Runs of consecutive chunks (written together) broken by gaps, sent last first.
        List<Integer> first = new java.util.ArrayList<>();
        for (int i = count - 1; i >= 0; i--) {
            if (i != 2 && i != 7 && i != 8 && i != count - 1) {
                first.add(i);
            }
        }
        uploadBatch(manifest, content, first);
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("gaps.bin", manifest.hex()))).get(0))
                .containsExactly(2, 7, 8, count - 1);
        assertThat(work.resolve("root/gaps.bin")).doesNotExist();

        uploadBatch(manifest, content, List.of(8, count - 1, 2, 7));
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("gaps.bin", manifest.hex()))).get(0)).isEmpty();
        assertThat(work.resolve("root/gaps.bin")).hasBinaryContent(content);
    }

    private void upload(Manifest manifest, byte[] content, List<Integer> indexes) throws IOException {
        for (int index : indexes) {
            Manifest.Chunk chunk = manifest.chunks().get(index);
            byte[] bytes = java.util.Arrays.copyOfRange(content, (int) chunk.offset(), (int) chunk.offset() + chunk.length());
            server.chunk("c", chunk.hex(), bytes);
        }
    }
}
