package io.filesync.csv;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.security.MessageDigest;

/**
 * Decodes a CSV file's bytes into characters strictly, and knows where it is, so that every problem with the raw
 * input can be reported with an exact line and byte offset.
 * <p>
 * {@link java.io.InputStreamReader} either replaces invalid bytes silently or, in REPORT mode, fails while decoding
 * read-ahead that the CSV parser has not asked for yet, so the position it fails at is unknown. This reader drives a
 * {@link CharsetDecoder} itself: characters before an invalid byte are delivered first, and the failure comes with
 * the line it is on. It also skips a byte order mark, rejects NUL characters (a binary file named .csv), and feeds
 * every byte it reads to an optional digest, so the first pass hashes the file without reading it twice. Buffers
 * are fixed-size: memory does not depend on the file.
 */
final class CheckedReader extends Reader {

    private static final int BUFFER = 64 * 1024;
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private final InputStream in;
    private final CharsetDecoder decoder;
    private final MessageDigest digest;
    private final boolean unicode;
    private final ByteBuffer bytes = ByteBuffer.allocate(BUFFER);
    private final CharBuffer chars = CharBuffer.allocate(BUFFER);

    private long bytesRead;
    private long bytesDecoded;
    /** 1-based line of the next character delivered. */
    private long line = 1;
    private boolean started;
    private boolean endOfInput;
    private boolean flushed;
    private CoderResult failure;

    /**
     * @param digest updated with every byte read, or null
     */
    CheckedReader(InputStream in, Charset charset, MessageDigest digest) {
        this.in = in;
        this.digest = digest;
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        this.unicode = charset.name().toUpperCase(java.util.Locale.ROOT).startsWith("UTF");
        bytes.flip();
        chars.flip();
    }

    /** Bytes read from the file so far; after the last character, the file's size. */
    long bytesRead() {
        return bytesRead;
    }

    @Override
    public int read(char[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!chars.hasRemaining() && !decodeMore()) {
            if (failure != null) {
                throw invalidBytes();
            }
            return -1;
        }
        int count = Math.min(length, chars.remaining());
        chars.get(target, offset, count);
        for (int i = offset; i < offset + count; i++) {
            char c = target[i];
            if (c == '\n') {
                line++;
            } else if (c == '\0') {
                throw new CsvInputException(line, null, "binary content: NUL character found, this is not a text CSV file");
            }
        }
        return count;
    }

    /** Decodes the next characters; false when there are none before the end or before invalid bytes. */
    private boolean decodeMore() throws IOException {
        chars.clear();
        while (chars.position() == 0 && failure == null && !flushed) {
            if (!endOfInput && bytes.remaining() < BUFFER / 2) {
                fill();
            }
            int before = bytes.position();
            CoderResult result = decoder.decode(bytes, chars, endOfInput);
            bytesDecoded += bytes.position() - before;
            if (result.isError()) {
                failure = result;
            } else if (endOfInput && result.isUnderflow()) {
                decoder.flush(chars);
                flushed = true;
            }
        }
        chars.flip();
        if (!started && chars.hasRemaining()) {
            started = true;
            if (unicode && chars.get(chars.position()) == BYTE_ORDER_MARK) {
                chars.get();
            }
        }
        return chars.hasRemaining();
    }

    private void fill() throws IOException {
        bytes.compact();
        int count = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (count < 0) {
            endOfInput = true;
        } else {
            if (digest != null) {
                digest.update(bytes.array(), bytes.position(), count);
            }
            bytes.position(bytes.position() + count);
            bytesRead += count;
        }
        bytes.flip();
    }

    private CsvInputException invalidBytes() {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < failure.length() && bytes.position() + i < bytes.limit(); i++) {
            hex.append(String.format(" %02X", bytes.get(bytes.position() + i) & 0xFF));
        }
        return new CsvInputException(line, bytesDecoded, "bytes invalid in " + decoder.charset().name() + ":" + hex
                + (bytesDecoded == 0 || hex.indexOf(" 00") >= 0 ? " (binary file?)" : ""));
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** A problem in the raw input, found below the CSV parser; carries its exact position. */
    static final class CsvInputException extends IOException {

        private static final long serialVersionUID = 1L;

        private final long line;
        private final Long offset;

        CsvInputException(long line, Long offset, String reason) {
            super(reason);
            this.line = line;
            this.offset = offset;
        }

        long line() {
            return line;
        }

        Long offset() {
            return offset;
        }
    }
}
