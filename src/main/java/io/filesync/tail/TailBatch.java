package io.filesync.tail;

import java.util.List;

/**
 * The body of one tail exchange: consecutive complete lines of one file, and the position reading reached. Whoever
 * stores the lines stores {@link #to()} with them, in the same transaction when it can (see {@link TailRowWriter}).
 *
 * @param offsets where positions of this source are kept
 * @param from    the position before these lines
 * @param to      the position after them
 * @param lines   the lines, in file order; bad lines included, flagged
 */
public record TailBatch(TailOffsets offsets, TailPosition from, TailPosition to, List<TailLine> lines) {
}
