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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Decodes a CSV file's bytes into characters strictly, and knows where it is, so that every problem with the raw
 * input can be reported with an exact line and byte offset.
 * <p>
 * {@link java.io.InputStreamReader} either replaces invalid bytes silently or, in REPORT mode, fails while decoding
 * read-ahead that the CSV parser has not asked for yet, so the position it fails at is unknown. This reader drives a
 * {@link CharsetDecoder} itself: characters before an invalid byte are delivered first, and the failure comes with
 * the line it is on, and names the setting that fixes it. A byte order mark decides the charset whatever is
 * configured (UTF-8, UTF-16LE, UTF-16BE), as it does for browsers and spreadsheets: it states what the file is, and
 * decoding it as anything else would garble every character or fail on the first byte. It rejects NUL characters
 * (a binary file named .csv), and feeds every byte it reads to an optional digest, so the first pass hashes the file
 * without reading it twice. Buffers are fixed-size: memory does not depend on the file.
 */
final class CheckedReader extends Reader {

    private static final int BUFFER = 64 * 1024;
    /** The setting users change to fix a charset problem, named in every such error. */
    static final String CHARSET_SETTING = "csv.charset";

    private final InputStream in;
    private final Charset configured;
    private CharsetDecoder decoder;
    private final MessageDigest digest;
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
        this.configured = charset;
        this.decoder = strictDecoder(charset);
        bytes.flip();
        chars.flip();
    }

    /** The charset the file is decoded with: the configured one, or the one its byte order mark names. */
    Charset charset() {
        return decoder.charset();
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
                throw new CsvInputException(line, null, "binary content: NUL character found, this is not a text CSV"
                        + " file; if it is UTF-16 text without a byte order mark, set " + CHARSET_SETTING
                        + " to UTF-16LE or UTF-16BE");
            }
        }
        return count;
    }

    /** Decodes the next characters; false when there are none before the end or before invalid bytes. */
    private boolean decodeMore() throws IOException {
        if (!started) {
            started = true;
            skipByteOrderMark();
        }
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
        return chars.hasRemaining();
    }

    /** Reads the first bytes; a byte order mark there is skipped and chooses the decoder. */
    private void skipByteOrderMark() throws IOException {
        while (!endOfInput && bytes.remaining() < 3) {
            fill();
        }
        int b0 = bytes.remaining() > 0 ? bytes.get(bytes.position()) & 0xFF : -1;
        int b1 = bytes.remaining() > 1 ? bytes.get(bytes.position() + 1) & 0xFF : -1;
        int b2 = bytes.remaining() > 2 ? bytes.get(bytes.position() + 2) & 0xFF : -1;
        Charset marked = null;
        int length = 0;
        if (b0 == 0xEF && b1 == 0xBB && b2 == 0xBF) {
            marked = StandardCharsets.UTF_8;
            length = 3;
        } else if (b0 == 0xFF && b1 == 0xFE) {
            marked = StandardCharsets.UTF_16LE;
            length = 2;
        } else if (b0 == 0xFE && b1 == 0xFF) {
            marked = StandardCharsets.UTF_16BE;
            length = 2;
        }
        if (marked != null) {
            bytes.position(bytes.position() + length);
            bytesDecoded += length;
            if (!marked.equals(configured)) {
                decoder = strictDecoder(marked);
            }
        }
    }

    private static CharsetDecoder strictDecoder(Charset charset) {
        return charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
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
        String charset = decoder.charset().name();
        return new CsvInputException(line, bytesDecoded, "bytes invalid in " + charset + ":" + hex
                + (bytesDecoded == 0 || hex.indexOf(" 00") >= 0 ? " (binary file?)" : "")
                + "; " + charsetHint(charset));
    }

    /**
     * Which setting to change, and to what: a file that is not UTF-8 is most often Latin-1 or an Excel export from
     * Windows, which windows-1252 reads (it is ISO-8859-1 plus printable characters in 0x80-0x9F).
     */
    private String charsetHint(String charset) {
        if (!decoder.charset().equals(configured)) {
            return "the file's byte order mark says " + charset + ", which decides over " + CHARSET_SETTING;
        }
        String suggestion = configured.equals(StandardCharsets.UTF_8)
                ? "windows-1252 (Latin-1, Excel on Windows)" : "UTF-8";
        return CHARSET_SETTING + " is " + charset + ": set it to the file's encoding, for example " + suggestion;
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
