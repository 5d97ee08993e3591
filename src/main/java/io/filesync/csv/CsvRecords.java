package io.filesync.csv;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Iterator;

import io.filesync.core.error.BadInputException;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * One streaming read of a CSV file, record by record, with the line each record starts on. Every way the file can
 * be malformed comes out as a {@link BadInputException} naming the file, the line and the reason; only genuine I/O
 * trouble (a disk error) stays an {@link IOException}.
 * <p>
 * The parser is commons-csv, strict: no lenient end of file, no trailing data after a closing quote. Blank lines
 * are skipped. Nothing is kept but the current record.
 */
final class CsvRecords implements Closeable {

    private final String source;
    private final CheckedReader reader;
    private final CSVParser parser;
    private final Iterator<CSVRecord> iterator;
    private CSVRecord current;
    private long lineAfterPrevious;
    private long currentLine;

    private CsvRecords(String source, CheckedReader reader, CSVParser parser) {
        this.source = source;
        this.reader = reader;
        this.parser = parser;
        this.iterator = parser.iterator();
    }

    /**
     * Opens a file for one pass.
     *
     * @param source how errors name the file (its path relative to the watched folder)
     * @param digest fed with every byte of the file, or null
     */
    static CsvRecords open(Path file, String source, CsvOptions options, MessageDigest digest) throws IOException {
        InputStream in;
        try {
            in = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException(source, "the file was deleted before it could be loaded");
        }
        CheckedReader reader = new CheckedReader(in, options.charset(), digest);
        CSVFormat format = CSVFormat.RFC4180.builder()
                .setDelimiter(options.delimiter())
                .setQuote(options.quote())
                .setIgnoreEmptyLines(true)
                .setIgnoreSurroundingSpaces(false)
                .setTrim(false)
                .setLenientEof(false)
                .setTrailingData(false)
                .get();
        try {
            return new CsvRecords(source, reader, CSVParser.builder().setReader(reader).setFormat(format).get());
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            reader.close();
            throw failure(source, 1, e);
        }
    }

    /** Moves to the next record; false at the end of the file. */
    boolean next() throws IOException {
        lineAfterPrevious = parser.getCurrentLineNumber();
        try {
            if (!iterator.hasNext()) {
                current = null;
                return false;
            }
            current = iterator.next();
        } catch (UncheckedIOException | IllegalStateException e) {
            throw failure(source, lineAfterPrevious + 1, e);
        }
        // The parser counts the line breaks it consumed; the record began on the line after the previous one ended.
        currentLine = lineAfterPrevious + 1;
        return true;
    }

    int size() {
        return current.size();
    }

    /** The value of a field, or null when the cell is empty (empty cells are NULL, whether quoted or not). */
    String get(int index) {
        if (index >= current.size()) {
            return null;
        }
        String value = current.get(index);
        return value.isEmpty() ? null : value;
    }

    /** The value of a field as written, empty for an empty cell. */
    String raw(int index) {
        return current.get(index);
    }

    /** The 1-based line the current record starts on. */
    long line() {
        return currentLine;
    }

    /** Bytes read so far; after the last record, the size of the file as read. */
    long bytesRead() {
        return reader.bytesRead();
    }

    String source() {
        return source;
    }

    /** A problem with the current record, e.g. too many fields. */
    BadInputException badRecord(String reason) {
        return new BadInputException(source, currentLine, null, current == null ? null : String.join(",", current.values()), reason);
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }

    /** Maps whatever the reader or parser threw to bad input with a position, or back to the I/O failure it is. */
    private static RuntimeException failure(String source, long line, Exception e) throws IOException {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CheckedReader.CsvInputException input) {
                return new BadInputException(source, input.line(), input.offset(), null, input.getMessage(), e);
            }
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("EOF reached before encapsulated token finished")) {
            return new BadInputException(source, line, null, null,
                    "unbalanced quote: the quoted field starting on this line is never closed", e);
        }
        if (message.contains("Invalid character between encapsulated token and delimiter")) {
            return new BadInputException(source, line, null, null,
                    "unbalanced quote: text follows a closing quote before the next delimiter", e);
        }
        boolean malformed = e instanceof IllegalStateException;
        for (Throwable cause = e; cause != null && !malformed; cause = cause.getCause()) {
            malformed = cause instanceof CSVException;
        }
        if (!malformed) {
            Throwable cause = e instanceof UncheckedIOException unchecked ? unchecked.getCause() : e;
            if (cause instanceof IOException io) {
                throw io;
            }
        }
        return new BadInputException(source, line, null, null, "malformed CSV: " + message, e);
    }
}
