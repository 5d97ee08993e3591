package io.filesync.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineReaderTest {

    @TempDir
    Path dir;

    private LineReader.Chunk read(byte[] content, TailPosition from, int maxLineBytes, int maxBatchLines) throws IOException {
        Path file = dir.resolve("f.log");
        Files.write(file, content);
        try (FileChannel channel = FileChannel.open(file)) {
            return new LineReader(StandardCharsets.UTF_8, maxLineBytes, maxBatchLines).read(channel, from);
        }
    }

    @Test
    void onlyCompleteLinesAreReadAndCrlfIsStripped() throws IOException {
        LineReader.Chunk chunk = read("a,1\r\nb,2\nhalf".getBytes(StandardCharsets.UTF_8), TailPosition.start("k", "f.log"), 100, 10);
        assertThat(chunk.lines()).extracting(TailLine::text).containsExactly("a,1", "b,2");
        assertThat(chunk.lines()).extracting(TailLine::lineNumber).containsExactly(1L, 2L);
        assertThat(chunk.lines()).extracting(TailLine::offset).containsExactly(0L, 5L);
        assertThat(chunk.endOffset()).isEqualTo(9);
        assertThat(chunk.endLineNumber()).isEqualTo(2);
    }

    @Test
    void readingResumesAtThePositionGiven() throws IOException {
        LineReader.Chunk chunk = read("one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8),
                TailPosition.start("k", "f.log").advancedTo(4, 1), 100, 10);
        assertThat(chunk.lines()).extracting(TailLine::text).containsExactly("two", "three");
        assertThat(chunk.lines().get(0).lineNumber()).isEqualTo(2);
    }

    @Test
    void batchStopsAtTheLineLimitAndTheRestFollows() throws IOException {
        byte[] content = "1\n2\n3\n4\n5\n".getBytes(StandardCharsets.UTF_8);
        LineReader.Chunk first = read(content, TailPosition.start("k", "f.log"), 100, 2);
        assertThat(first.lines()).extracting(TailLine::text).containsExactly("1", "2");
        LineReader.Chunk second = read(content, TailPosition.start("k", "f.log").advancedTo(first.endOffset(), 2), 100, 2);
        assertThat(second.lines()).extracting(TailLine::text).containsExactly("3", "4");
    }

    @Test
    void overlongLineIsReportedWithItsStartAndTheNextLineStillReads() throws IOException {
        String longLine = "x".repeat(100_000);
        LineReader.Chunk chunk = read((longLine + "\nnext\n").getBytes(StandardCharsets.UTF_8), TailPosition.start("k", "f.log"), 1000, 10);
        assertThat(chunk.lines()).hasSize(2);
        assertThat(chunk.lines().get(0).problem()).isEqualTo("line is 100000 bytes, longer than the maximum of 1000");
        assertThat(chunk.lines().get(0).text()).hasSize(1000);
        assertThat(chunk.lines().get(1).text()).isEqualTo("next");
        assertThat(chunk.lines().get(1).isBad()).isFalse();
    }

    @Test
    void invalidBytesMakeABadLineInsteadOfBeingReplaced() throws IOException {
        byte[] content = {'o', 'k', '\n', 'b', (byte) 0xff, 'd', '\n'};
        LineReader.Chunk chunk = read(content, TailPosition.start("k", "f.log"), 100, 10);
        assertThat(chunk.lines().get(0).isBad()).isFalse();
        assertThat(chunk.lines().get(1).problem()).isEqualTo("bytes invalid in UTF-8 at byte 2 of the line");
    }

    @Test
    void charsetsWithMultiByteNewlinesAreRefused() {
        assertThatThrownBy(() -> new LineReader(Charset.forName("UTF-16"), 100, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF-16");
    }
}
