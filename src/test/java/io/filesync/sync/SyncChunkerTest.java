package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The content-defined chunker and the manifest it produces. */
class SyncChunkerTest {

    private final Chunker chunker = new Chunker();

    @Test
    void theSameBytesAlwaysGiveTheSameChunks() throws IOException {
        byte[] data = random(5_000_000, 1);
        Manifest first = chunker.chunk(new ByteArrayInputStream(data));
        Manifest second = chunker.chunk(new TrickleStream(data));
        assertThat(second).isEqualTo(first);
        assertThat(first.chunks()).hasSizeGreaterThan(20);
    }

    @Test
    void chunksRespectTheBoundsAndCoverTheFileInOrder() throws IOException {
        byte[] data = random(8_000_000, 2);
        Manifest manifest = chunker.chunk(new ByteArrayInputStream(data));
        long offset = 0;
        List<Manifest.Chunk> chunks = manifest.chunks();
        for (int i = 0; i < chunks.size(); i++) {
            Manifest.Chunk chunk = chunks.get(i);
            assertThat(chunk.offset()).isEqualTo(offset);
            assertThat(chunk.length()).isLessThanOrEqualTo(Chunker.DEFAULT_MAX);
            if (i < chunks.size() - 1) {
                assertThat(chunk.length()).isGreaterThanOrEqualTo(Chunker.DEFAULT_MIN);
            }
            assertThat(chunk.hash()).isEqualTo(sha256(data, (int) offset, chunk.length()));
            offset += chunk.length();
        }
        assertThat(offset).isEqualTo(data.length);
        double average = (double) data.length / chunks.size();
        assertThat(average).isBetween(0.6 * Chunker.DEFAULT_AVG, 1.6 * Chunker.DEFAULT_AVG);
    }

    @Test
    void dataWithoutCutPointsIsCutAtTheMaximum() throws IOException {
        Manifest manifest = chunker.chunk(new ByteArrayInputStream(new byte[1_000_000]));
        assertThat(manifest.chunks()).extracting(Manifest.Chunk::length)
                .containsExactly(65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536,
                        65536, 65536, 1_000_000 - 15 * 65536);
    }

    @Test
    void aOneByteInsertionInTheMiddleChangesOnlyTheChunksAroundIt() throws IOException {
        byte[] data = random(20_000_000, 3);
        byte[] edited = new byte[data.length + 1];
        int at = data.length / 2;
        System.arraycopy(data, 0, edited, 0, at);
        edited[at] = 42;
        System.arraycopy(data, at, edited, at + 1, data.length - at);

        Manifest before = chunker.chunk(new ByteArrayInputStream(data));
        Manifest after = chunker.chunk(new ByteArrayInputStream(edited));
        Set<String> known = new HashSet<>();
        before.chunks().forEach(chunk -> known.add(chunk.hex()));
        List<Manifest.Chunk> changed = after.chunks().stream().filter(chunk -> !known.contains(chunk.hex())).toList();

        assertThat(changed).hasSizeBetween(1, 2);
        long changedBytes = changed.stream().mapToLong(Manifest.Chunk::length).sum();
        assertThat(changedBytes).isLessThanOrEqualTo(2L * Chunker.DEFAULT_MAX);
        assertThat(changed.get(0).offset()).isLessThanOrEqualTo(at);
        assertThat(changed.get(changed.size() - 1).offset() + changed.get(changed.size() - 1).length()).isGreaterThan(at);
    }

    @Test
    void contentChunkedInMemoryGetsTheSameCutsAndHashesAsTheSameContentStreamed() throws IOException {
        for (byte[] data : List.of(random(2_500_000, 5), random(3_000, 6), new byte[0], new byte[200_000])) {
            assertThat(chunker.chunk(data)).isEqualTo(chunker.chunk(new ByteArrayInputStream(data)));
        }
    }

    @Test
    void theIdentityIsTheHashListOfTheChunksTheSameFromBytesStreamAndDecodedListAndSurvivesTheBinaryForm() throws IOException {
        byte[] data = random(3_000_000, 4);
        Manifest manifest = chunker.chunk(new ByteArrayInputStream(data));
        assertThat(manifest.hash()).isEqualTo(Manifest.identity(data.length, manifest.chunks()))
                .isEqualTo(chunker.chunk(data).hash())
                .isNotEqualTo(sha256(data, 0, data.length));
        assertThat(manifest.size()).isEqualTo(data.length);
        Manifest decoded = Manifest.decode(new ByteArrayInputStream(manifest.encode()), Chunker.DEFAULT_MAX, 1000);
        assertThat(decoded).isEqualTo(manifest);

        Manifest empty = chunker.chunk(new ByteArrayInputStream(new byte[0]));
        assertThat(empty.chunks()).isEmpty();
        assertThat(empty.hash()).isEqualTo(Manifest.identity(0, List.of()));
    }

    @Test
    void theIdentityIsTheSha256OfTheDocumentedLayoutHoweverLongTheList() throws IOException {
        // Identities are persisted on both sides: how they are computed may change, the bytes they hash may not.
        // The entries are hashed from a buffer of 64 KiB: 1,819 fill it after the header, 3,000 take two.
        Random random = new Random(9);
        for (int count : List.of(0, 1, 1_819, 1_820, 3_000)) {
            List<Manifest.Chunk> chunks = new ArrayList<>();
            long offset = 0;
            ByteArrayOutputStream layout = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(layout);
            for (int i = 0; i < count; i++) {
                byte[] hash = new byte[Manifest.HASH_BYTES];
                random.nextBytes(hash);
                int length = 4096 + random.nextInt(60_000);
                chunks.add(new Manifest.Chunk(offset, length, hash));
                out.writeInt(length);
                out.write(hash);
                offset += length;
            }
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            DataOutputStream header = new DataOutputStream(expected);
            header.write("filesync hash list v1\n".getBytes(StandardCharsets.US_ASCII));
            header.writeLong(offset);
            header.writeInt(count);
            layout.writeTo(expected);
            byte[] bytes = expected.toByteArray();
            assertThat(Manifest.identity(offset, chunks)).as("%d entries", count).isEqualTo(sha256(bytes, 0, bytes.length));
        }
    }

    @Test
    void contentsThatDifferInOneByteOrOnlyInWhereTheirChunksAreCutHaveDifferentIdentities() {
        byte[] data = random(200_000, 5);
        Manifest manifest = chunker.chunk(data);
        byte[] edited = data.clone();
        edited[150_000] ^= 1;
        assertThat(chunker.chunk(edited).hex()).isNotEqualTo(manifest.hex());
        // The same bytes cut otherwise are another list: another identity (dedup lost between such clients, never wrong).
        assertThat(new Chunker(1024, 4096, 16384).chunk(data).hex()).isNotEqualTo(manifest.hex());
    }

    @Test
    void aChunkListUnderAnIdentityItDoesNotAddUpToIsRefusedAsItIsDecoded() {
        byte[] data = random(100_000, 6);
        byte[] encoded = chunker.chunk(data).encode();
        // The identity follows the 4-byte magic.
        System.arraycopy(sha256(data, 0, data.length), 0, encoded, 4, Manifest.HASH_BYTES);
        assertThatThrownBy(() -> Manifest.decode(new ByteArrayInputStream(encoded), Chunker.DEFAULT_MAX, 1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("identity");
        Manifest prefix = chunker.chunk(Arrays.copyOf(data, 60_000));
        List<Manifest.Chunk> whole = chunker.chunk(data).chunks();
        assertThatThrownBy(() -> new Manifest(data.length, prefix.hash(), whole)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTruncatedOrInconsistentManifestIsRefused() {
        byte[] encoded;
        try {
            encoded = chunker.chunk(new ByteArrayInputStream(random(500_000, 5))).encode();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        byte[] truncated = java.util.Arrays.copyOf(encoded, encoded.length - 3);
        assertThatThrownBy(() -> Manifest.decode(new ByteArrayInputStream(truncated), Chunker.DEFAULT_MAX, 1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        byte[] wrongSize = encoded.clone();
        wrongSize[4 + 32 + 7] ^= 1;
        assertThatThrownBy(() -> Manifest.decode(new ByteArrayInputStream(wrongSize), Chunker.DEFAULT_MAX, 1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("add up");
    }

    @Test
    void aDeltaAgainstThePreviousVersionIsTinyAndExpandsToTheFullList() throws IOException {
        byte[] data = random(10_000_000, 6);
        byte[] edited = data.clone();
        edited[5_000_000] ^= 1;
        Manifest base = chunker.chunk(new ByteArrayInputStream(data));
        Manifest target = chunker.chunk(new ByteArrayInputStream(edited));
        byte[] delta = ManifestDelta.encode(target, base);

        assertThat(ManifestDelta.isDelta(delta)).isTrue();
        assertThat(ManifestDelta.isDelta(target.encode())).isFalse();
        assertThat(delta.length).isLessThan(200);
        assertThat(ManifestDelta.decode(new ByteArrayInputStream(delta), base, Chunker.DEFAULT_MAX, 1000)).isEqualTo(target);

        Manifest other = chunker.chunk(new ByteArrayInputStream(random(100_000, 7)));
        assertThatThrownBy(() -> ManifestDelta.decode(new ByteArrayInputStream(delta), other, Chunker.DEFAULT_MAX, 1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another base");
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    /** A block written this many times, one after the other: content that cuts into the same chunks again and again. */
    static byte[] repeated(byte[] block, int times) {
        byte[] data = new byte[block.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(block, 0, data, i * block.length, block.length);
        }
        return data;
    }

    static byte[] sha256(byte[] data, int offset, int length) {
        MessageDigest digest = Chunker.sha256();
        digest.update(data, offset, length);
        return digest.digest();
    }

    /** Hands out bytes in odd small pieces, as a socket or a slow disk would. */
    private static final class TrickleStream extends ByteArrayInputStream {
        TrickleStream(byte[] data) {
            super(data);
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 7919));
        }
    }
}
