package io.filesync.tail;

/**
 * One complete line read from a tailed file.
 *
 * @param path       the file's path relative to the tailed folder
 * @param lineNumber 1-based line number in the file
 * @param offset     byte offset of the line's first byte
 * @param text       the line without its line end; for a rejected line, its first bytes as far as they decode
 * @param problem    why the line cannot become a row (too long, bytes invalid in the charset), or null
 */
public record TailLine(String path, long lineNumber, long offset, String text, String problem) {

    public boolean isBad() {
        return problem != null;
    }
}
