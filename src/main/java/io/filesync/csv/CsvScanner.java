package io.filesync.csv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.filesync.core.db.SqlDialect;
import io.filesync.core.error.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first pass over a CSV file: one streaming read that hashes the bytes, validates the whole file (encoding,
 * quoting, row widths), and infers every column's type from all its cells. Nothing is written anywhere, so a file
 * that fails here leaves its table untouched, and an unchanged file (same hash) is recognised without a load.
 */
final class CsvScanner {

    private static final Logger LOG = LoggerFactory.getLogger(CsvScanner.class);

    private final CsvOptions options;

    CsvScanner(CsvOptions options) {
        this.options = options;
    }

    /**
     * Scans one file.
     *
     * @param source the path reported in errors
     * @throws BadInputException for an empty, binary or malformed file, or one deleted before it could be read
     * @throws IOException       for a failure to read that is not the file's fault
     */
    CsvScan scan(Path file, String source, SqlDialect dialect) throws IOException {
        return scan(file, source, dialect, Long.MAX_VALUE).scan();
    }

    /** A scan of a file's first rows; {@code complete} when those were all its rows. */
    record Sample(CsvScan scan, boolean complete) {
    }

    /**
     * Scans at most {@code maxRows} data rows. When the file has more, the types are a guess from those rows
     * (checked later by {@link RecordPump.Speculation}) and the hash is taken over the whole file separately.
     */
    Sample scan(Path file, String source, SqlDialect dialect, long maxRows) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new BadInputException(source, "the file was deleted before it could be loaded");
        }
        if (!attributes.isRegularFile()) {
            throw new BadInputException(source, "not a regular file");
        }
        if (attributes.size() == 0) {
            throw new BadInputException(source, 1L, 0L, null, "the file is empty (0 bytes): there is nothing to load");
        }
        CsvOptions options = withDelimiter(file, source);
        MessageDigest digest = sha256();
        TypeInference types = new TypeInference(options.allText());
        List<String> header = null;
        long rows = 0;
        long size;
        boolean complete = true;
        try (CsvRecords records = CsvRecords.open(file, source, options, digest)) {
            if (options.header()) {
                if (!records.next()) {
                    throw new BadInputException(source, 1L, null, null, "the file has no header row: it holds only blank lines");
                }
                header = new ArrayList<>(records.size());
                for (int i = 0; i < records.size(); i++) {
                    header.add(records.raw(i));
                }
            }
            // Parsing (with decoding and hashing) runs ahead on the pump's thread; type inference runs here.
            try (RecordPump pump = new RecordPump(records, -1)) {
                for (RecordPump.Batch batch = pump.next(); batch != null; batch = pump.next()) {
                    if (rows >= maxRows) {
                        complete = false;
                        break;
                    }
                    for (int r = 0; r < batch.size(); r++) {
                        String[] row = batch.rows()[r];
                        if (header != null && row.length > header.size()) {
                            throw pump.badRow(batch, r, "row has " + row.length + " fields but the header has "
                                    + header.size() + " columns");
                        }
                        for (int i = 0; i < row.length; i++) {
                            types.accept(i, row[i]);
                        }
                    }
                    rows += batch.size();
                }
            }
            size = records.bytesRead();
        }
        // A header-only file is valid CSV with zero records (an export of an empty result, a log rotated to empty):
        // it loads as an empty table with its columns (all TEXT, nothing to infer from). Refusing it would keep the
        // previous rows visible, which misstates the file; a 0-byte file has no columns at all and is refused above.
        if (header == null && rows == 0) {
            throw new BadInputException(source, 1L, null, null, "the file holds only blank lines: there is nothing to load");
        }
        SqlNames names = new SqlNames(dialect);
        int width = header != null ? header.size() : types.columns();
        List<String> columnNames = header != null ? names.columnsFor(header, width) : names.numberedColumns(width);
        List<CsvScan.Column> columns = new ArrayList<>(width);
        for (int i = 0; i < width; i++) {
            columns.add(new CsvScan.Column(columnNames.get(i), types.typeOf(i)));
        }
        String sha256 = complete ? HexFormat.of().formatHex(digest.digest()) : sha256Of(file);
        return new Sample(new CsvScan(sha256, complete ? size : attributes.size(), attributes.lastModifiedTime().toMillis(),
                columns, rows, options.delimiter()), complete);
    }

    /** The options with the file's delimiter: the configured one, or the one its first lines show. */
    private CsvOptions withDelimiter(Path file, String source) throws IOException {
        if (options.delimiter() != null) {
            return options;
        }
        char detected = DelimiterSniffer.detect(file, source, options);
        LOG.debug("{}: delimiter detected: {}", source, CsvOptions.nameOf(detected));
        return options.withDelimiter(detected);
    }

    /** Hashes a file without parsing it, to recognise a renamed file among unregistered ones. */
    static String sha256Of(Path file) throws IOException {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[64 * 1024];
        try (var in = Files.newInputStream(file)) {
            for (int count; (count = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, count);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
