package io.filesync.csv;

import java.util.ArrayList;
import java.util.List;

/**
 * Infers each column's type from every cell of the column, in one streaming pass: a column keeps the set of types
 * all its non-empty cells so far are values of, and ends as the narrowest one left. Memory is one small set per
 * column, whatever the number of rows.
 * <p>
 * Empty cells are NULL and do not decide anything; a column with no value at all is TEXT. Once a column is down to
 * TEXT its cells are no longer examined, so text-heavy files cost little.
 */
final class TypeInference {

    /** The candidates in order of preference: an integer column is also decimal, but INTEGER is the narrower. */
    private static final ColumnType[] ORDER = {ColumnType.INTEGER, ColumnType.DECIMAL, ColumnType.BOOLEAN,
            ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.TIMESTAMP_TZ};
    private static final int ALL = (1 << ORDER.length) - 1;
    private static final int INTEGER_OR_DECIMAL = 0b11;

    private final boolean allText;
    /** Per column, a bit per entry of ORDER still possible; 0 means TEXT. */
    private final List<int[]> candidates = new ArrayList<>();
    private final List<boolean[]> seenValue = new ArrayList<>();

    TypeInference(boolean allText) {
        this.allText = allText;
    }

    /** Takes one cell into account; null is an empty cell. */
    void accept(int column, String value) {
        while (candidates.size() <= column) {
            candidates.add(new int[] {ALL});
            seenValue.add(new boolean[1]);
        }
        if (value == null || allText) {
            return;
        }
        seenValue.get(column)[0] = true;
        int[] left = candidates.get(column);
        if (left[0] == 0) {
            return;
        }
        for (int i = 0; i < ORDER.length; i++) {
            int bit = 1 << i;
            if ((left[0] & bit) == 0) {
                continue;
            }
            if (!ORDER[i].accepts(value)) {
                left[0] &= ~bit;
            } else if (i == 0) {
                // An integer is a decimal, and no other type: the remaining checks cannot change anything.
                left[0] &= INTEGER_OR_DECIMAL;
                return;
            }
        }
    }

    /**
     * Whether every cell of the column so far is a value of the type: TEXT always is; a column with no cell yet
     * allows every type.
     */
    boolean allows(int column, ColumnType type) {
        if (type == ColumnType.TEXT || column >= candidates.size()) {
            return true;
        }
        for (int i = 0; i < ORDER.length; i++) {
            if (ORDER[i] == type) {
                return (candidates.get(column)[0] & (1 << i)) != 0;
            }
        }
        return false;
    }

    /** The number of columns seen, the widest record's width. */
    int columns() {
        return candidates.size();
    }

    /** The inferred type of a column; TEXT for a column never seen or never filled. */
    ColumnType typeOf(int column) {
        if (allText || column >= candidates.size() || !seenValue.get(column)[0]) {
            return ColumnType.TEXT;
        }
        int left = candidates.get(column)[0];
        for (int i = 0; i < ORDER.length; i++) {
            if ((left & (1 << i)) != 0) {
                return ORDER[i];
            }
        }
        return ColumnType.TEXT;
    }
}
