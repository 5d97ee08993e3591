package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/**
 * Large uploads written with direct I/O ({@link DirectWrites}): batches that end mid-block, bytes arriving out of
 * order, scattered chunks past the limit of blocks waiting in memory, a commit that finds chunks missing halfway, and
 * dedup against a file still being written all give the exact bytes; with direct I/O off, the same.
 */
class SyncDirectWritesTest extends SyncServerTestSupport {

    private static final int SIZE = 3_000_000;

    @Test
    void anUploadSentFrontToBackInBatchesEndingMidBlockIsWrittenPastThePageCacheExactly() throws IOException {
        assumeTrue(store.staging.directIo(), "the temporary folder's file system does not take direct I/O");
        Content content = described(40);
        for (int from = 0, size = 1; from < content.count(); from += size, size = size % 7 + 2) {
            uploadBatch(content, range(from, Math.min(content.count(), from + size)));
        }
        assertThat(commit("big.bin", content)).isEmpty();

        assertThat(work.resolve("root/big.bin")).hasBinaryContent(content.bytes());
        // All but the last, shorter block went past the page cache.
        assertThat(store.staging.directBytes()).isEqualTo(SIZE - SIZE % 4096);
    }

    @Test
    void bytesArrivingInAnyOrderAreWrittenPastThePageCacheExactly() throws IOException {
        assumeTrue(store.staging.directIo(), "the temporary folder's file system does not take direct I/O");
        Content content = described(41);
        int count = content.count();
        uploadBatch(content, range(0, 5));
        // A batch from the end, then one from the middle, then what is left, last first: every block is completed
        // by the chunks on both sides of it, in whatever order they come.
        uploadBatch(content, range(count - 4, count));
        uploadBatch(content, range(count / 2, count / 2 + 3));
        List<Integer> rest = new ArrayList<>(range(5, count / 2));
        rest.addAll(range(count / 2 + 3, count - 4));
        Collections.reverse(rest);
        uploadBatch(content, rest);
        assertThat(commit("mixed.bin", content)).isEmpty();

        assertThat(work.resolve("root/mixed.bin")).hasBinaryContent(content.bytes());
        // Every whole block went past the page cache; only the file's last, shorter block did not.
        assertThat(store.staging.directBytes()).isEqualTo(SIZE - SIZE % 4096);
    }

    @Test
    void scatteredChunksOfALargeFileLeaveDirectIoPastTheWaitingLimitAndTheFileIsExact() throws IOException {
        Content content = described(46);
        int count = content.count();
        // Every other chunk, one batch each: each leaves up to two blocks waiting for its neighbours.
        List<Integer> odd = IntStream.range(0, count).filter(i -> i % 2 == 1).boxed().toList();
        for (int index : odd) {
            uploadBatch(content, List.of(index));
        }
        assertThat(odd.size() * 2).isGreaterThan(DirectWrites.MAX_WAITING_BLOCKS);
        List<Integer> even = IntStream.range(0, count).filter(i -> i % 2 == 0).boxed().toList();
        uploadBatch(content, even);
        assertThat(commit("scattered.bin", content)).isEmpty();

        assertThat(work.resolve("root/scattered.bin")).hasBinaryContent(content.bytes());
        // The first of them went past the page cache, the rest (more than half the bytes) through it.
        assertThat(store.staging.directBytes()).isPositive().isLessThan(SIZE / 2);
    }

    @Test
    void aCommitThatFindsChunksMissingHalfwayKeepsWhatWasWrittenAndTheRestCompletesIt() throws IOException {
        Content content = described(42);
        int count = content.count();
        uploadBatch(content, range(0, count / 3));
        assertThat(commit("half.bin", content)).containsExactlyElementsOf(range(count / 3, count));
        assertThat(work.resolve("root/half.bin")).doesNotExist();

        uploadBatch(content, range(count / 3, count));
        assertThat(commit("half.bin", content)).isEmpty();
        assertThat(work.resolve("root/half.bin")).hasBinaryContent(content.bytes());
    }

    @Test
    void aFileSharingTheFirstHalfOfOneStillBeingWrittenIsAssembledFromItsBytesOnDisk() throws IOException {
        Content first = described(43);
        int half = first.count() / 2;
        uploadBatch(first, range(0, half));

        // The same bytes as what was sent of the first file, other bytes after: what the server holds of the first
        // file is not sent again, and the last chunk sent, whose end still waits in memory for the rest of its block,
        // is not read from there before it is on disk (a cut depends only on the bytes before it, so the second file
        // has the same chunks up to there).
        byte[] bytes = first.bytes().clone();
        Manifest.Chunk last = first.list().chunks().get(half - 1);
        int shared = (int) (last.offset() + last.length());
        byte[] other = SyncChunkerTest.random(SIZE - shared, 44);
        System.arraycopy(other, 0, bytes, shared, other.length);
        Manifest list = chunker.chunk(bytes);
        Content second = new Content(bytes, list, list.chunks().size());
        List<Integer> missing = server.missing("c", List.of(list.encode())).get(0);
        assertThat(missing).doesNotContainAnyElementsOf(range(0, half - 1));
        uploadBatch(second, missing);
        assertThat(commit("second.bin", second)).isEmpty();
        assertThat(work.resolve("root/second.bin")).hasBinaryContent(second.bytes());

        uploadBatch(first, range(half, first.count()));
        assertThat(commit("first.bin", first)).isEmpty();
        assertThat(work.resolve("root/first.bin")).hasBinaryContent(first.bytes());
    }

    @Test
    void withDirectIoOffEveryFileGoesThroughThePageCacheAndIsExact() throws IOException {
        store.close();
        store = new ChunkStore(work.resolve("store-off"), Chunker.DEFAULT_MAX, 1 << 20, 1 << 20, 0, false, false);
        server = new SyncServer(work.resolve("root"), store, dataSource, 1L << 30, false, null);
        Content content = described(45);
        uploadBatch(content, range(0, content.count()));
        assertThat(commit("off.bin", content)).isEmpty();

        assertThat(work.resolve("root/off.bin")).hasBinaryContent(content.bytes());
        assertThat(store.staging.directIo()).isFalse();
        assertThat(store.staging.directBytes()).isZero();
    }

    /** Content, its chunk list and how many chunks it has. */
    private record Content(byte[] bytes, Manifest list, int count) {
    }

    /** Random content of {@link #SIZE} bytes, described to the server, which wants every chunk of it. */
    private Content described(long seed) throws IOException {
        byte[] bytes = SyncChunkerTest.random(SIZE, seed);
        Manifest list = chunker.chunk(bytes);
        assertThat(server.missing("c", List.of(list.encode())).get(0)).hasSize(list.chunks().size());
        return new Content(bytes, list, list.chunks().size());
    }

    private List<Integer> commit(String path, Content content) throws IOException {
        return server.commit("c", List.of(new SyncServer.FileRef(path, content.list().hex()))).get(0);
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    private void uploadBatch(Content content, List<Integer> indexes) throws IOException {
        uploadBatch(content.list(), content.bytes(), indexes);
    }
}
