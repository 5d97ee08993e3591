package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.filesync.core.error.BadInputException;
import org.junit.jupiter.api.Test;

/**
 * A chunk batch read in place from the buffers a request body arrives in (direct, as Netty's are, cut at arbitrary
 * places, so chunks and their headers straddle buffers): every chunk is found, checked against its hash and stored
 * exactly, and a truncated, overlong or corrupted batch is refused with nothing of it stored.
 */
class SyncChunkBatchTest extends SyncServerTestSupport {

    @Test
    void severalChunksInOneBodyCutIntoBuffersAnywhereAreEachFoundWhole() {
        List<byte[]> chunks = List.of(SyncChunkerTest.random(5_000, 1), SyncChunkerTest.random(40_000, 2),
                SyncChunkerTest.random(1, 3), SyncChunkerTest.random(65_536, 4));
        byte[] body = batch(chunks);
        // Cuts inside a hash, inside a length, inside chunks, and one chunk across three buffers.
        ByteBuffer[] buffers = direct(body, 10, 34, 5_100, 20_000, 20_001, 45_100);

        List<ChunkStore.Upload> uploads = SyncFraming.parseChunks(buffers, Chunker.DEFAULT_MAX);

        assertThat(uploads).hasSize(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            assertThat(uploads.get(i).hash()).isEqualTo(Chunker.sha256().digest(chunks.get(i)));
            assertThat(uploads.get(i).length()).isEqualTo(chunks.get(i).length);
            assertThat(bytes(uploads.get(i))).isEqualTo(chunks.get(i));
            assertThat(uploads.get(i).digest()).isEqualTo(uploads.get(i).hash());
        }
        assertThat(uploads.get(1).buffers()).hasSizeGreaterThan(1);
        // The body itself is only read: its buffers are where they were, for whoever releases them.
        assertThat(buffers).allSatisfy(buffer -> assertThat(buffer.position()).isZero());
    }

    @Test
    void aBatchCutInsideAChunkHeaderIsRefusedAsTruncated() {
        byte[] body = batch(List.of(SyncChunkerTest.random(5_000, 5), SyncChunkerTest.random(5_000, 6)));
        byte[] cut = Arrays.copyOf(body, 36 + 5_000 + 20);

        assertThatThrownBy(() -> SyncFraming.parseChunks(direct(cut, 4_000), Chunker.DEFAULT_MAX))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("truncated after 1 chunks");
        assertThatThrownBy(() -> server.chunks("c", direct(cut, 4_000)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("chunk batch refused: truncated after 1 chunks");
        assertThat(store.has(Chunker.sha256().digest(Arrays.copyOfRange(body, 36, 36 + 5_000)))).isFalse();
    }

    @Test
    void aChunkAnnouncingMoreBytesThanTheBodyHoldsIsRefused() {
        byte[] chunk = SyncChunkerTest.random(5_000, 7);
        byte[] body = batch(List.of(chunk));
        byte[] cut = Arrays.copyOf(body, body.length - 1);

        assertThatThrownBy(() -> SyncFraming.parseChunks(direct(cut, 100), Chunker.DEFAULT_MAX))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chunk 0 announces 5000 bytes, 4999 remain (truncated or corrupted)");
        ByteBuffer.wrap(body, 32, 4).putInt(Chunker.DEFAULT_MAX + 1);
        assertThatThrownBy(() -> SyncFraming.parseChunks(direct(body, 100), Chunker.DEFAULT_MAX))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunk 0 announces 65537 bytes");
        assertThatThrownBy(() -> server.chunks("c", direct(cut, 100)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("truncated or corrupted");
        assertThat(store.has(Chunker.sha256().digest(chunk))).isFalse();
    }

    @Test
    void aBatchWithOneChunkWhoseBytesDoNotMatchItsHashStoresNothing() {
        byte[] good = SyncChunkerTest.random(20_000, 8);
        byte[] bad = SyncChunkerTest.random(20_000, 9);
        byte[] body = batch(List.of(good, bad));
        body[body.length - 7] ^= 1;

        assertThatThrownBy(() -> server.chunks("c", direct(body, 30_000)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("do not match its hash");
        assertThat(store.has(Chunker.sha256().digest(good))).isFalse();
        assertThat(store.has(Chunker.sha256().digest(bad))).isFalse();
    }

    @Test
    void chunksReadInPlaceAreStoredExactlyInTheFileWaitingForThemAndInThePacks() throws IOException {
        byte[] content = SyncChunkerTest.random(400_000, 10);
        Manifest manifest = chunker.chunk(content);
        List<Integer> missing = server.missing("c", List.of(manifest.encode())).get(0);
        List<byte[]> chunks = new ArrayList<>();
        for (int index : missing) {
            Manifest.Chunk chunk = manifest.chunks().get(index);
            chunks.add(Arrays.copyOfRange(content, (int) chunk.offset(), (int) chunk.offset() + chunk.length()));
        }
        byte[] stray = SyncChunkerTest.random(30_000, 11);
        chunks.add(stray);
        byte[] body = batch(chunks);

        // Buffers of 7,000 bytes: every chunk straddles at least two.
        assertThat(server.chunks("c", direct(body, every(7_000, body.length)))).isEqualTo(chunks.size());

        assertThat(server.commit("c", List.of(new SyncServer.FileRef("f.bin", manifest.hex()))).get(0)).isEmpty();
        assertThat(Files.readAllBytes(work.resolve("root/f.bin"))).isEqualTo(content);
        assertThat(store.read(Chunker.sha256().digest(stray))).isEqualTo(stray);
        assertThat(server.chunkBytesReceived()).isEqualTo(content.length + stray.length);
    }

    /** hash, length and bytes per chunk, as the client sends them. */
    static byte[] batch(List<byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] chunk : chunks) {
            out.writeBytes(Chunker.sha256().digest(chunk));
            out.writeBytes(ByteBuffer.allocate(4).putInt(chunk.length).array());
            out.writeBytes(chunk);
        }
        return out.toByteArray();
    }

    /** The body in direct buffers, cut at the given offsets. */
    private static ByteBuffer[] direct(byte[] body, int... cuts) {
        List<ByteBuffer> buffers = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            buffers.add(ByteBuffer.allocateDirect(cut - from).put(body, from, cut - from).flip());
            from = cut;
        }
        buffers.add(ByteBuffer.allocateDirect(body.length - from).put(body, from, body.length - from).flip());
        return buffers.toArray(new ByteBuffer[0]);
    }

    private static int[] every(int step, int length) {
        int[] cuts = new int[(length - 1) / step];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = (i + 1) * step;
        }
        return cuts;
    }

    private static byte[] bytes(ChunkStore.Upload upload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer part : upload.buffers()) {
            byte[] bytes = new byte[part.remaining()];
            part.get(bytes);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }
}
