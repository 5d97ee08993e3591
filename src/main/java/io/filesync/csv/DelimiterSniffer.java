package io.filesync.csv;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;

import io.filesync.core.error.BadInputException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Finds a file's delimiter when none is configured, from a sample of its first {@value #SAMPLE_CHARS} characters:
 * the candidate that splits every complete record of the sample into the same number of fields, more than one.
 * This is the consistency test of Python's {@code csv.Sniffer} (what {@code sqlite-utils --sniff} uses), but the
 * sample is split by commons-csv itself, so quoted fields, quoted line breaks, a byte order mark and CRLF are read
 * exactly as the load will read them.
 * <p>
 * Nothing here fails a file: a sample the parser rejects, or one no candidate splits evenly (a one-column file),
 * gives the fallback, and the load then reports any problem with its position.
 */
final class DelimiterSniffer {

    /** Characters read at most: enough for dozens of lines of a wide export, and memory independent of the file. */
    static final int SAMPLE_CHARS = 64 * 1024;

    /**
     * Candidates in order of preference when several split every record evenly (headerless data such as
     * {@code 1,5;2,5}): comma last, because commas occur inside values (decimal commas, thousands, prose) far more
     * often than tabs, semicolons or pipes.
     */
    private static final char[] CANDIDATES = {'\t', ';', '|', ','};

    private DelimiterSniffer() {
    }

    /** Detects the delimiter of a file; {@code source} names it in errors and decides the fallback. */
    static char detect(Path file, String source, CsvOptions options) throws IOException {
        InputStream in;
        try {
            in = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException(source, "the file was deleted before it could be loaded");
        }
        try (in) {
            return detect(in, source, options);
        }
    }

    /** Detects the delimiter from the start of a stream, which stays open. */
    static char detect(InputStream in, String source, CsvOptions options) throws IOException {
        Sample sample = read(new CheckedReader(in, options.charset(), null));
        for (char candidate : CANDIDATES) {
            if (splitsEvenly(sample, candidate, options.quote())) {
                return candidate;
            }
        }
        return fallback(source);
    }

    /** Comma, or tab for a {@code .tsv} file: what the file's name promises when its content cannot tell. */
    static char fallback(String source) {
        return source.toLowerCase(Locale.ROOT).endsWith(".tsv") ? '\t' : ',';
    }

    /** The first characters of a file; {@code whole} when they are all of it. */
    private record Sample(String text, boolean whole) {
    }

    private static Sample read(CheckedReader reader) throws IOException {
        char[] buffer = new char[SAMPLE_CHARS];
        int length = 0;
        boolean whole = false;
        try {
            while (length < buffer.length) {
                int count = reader.read(buffer, length, buffer.length - length);
                if (count < 0) {
                    whole = true;
                    break;
                }
                length += count;
            }
        } catch (CheckedReader.CsvInputException e) {
            // Invalid bytes or a NUL: detect from the text before them; the load reports the problem where it is.
        }
        return new Sample(new String(buffer, 0, length), whole);
    }

    /**
     * Whether every complete record of the sample has the same number of fields under this delimiter, more than one.
     * A record the sample cuts off is not counted; a parse error ends the sample where it occurs.
     */
    private static boolean splitsEvenly(Sample sample, char delimiter, Character quote) {
        if (quote != null && quote == delimiter) {
            return false;
        }
        CSVFormat format = CSVFormat.RFC4180.builder()
                .setDelimiter(delimiter)
                .setQuote(quote)
                .setIgnoreEmptyLines(true)
                .setLenientEof(false)
                .setTrailingData(false)
                .get();
        Widths widths = new Widths();
        try (CSVParser parser = CSVParser.builder().setReader(new StringReader(sample.text())).setFormat(format)
                .get()) {
            Iterator<CSVRecord> iterator = parser.iterator();
            // Each record is counted once the next one parsed: the last one may be cut off by the end of the sample.
            int held = -1;
            boolean heldComplete = sample.whole();
            while (true) {
                CSVRecord record;
                try {
                    if (!iterator.hasNext()) {
                        break;
                    }
                    record = iterator.next();
                } catch (UncheckedIOException | IllegalStateException e) {
                    // The held record ended before the error, so it is complete; nothing after it counts.
                    heldComplete = true;
                    break;
                }
                if (held >= 0) {
                    widths.add(held);
                }
                held = record.size();
            }
            if (held >= 0 && heldComplete) {
                widths.add(held);
            }
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            return false;
        }
        return widths.evenAndWide();
    }

    /** The field counts of a sample's records, summed up as whether they are all equal and more than one. */
    private static final class Widths {
        private int width = -1;
        private boolean even = true;

        void add(int count) {
            even &= width < 0 || count == width;
            width = count;
        }

        boolean evenAndWide() {
            return even && width > 1;
        }
    }
}
