package io.filesync.csv;

/**
 * Recognises ISO-8601 dates and timestamps by their characters, without java.time: type inference looks at every
 * cell of every date column, and {@code LocalDate.parse} (a formatter, a field map, an exception per miss) cost a
 * quarter of a load's time. The accepted forms are exactly those the loaders bind and PostgreSQL reads:
 * <ul>
 *   <li>date: {@code yyyy-MM-dd}, a real calendar day;</li>
 *   <li>timestamp: date, {@code T} or a space, {@code HH:mm}, optional {@code :ss}, optional {@code .} and 1 to 9
 *       fraction digits;</li>
 *   <li>timestamp with zone: a timestamp followed by {@code Z} or {@code ±HH:mm}.</li>
 * </ul>
 */
final class IsoTimes {

    private static final int DATE_LENGTH = 10;

    private IsoTimes() {
    }

    static boolean isDate(String value) {
        return value.length() == DATE_LENGTH && dateAt(value);
    }

    static boolean isTimestamp(String value) {
        int end = timeEnd(value);
        return end == value.length();
    }

    static boolean isTimestampWithZone(String value) {
        int end = timeEnd(value);
        if (end < 0 || end == value.length()) {
            return false;
        }
        int rest = value.length() - end;
        char sign = value.charAt(end);
        if (rest == 1) {
            return sign == 'Z';
        }
        return rest == 6 && (sign == '+' || sign == '-') && number(value, end + 1, 2) <= 18
                && value.charAt(end + 3) == ':' && number(value, end + 4, 2) <= 59;
    }

    /** Where the time part of a timestamp ends, or -1 when the value does not start with a valid timestamp. */
    private static int timeEnd(String value) {
        if (value.length() < 16 || !dateAt(value) || (value.charAt(10) != 'T' && value.charAt(10) != ' ')) {
            return -1;
        }
        if (number(value, 11, 2) > 23 || value.charAt(13) != ':' || number(value, 14, 2) > 59) {
            return -1;
        }
        int i = 16;
        if (i < value.length() && value.charAt(i) == ':') {
            if (i + 3 > value.length() || number(value, i + 1, 2) > 59) {
                return -1;
            }
            i += 3;
            if (i < value.length() && value.charAt(i) == '.') {
                int start = ++i;
                while (i < value.length() && isDigit(value.charAt(i))) {
                    i++;
                }
                if (i == start || i - start > 9) {
                    return -1;
                }
            }
        }
        return i;
    }

    private static boolean dateAt(String value) {
        if (value.length() < DATE_LENGTH || value.charAt(4) != '-' || value.charAt(7) != '-') {
            return false;
        }
        int year = number(value, 0, 4);
        int month = number(value, 5, 2);
        int day = number(value, 8, 2);
        return year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
    }

    private static int daysIn(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** The decimal number in {@code length} digits at {@code start}, or Integer.MAX_VALUE when not all digits. */
    private static int number(String value, int start, int length) {
        if (start + length > value.length()) {
            return Integer.MAX_VALUE;
        }
        int result = 0;
        for (int i = start; i < start + length; i++) {
            char c = value.charAt(i);
            if (!isDigit(c)) {
                return Integer.MAX_VALUE;
            }
            result = result * 10 + (c - '0');
        }
        return result;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
