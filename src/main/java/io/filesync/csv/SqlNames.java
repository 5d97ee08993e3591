package io.filesync.csv;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.filesync.core.db.SqlDialect;
import io.filesync.core.error.BadInputException;

/**
 * Turns file paths into table names and header cells into column names that are safe, predictable and within the
 * database's identifier limit. Names are always quoted in SQL as well; sanitising keeps them easy to type.
 * <p>
 * The rules, applied in order: accents are dropped ({@code é} becomes {@code e}); letters are lower-cased (SQLite
 * compares names case-insensitively even when quoted, so {@code Sales} and {@code sales} must be one name
 * everywhere); every run of characters other than {@code a-z}, {@code 0-9} and {@code _} becomes one {@code _};
 * leading and trailing {@code _} are removed; a name starting with a digit gets a prefix ({@code t_} for tables,
 * {@code c_} for columns). SQL keywords are kept as they are: quoted, they work as names.
 */
final class SqlNames {

    /** The leading column with the 0-based data-row number. A sanitised header never starts with '_', so never clashes. */
    static final String ROW_COLUMN = "_row";

    /** Names that belong to filesync's own tables or to the database itself; a CSV may not take them. */
    private static final List<String> RESERVED_PREFIXES = List.of("filesync_", "sqlite_", "pg_");

    /** Length of the hash suffix that keeps shortened names unique: '_' plus 8 hex digits. */
    private static final int HASH_SUFFIX = 9;

    private final SqlDialect dialect;

    SqlNames(SqlDialect dialect) {
        this.dialect = dialect;
    }

    /**
     * The table for a file.
     *
     * @param relativePath the file's path relative to the watched folder, '/'-separated
     * @throws BadInputException when the name is reserved
     */
    String tableFor(String relativePath, CsvOptions.TableNames mode) {
        String withoutExtension = stripExtension(relativePath);
        String base = mode == CsvOptions.TableNames.FILE_NAME
                ? withoutExtension.substring(withoutExtension.lastIndexOf('/') + 1)
                : withoutExtension;
        String name = sanitise(base);
        if (name.isEmpty()) {
            // Nothing usable survives (e.g. a name in a non-Latin script): the hash of the path is stable and unique.
            return "t" + hashSuffix(relativePath);
        }
        if (Character.isDigit(name.charAt(0))) {
            name = "t_" + name;
        }
        for (String prefix : RESERVED_PREFIXES) {
            if (name.startsWith(prefix)) {
                throw new BadInputException(relativePath, "table name '" + name + "' is reserved (names starting with "
                        + prefix + " belong to filesync or the database); rename the file");
            }
        }
        if (name.length() > dialect.maxIdentifierBytes()) {
            name = trimTrailingUnderscores(name.substring(0, dialect.maxIdentifierBytes() - HASH_SUFFIX)) + hashSuffix(relativePath);
        }
        return name;
    }

    /**
     * Column names for a header: sanitised, empty ones named {@code column_<position>}, duplicates numbered
     * {@code name_2}, {@code name_3} in order of appearance, all within the length limit. The {@link #ROW_COLUMN}
     * is not included.
     *
     * @param header the header cells, or null entries for missing ones
     * @param count  the number of columns (a header may be shorter than the widest record)
     */
    List<String> columnsFor(List<String> header, int count) {
        List<String> names = new ArrayList<>(count);
        Set<String> taken = new HashSet<>();
        taken.add(ROW_COLUMN);
        for (int i = 0; i < count; i++) {
            String cell = i < header.size() ? header.get(i) : null;
            String name = cell == null ? "" : sanitise(cell);
            if (name.isEmpty()) {
                name = "column_" + (i + 1);
            } else if (Character.isDigit(name.charAt(0))) {
                name = "c_" + name;
            }
            name = dialect.fit(name);
            String unique = name;
            for (int n = 2; !taken.add(unique); n++) {
                String suffix = "_" + n;
                unique = dialect.fit(name.substring(0, Math.min(name.length(), dialect.maxIdentifierBytes() - suffix.length()))) + suffix;
            }
            names.add(unique);
        }
        return names;
    }

    /** The column names of a file without a header: {@code column_1..n}. */
    List<String> numberedColumns(int count) {
        return columnsFor(List.of(), count);
    }

    /** A staging table name that no file can map to (reserved prefix) and no concurrent load shares. */
    static String stagingName() {
        return "filesync_staging_" + HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(8)
                .putLong(java.util.concurrent.ThreadLocalRandom.current().nextLong()).array()).substring(0, 12);
    }

    static boolean isStaging(String table) {
        return table.toLowerCase(Locale.ROOT).startsWith("filesync_staging_");
    }

    static String sanitise(String raw) {
        String ascii = Normalizer.normalize(raw, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "").toLowerCase(Locale.ROOT);
        StringBuilder name = new StringBuilder(ascii.length());
        boolean gap = false;
        for (int i = 0; i < ascii.length(); i++) {
            char c = ascii.charAt(i);
            boolean keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (keep) {
                if (gap && name.length() > 0) {
                    name.append('_');
                }
                name.append(c);
                gap = false;
            } else {
                gap = true;
            }
        }
        return name.toString();
    }

    private static String stripExtension(String path) {
        int slash = path.lastIndexOf('/');
        int dot = path.lastIndexOf('.');
        return dot > slash + 1 ? path.substring(0, dot) : path;
    }

    private static String trimTrailingUnderscores(String name) {
        int end = name.length();
        while (end > 1 && name.charAt(end - 1) == '_') {
            end--;
        }
        return name.substring(0, end);
    }

    private static String hashSuffix(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "_" + HexFormat.of().formatHex(hash, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
