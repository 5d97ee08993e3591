package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/**
 * Large uploads written with direct I/O ({@link DirectWrites}) while they arrive front to back: batches that end
 * mid-block, bytes arriving out of order, a commit that finds chunks missing halfway, and dedup against a file still
 * being written all give the exact bytes; with direct I/O off, the same.
 */
class SyncDirectWritesTest extends SyncServerTestSupport {

    private static final int SIZE = 3_000_000;

    @Test
    void anUploadSentFrontToBackInBatchesEndingMidBlockIsWrittenPastThePageCacheExactly() throws IOException {
        assumeTrue(store.staging.directIo(), "the temporary folder's file system does not take direct I/O");
        byte[] content = SyncChunkerTest.random(SIZE, 40);
        Manifest manifest = chunker.chunk(content);
        assertThat(server.missing("c", List.of(manifest.encode())).get(0)).hasSize(manifest.chunks().size());

        int count = manifest.chunks().size();
        for (int from = 0, size = 1; from < count; from += size, size = size % 7 + 2) {
            uploadBatch(manifest, content, range(from, Math.min(count, from + size)));
        }
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("big.bin", manifest.hex()))).get(0)).isEmpty();

        assertThat(work.resolve("root/big.bin")).hasBinaryContent(content);
        // All but the last partial block went past the page cache.
        assertThat(store.staging.directBytes()).isGreaterThan(SIZE - 4096L * 2);
    }

    @Test
    void bytesArrivingAnywhereButAtTheEndTakeTheFileOffDirectIoAndItIsStillExact() throws IOException {
        byte[] content = SyncChunkerTest.random(SIZE, 41);
        Manifest manifest = chunker.chunk(content);
        int count = manifest.chunks().size();
        server.missing("c", List.of(manifest.encode()));

        uploadBatch(manifest, content, range(0, 5));
        // A batch from the end, then one from the middle, then what is left, last first.
        uploadBatch(manifest, content, range(count - 4, count));
        uploadBatch(manifest, content, range(count / 2, count / 2 + 3));
        List<Integer> rest = new ArrayList<>(range(5, count / 2));
        rest.addAll(range(count / 2 + 3, count - 4));
        java.util.Collections.reverse(rest);
        uploadBatch(manifest, content, rest);
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("mixed.bin", manifest.hex()))).get(0)).isEmpty();

        assertThat(work.resolve("root/mixed.bin")).hasBinaryContent(content);
    }

    @Test
    void aCommitThatFindsChunksMissingHalfwayKeepsWhatWasWrittenAndTheRestCompletesIt() throws IOException {
        byte[] content = SyncChunkerTest.random(SIZE, 42);
        Manifest manifest = chunker.chunk(content);
        int count = manifest.chunks().size();
        server.missing("c", List.of(manifest.encode()));

        uploadBatch(manifest, content, range(0, count / 3));
        SyncServer.FileRef ref = new SyncServer.FileRef("half.bin", manifest.hex());
        assertThat(server.commit("c", List.of(ref)).get(0)).containsExactlyElementsOf(range(count / 3, count));
        assertThat(work.resolve("root/half.bin")).doesNotExist();

        uploadBatch(manifest, content, range(count / 3, count));
        assertThat(server.commit("c", List.of(ref)).get(0)).isEmpty();
        assertThat(work.resolve("root/half.bin")).hasBinaryContent(content);
    }

    @Test
    void aFileSharingTheFirstHalfOfOneStillBeingWrittenIsAssembledFromItsBytesOnDisk() throws IOException {
        byte[] first = SyncChunkerTest.random(SIZE, 43);
        Manifest firstList = chunker.chunk(first);
        int count = firstList.chunks().size();
        server.missing("c", List.of(firstList.encode()));
        uploadBatch(firstList, first, range(0, count / 2));

        // The same bytes as what was sent of the first file, other bytes after: what the server holds of the first
        // file is not sent again, and the last chunk sent, whose end still waits in the first file's direct-I/O tail,
        // is not read from there before it is on disk (a cut depends only on the bytes before it, so the second file
        // has the same chunks up to there).
        byte[] second = first.clone();
        Manifest.Chunk last = firstList.chunks().get(count / 2 - 1);
        int shared = (int) (last.offset() + last.length());
        byte[] other = SyncChunkerTest.random(SIZE - shared, 44);
        System.arraycopy(other, 0, second, shared, other.length);
        Manifest secondList = chunker.chunk(second);
        List<Integer> missing = server.missing("c", List.of(secondList.encode())).get(0);
        assertThat(missing).doesNotContainAnyElementsOf(range(0, count / 2 - 1));
        uploadBatch(secondList, second, missing);
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("second.bin", secondList.hex()))).get(0)).isEmpty();
        assertThat(work.resolve("root/second.bin")).hasBinaryContent(second);

        uploadBatch(firstList, first, range(count / 2, count));
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("first.bin", firstList.hex()))).get(0)).isEmpty();
        assertThat(work.resolve("root/first.bin")).hasBinaryContent(first);
    }

    @Test
    void withDirectIoOffEveryFileGoesThroughThePageCacheAndIsExact() throws IOException {
        store.close();
        store = new ChunkStore(work.resolve("store-off"), Chunker.DEFAULT_MAX, 1 << 20, 1 << 20, 0, false, false);
        server = new SyncServer(work.resolve("root"), store, dataSource, 1L << 30, false, null);
        byte[] content = SyncChunkerTest.random(SIZE, 45);
        Manifest manifest = chunker.chunk(content);
        server.missing("c", List.of(manifest.encode()));
        uploadBatch(manifest, content, range(0, manifest.chunks().size()));
        assertThat(server.commit("c", List.of(new SyncServer.FileRef("off.bin", manifest.hex()))).get(0)).isEmpty();

        assertThat(work.resolve("root/off.bin")).hasBinaryContent(content);
        assertThat(store.staging.directIo()).isFalse();
        assertThat(store.staging.directBytes()).isZero();
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    /** Sends the chunks in one batch, in the order given. */
    private void uploadBatch(Manifest manifest, byte[] content, List<Integer> indexes) throws IOException {
        List<byte[]> chunks = new ArrayList<>();
        for (int index : indexes) {
            Manifest.Chunk chunk = manifest.chunks().get(index);
            chunks.add(Arrays.copyOfRange(content, (int) chunk.offset(), (int) chunk.offset() + chunk.length()));
        }
        assertThat(server.chunks("c", SyncChunkBatchTest.batch(chunks))).isEqualTo(indexes.size());
    }
}
