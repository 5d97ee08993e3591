package io.filesync.csv;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;

import io.filesync.core.db.SqlDialect;

/**
 * The column types a CSV column can be inferred as, from the narrowest to TEXT: what each accepts, its SQL type
 * per database, and how a cell is bound to a JDBC parameter.
 * <p>
 * Acceptance is strict on purpose, because a wrong guess loses data: {@code 007} is not an integer (a zip code or
 * an id would lose its zeros), {@code 1}/{@code 0} and {@code yes}/{@code no} are not booleans, and dates and
 * timestamps are ISO-8601 only (no locale-dependent formats). Anything doubtful stays TEXT.
 */
enum ColumnType {
    INTEGER, DECIMAL, BOOLEAN, DATE, TIMESTAMP, TIMESTAMP_TZ, TEXT;

    /**
     * SQLite's declared type of a decimal column. SQLite has no exact decimal: REAL keeps 15 significant digits and
     * NUMERIC affinity converts well-formed numbers to REAL (12.50 becomes 12.5). The name contains TEXT, so the
     * column has TEXT affinity and keeps the digits exactly as written; the DECIMAL in it tells readers what they are.
     */
    static final String SQLITE_DECIMAL = "DECIMAL_TEXT";

    /**
     * The SQL type of a column of this type. SQLite keeps dates and timestamps as ISO text, which sorts correctly,
     * and decimals as their digits ({@link #SQLITE_DECIMAL}); PostgreSQL's unconstrained NUMERIC is exact at any
     * precision and scale.
     */
    String sqlType(SqlDialect dialect) {
        SqlDialect.Kind kind = dialect.kind();
        return switch (this) {
            case INTEGER -> kind == SqlDialect.Kind.SQLITE ? "INTEGER" : "BIGINT";
            case DECIMAL -> kind == SqlDialect.Kind.SQLITE ? SQLITE_DECIMAL : "NUMERIC";
            case BOOLEAN -> "BOOLEAN";
            case DATE -> "DATE";
            case TIMESTAMP -> "TIMESTAMP";
            case TIMESTAMP_TZ -> kind == SqlDialect.Kind.SQLITE ? "TIMESTAMP" : "TIMESTAMP WITH TIME ZONE";
            case TEXT -> dialect.textType();
        };
    }

    /** Whether a non-empty cell is a value of this type. Cheap character checks come first: this runs per cell. */
    boolean accepts(String value) {
        return switch (this) {
            case INTEGER -> isInteger(value);
            case DECIMAL -> isDecimal(value);
            case BOOLEAN -> value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false");
            case DATE -> IsoTimes.isDate(value);
            case TIMESTAMP -> IsoTimes.isTimestamp(value);
            case TIMESTAMP_TZ -> IsoTimes.isTimestampWithZone(value);
            case TEXT -> true;
        };
    }

    /**
     * Binds a cell to a prepared statement parameter. The cell was accepted by this type in the first pass; if it
     * is not any more, the file changed between the passes, and the caller reports that.
     */
    void bind(PreparedStatement statement, int index, String value, SqlDialect.Kind kind) throws SQLException {
        if (value == null) {
            statement.setNull(index, sqlNullType());
            return;
        }
        switch (this) {
            case INTEGER -> statement.setLong(index, Long.parseLong(value));
            case DECIMAL -> {
                if (kind == SqlDialect.Kind.SQLITE) {
                    if (!isDecimal(value)) {
                        throw new IllegalArgumentException("not a decimal: " + value);
                    }
                    statement.setString(index, value);
                } else {
                    statement.setBigDecimal(index, new BigDecimal(value));
                }
            }
            case BOOLEAN -> {
                if (!accepts(value)) {
                    throw new IllegalArgumentException("not a boolean: " + value);
                }
                if (kind == SqlDialect.Kind.SQLITE) {
                    statement.setInt(index, value.equalsIgnoreCase("true") ? 1 : 0);
                } else {
                    statement.setBoolean(index, value.equalsIgnoreCase("true"));
                }
            }
            case DATE -> {
                if (kind == SqlDialect.Kind.SQLITE) {
                    // Validated by the first pass; SQLite keeps ISO text, so there is nothing to parse.
                    statement.setString(index, value);
                } else {
                    statement.setObject(index, LocalDate.parse(value));
                }
            }
            case TIMESTAMP -> bindTemporal(statement, index, value, kind, false);
            case TIMESTAMP_TZ -> bindTemporal(statement, index, value, kind, true);
            case TEXT -> statement.setString(index, value);
        }
    }

    private static void bindTemporal(PreparedStatement statement, int index, String value, SqlDialect.Kind kind,
                                     boolean zoned) throws SQLException {
        if (kind == SqlDialect.Kind.SQLITE) {
            // Kept as written (normalised to the 'T' form) so that text comparisons in SQL still sort by time.
            statement.setString(index, isoT(value));
        } else if (zoned) {
            statement.setObject(index, OffsetDateTime.parse(isoT(value)));
        } else {
            statement.setObject(index, LocalDateTime.parse(isoT(value)));
        }
    }

    private int sqlNullType() {
        return switch (this) {
            case INTEGER -> Types.BIGINT;
            case DECIMAL -> Types.NUMERIC;
            case BOOLEAN -> Types.BOOLEAN;
            case DATE -> Types.DATE;
            case TIMESTAMP -> Types.TIMESTAMP;
            case TIMESTAMP_TZ -> Types.TIMESTAMP_WITH_TIMEZONE;
            case TEXT -> Types.VARCHAR;
        };
    }

    /** Digits with an optional sign, no leading zero, within a long. */
    static boolean isInteger(String value) {
        int start = value.charAt(0) == '-' || value.charAt(0) == '+' ? 1 : 0;
        int digits = value.length() - start;
        if (digits == 0 || digits > 19 || (digits > 1 && value.charAt(start) == '0')) {
            return false;
        }
        for (int i = start; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return digits < 19 || parses(() -> Long.parseLong(value));
    }

    /** A plain or scientific decimal number; no leading zeros before other digits, no NaN or Infinity. */
    static boolean isDecimal(String value) {
        int i = value.charAt(0) == '-' || value.charAt(0) == '+' ? 1 : 0;
        int integerStart = i;
        while (i < value.length() && value.charAt(i) >= '0' && value.charAt(i) <= '9') {
            i++;
        }
        int integerDigits = i - integerStart;
        if (integerDigits > 1 && value.charAt(integerStart) == '0') {
            return false;
        }
        int fractionDigits = 0;
        if (i < value.length() && value.charAt(i) == '.') {
            i++;
            while (i < value.length() && value.charAt(i) >= '0' && value.charAt(i) <= '9') {
                i++;
                fractionDigits++;
            }
        }
        if (integerDigits + fractionDigits == 0) {
            return false;
        }
        if (i < value.length() && (value.charAt(i) == 'e' || value.charAt(i) == 'E')) {
            i++;
            if (i < value.length() && (value.charAt(i) == '-' || value.charAt(i) == '+')) {
                i++;
            }
            int exponentStart = i;
            while (i < value.length() && value.charAt(i) >= '0' && value.charAt(i) <= '9') {
                i++;
            }
            if (i == exponentStart || i - exponentStart > 4) {
                return false;
            }
        }
        return i == value.length();
    }

    /** ISO-8601 allows a space for the 'T' in common use; java.time does not. */
    static String isoT(String value) {
        return value.charAt(10) == ' ' ? value.substring(0, 10) + 'T' + value.substring(11) : value;
    }

    private static boolean parses(Runnable parse) {
        try {
            parse.run();
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
