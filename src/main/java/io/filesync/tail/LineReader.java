package io.filesync.tail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the complete lines that follow a position in a file: a line counts once its newline is written, so a line
 * still being written is left for the next read. Lines are decoded strictly: bytes invalid in the charset make the
 * line a bad line instead of being replaced silently. A line longer than the maximum is reported as bad without
 * ever being held whole in memory.
 * <p>
 * Only charsets that write a newline as the single byte {@code 0x0A} (UTF-8, ISO-8859-*, windows-125x, ASCII) can be
 * tailed byte-wise like this; others are refused at construction.
 */
public final class LineReader {

    private static final int READ_BUFFER_BYTES = 64 * 1024;
    /** Bytes of an over-long line kept for its error record. */
    private static final int KEPT_OF_LONG_LINE = 4096;

    private final Charset charset;
    private final int maxLineBytes;
    private final int maxBatchLines;

    /** Lines read after a position, and where reading may continue. */
    public record Chunk(List<TailLine> lines, long endOffset, long endLineNumber) {
    }

    public LineReader(Charset charset, int maxLineBytes, int maxBatchLines) {
        if (!Arrays.equals("\n".getBytes(charset), new byte[] {'\n'})) {
            throw new IllegalArgumentException("Charset " + charset + " does not write a newline as one byte; tail"
                    + " supports UTF-8, ISO-8859-* and other ASCII-compatible charsets");
        }
        if (maxLineBytes < 1 || maxBatchLines < 1) {
            throw new IllegalArgumentException("maxLineBytes and maxBatchLines must be positive");
        }
        this.charset = charset;
        this.maxLineBytes = maxLineBytes;
        this.maxBatchLines = maxBatchLines;
    }

    /** Reads up to the batch limit of complete lines after {@code from}. */
    public Chunk read(FileChannel channel, TailPosition from) throws IOException {
        List<TailLine> lines = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER_BYTES);
        LineBytes line = new LineBytes(Math.min(maxLineBytes, 8192));
        long filePosition = from.offset();
        long lineStart = from.offset();
        long lineNumber = from.lineNumber();
        CharsetDecoder decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);

        reading:
        while (lines.size() < maxBatchLines) {
            buffer.clear();
            int read = channel.read(buffer, filePosition);
            if (read <= 0) {
                break;
            }
            byte[] bytes = buffer.array();
            int segmentStart = 0;
            for (int i = 0; i < read; i++) {
                if (bytes[i] != '\n') {
                    continue;
                }
                line.append(bytes, segmentStart, i - segmentStart, maxLineBytes);
                lineNumber++;
                lines.add(toLine(from.path(), lineNumber, lineStart, line, decoder));
                line.reset();
                segmentStart = i + 1;
                lineStart = filePosition + i + 1;
                if (lines.size() >= maxBatchLines) {
                    break reading;
                }
            }
            line.append(bytes, segmentStart, read - segmentStart, maxLineBytes);
            filePosition += read;
        }
        return new Chunk(lines, lineStart, lineNumber);
    }

    private TailLine toLine(String path, long lineNumber, long offset, LineBytes line, CharsetDecoder decoder) {
        int length = line.length;
        if (length > 0 && line.bytes[length - 1] == '\r') {
            length--;
        }
        if (line.total > maxLineBytes) {
            String start = new String(line.bytes, 0, Math.min(length, KEPT_OF_LONG_LINE), charset);
            return new TailLine(path, lineNumber, offset, start,
                    "line is " + line.total + " bytes, longer than the maximum of " + maxLineBytes);
        }
        ByteBuffer in = ByteBuffer.wrap(line.bytes, 0, length);
        CharBuffer out = CharBuffer.allocate((int) Math.ceil(length * (double) decoder.maxCharsPerByte()) + 1);
        decoder.reset();
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            String readable = new String(line.bytes, 0, Math.min(length, KEPT_OF_LONG_LINE), charset);
            return new TailLine(path, lineNumber, offset, readable,
                    "bytes invalid in " + charset.name() + " at byte " + (in.position() + 1) + " of the line");
        }
        out.flip();
        return new TailLine(path, lineNumber, offset, out.toString(), null);
    }

    /** The bytes of the line being assembled, capped at the maximum; {@code total} counts beyond the cap. */
    private static final class LineBytes {
        byte[] bytes;
        int length;
        long total;

        LineBytes(int initialCapacity) {
            bytes = new byte[initialCapacity];
        }

        void append(byte[] source, int from, int count, int cap) {
            total += count;
            int kept = Math.min(count, cap - length);
            if (kept <= 0) {
                return;
            }
            if (length + kept > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.min(cap, Math.max(bytes.length * 2, length + kept)));
            }
            System.arraycopy(source, from, bytes, length, kept);
            length += kept;
        }

        void reset() {
            length = 0;
            total = 0;
            if (bytes.length > 64 * 1024) {
                bytes = new byte[8192];
            }
        }
    }

}
