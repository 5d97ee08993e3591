package io.filesync.tail;

import java.util.List;

/**
 * One batch the engine read: consecutive complete lines of one file, and the position reading reached. The consumer
 * sends the lines as the exchange body and the positions as headers; it stays inside the tail package.
 *
 * @param from  the position before these lines
 * @param to    the position after them
 * @param lines the lines, in file order; bad lines included, flagged
 */
record TailBatch(TailPosition from, TailPosition to, List<TailLine> lines) {
}
