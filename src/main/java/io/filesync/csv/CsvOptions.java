package io.filesync.csv;

import java.nio.charset.Charset;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How the CSV files of one watched folder are read and named: one instance per folder, immutable.
 * <p>
 * YAML beans build it through {@link #of}, which takes plain strings so that a properties file can set every option.
 * Characters can be given by name ({@code comma}, {@code semicolon}, {@code tab}, {@code pipe}; {@code double},
 * {@code single}, {@code none}): Camel passes factory arguments inside double quotes, so a literal {@code "} cannot
 * reach it from YAML.
 *
 * @param delimiter  the field separator, or null to detect it per file ({@link DelimiterSniffer})
 * @param quote      the quote character, or null when fields are never quoted
 * @param charset    the encoding of the files; bytes invalid in it are an error, never silently replaced
 * @param header     whether the first record names the columns; without it they are {@code column_1..n}
 * @param allText    every column is TEXT, no type inference
 * @param tableNames how a file's path becomes a table name
 * @param include    regular expression a file's name must match to count as a CSV of this folder, used when the
 *                   folder is walked on start to find renamed files
 */
public record CsvOptions(Character delimiter, Character quote, Charset charset, boolean header, boolean allText,
                         TableNames tableNames, Pattern include) {

    /** How a file's path relative to the watched folder becomes a table name. */
    public enum TableNames {
        /** {@code sales/2024/q1.csv} gives {@code sales_2024_q1}: unique as long as paths are. */
        RELATIVE_PATH,
        /** {@code sales/2024/q1.csv} gives {@code q1}, as the original tool did: two {@code q1.csv} files clash. */
        FILE_NAME;

        /** Accepts {@code relative-path}, {@code file-name} and the constant names, in any case. */
        public static TableNames parse(String text) {
            String normal = text == null ? "" : text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
            for (TableNames value : values()) {
                if (value.name().equals(normal)) {
                    return value;
                }
            }
            throw new IllegalArgumentException("Unknown table naming '" + text + "': use relative-path or file-name");
        }
    }

    public static final String DEFAULT_INCLUDE = "(?i).*\\.[ct]sv";

    public CsvOptions {
        if (delimiter != null && (delimiter == '\n' || delimiter == '\r' || delimiter.equals(quote))) {
            throw new IllegalArgumentException("The CSV delimiter must differ from the quote and from line breaks");
        }
        if (charset == null || tableNames == null || include == null) {
            throw new IllegalArgumentException("charset, tableNames and include are required");
        }
    }

    /** Delimiter detected per file, double quote, UTF-8, a header row, typed columns, tables named by relative path. */
    public static CsvOptions defaults() {
        return new CsvOptions(null, '"', java.nio.charset.StandardCharsets.UTF_8, true, false, TableNames.RELATIVE_PATH,
                Pattern.compile(DEFAULT_INCLUDE));
    }

    /**
     * Builds options from configuration text.
     *
     * @param delimiter  one character, or comma, semicolon, tab ({@code \t} too), pipe; auto or empty to detect it per
     *                   file
     * @param quote      one character, or double, single, none (empty is none too)
     * @param charset    a charset name such as {@code UTF-8} or {@code windows-1252}
     * @param header     whether the first row is a header
     * @param allText    whether every column is TEXT
     * @param tableNames {@code relative-path} or {@code file-name}
     * @param include    regular expression for file names; empty for {@link #DEFAULT_INCLUDE}
     */
    public static CsvOptions of(String delimiter, String quote, String charset, boolean header, boolean allText,
                                String tableNames, String include) {
        return new CsvOptions(delimiterOf(delimiter), quoteOf(quote), charsetOf(charset), header, allText,
                TableNames.parse(tableNames),
                Pattern.compile(include == null || include.isBlank() ? DEFAULT_INCLUDE : include));
    }

    /** A delimiter, or null to detect it per file. */
    public CsvOptions withDelimiter(Character value) {
        return new CsvOptions(value, quote, charset, header, allText, tableNames, include);
    }

    public CsvOptions withQuote(Character value) {
        return new CsvOptions(delimiter, value, charset, header, allText, tableNames, include);
    }

    public CsvOptions withCharset(Charset value) {
        return new CsvOptions(delimiter, quote, value, header, allText, tableNames, include);
    }

    public CsvOptions withHeader(boolean value) {
        return new CsvOptions(delimiter, quote, charset, value, allText, tableNames, include);
    }

    public CsvOptions withAllText(boolean value) {
        return new CsvOptions(delimiter, quote, charset, header, value, tableNames, include);
    }

    public CsvOptions withTableNames(TableNames value) {
        return new CsvOptions(delimiter, quote, charset, header, allText, value, include);
    }

    /** Whether a file name (not path) is one of this folder's CSV files. */
    public boolean includes(String fileName) {
        return include.matcher(fileName).matches();
    }

    /** The name {@code csv.delimiter} accepts for a delimiter: comma, semicolon, tab, pipe, or the character itself. */
    static String nameOf(char delimiter) {
        return switch (delimiter) {
            case ',' -> "comma";
            case ';' -> "semicolon";
            case '\t' -> "tab";
            case '|' -> "pipe";
            default -> String.valueOf(delimiter);
        };
    }

    static Character delimiterOf(String text) {
        if (text == null || text.isEmpty() || text.strip().equalsIgnoreCase("auto")) {
            return null;
        }
        switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "comma":
                return ',';
            case "semicolon":
                return ';';
            case "tab", "\\t":
                return '\t';
            case "pipe":
                return '|';
            default:
                break;
        }
        if (text.length() != 1) {
            throw new IllegalArgumentException("A CSV delimiter (csv.delimiter) is auto, one character, or comma,"
                    + " semicolon, tab, pipe; not '" + text + "'");
        }
        return text.charAt(0);
    }

    static Charset charsetOf(String text) {
        try {
            return Charset.forName(text == null ? "" : text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown charset '" + text + "' in " + CheckedReader.CHARSET_SETTING
                    + ": use a Java charset name such as UTF-8, windows-1252, ISO-8859-1 or UTF-16", e);
        }
    }

    static Character quoteOf(String text) {
        if (text == null || text.isEmpty() || text.equalsIgnoreCase("none")) {
            return null;
        }
        if (text.equalsIgnoreCase("double")) {
            return '"';
        }
        if (text.equalsIgnoreCase("single")) {
            return '\'';
        }
        if (text.length() != 1) {
            throw new IllegalArgumentException("A CSV quote is one character or double, single, none; not '" + text + "'");
        }
        return text.charAt(0);
    }
}
