package io.filesync.csv;

import java.io.IOException;

import io.filesync.core.observe.Progress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import io.filesync.core.error.BadInputException;

/**
 * Parses a file's records on a helper thread, ahead of the database work on the caller's thread, and hands them
 * over in batches through a small bounded queue. Parsing and the database's own work (SQLite's inserts, the COPY
 * stream) then overlap instead of taking turns: on two cores the second pass takes about as long as the slower of
 * the two. Memory stays bounded: at most {@value #QUEUED} batches of {@value #BATCH_ROWS} rows wait.
 * <p>
 * The thread is not pooled: it lives exactly as long as one load, and {@link #close()} always stops and joins it
 * before the load returns, so nothing outlives the exchange that started it. Failures found while parsing (bad
 * input, I/O errors) are rethrown on the caller's thread by {@link #next()}, in order, after the rows before them.
 */
final class RecordPump implements AutoCloseable {

    private final Progress.Work rowsRead;

    static final int BATCH_ROWS = 2_000;
    private static final int QUEUED = 4;
    private static final Batch END = new Batch(new String[0][], new long[0], 0);

    /** Rows of one batch; cells are null when empty or missing. {@code lines} holds each row's 1-based line. */
    record Batch(String[][] rows, long[] lines, int size) {
    }

    private final CsvRecords records;
    private final int width;
    private final Speculation speculation;
    private final BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(QUEUED);
    private final Thread thread;
    private volatile Throwable failure;
    private boolean ended;

    /**
     * Starts reading.
     *
     * @param records the file, positioned after the header
     * @param width   the number of columns the first pass found, a wider record meaning the file changed since;
     *                or -1 in the first pass itself, where rows are as wide as their record and the caller checks
     */
    RecordPump(CsvRecords records, int width) {
        this(records, width, null);
    }

    /**
     * Starts reading for a single-pass load, checking every cell against the types guessed from the first rows.
     *
     * @param speculation the guessed types and the inference that checks them, fed on the parsing thread so the
     *                    database-feeding thread is not slowed; null for none
     */
    RecordPump(CsvRecords records, int width, Speculation speculation) {
        this(records, width, speculation, null);
    }

    /** @param rowsRead advanced by each batch handed out, for the load's progress line; null for none */
    RecordPump(CsvRecords records, int width, Speculation speculation, Progress.Work rowsRead) {
        this.rowsRead = rowsRead;
        this.records = records;
        this.width = width;
        this.speculation = speculation;
        this.thread = new Thread(this::pump, "filesync-csv-parse");
        thread.setDaemon(true);
        thread.start();
    }

    /** The next batch, or null after the last. Rethrows what stopped the parser. */
    Batch next() throws IOException {
        if (ended) {
            return null;
        }
        Batch batch;
        try {
            batch = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while loading " + records.source(), e);
        }
        if (batch != END) {
            if (rowsRead != null) {
                rowsRead.advance(batch.size(), 0);
            }
            return batch;
        }
        ended = true;
        Throwable thrown = failure;
        if (thrown instanceof IOException io) {
            throw io;
        }
        if (thrown instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
        return null;
    }

    /** The file's name for error messages. */
    String source() {
        return records.source();
    }

    /** Stops the parser if it is still running and waits for it, so the file is closed when this returns. */
    @Override
    public void close() {
        thread.interrupt();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void pump() {
        try {
            String[][] rows = new String[BATCH_ROWS][];
            long[] lines = new long[BATCH_ROWS];
            int size = 0;
            while (records.next()) {
                if (width >= 0 && records.size() > width) {
                    if (speculation != null) {
                        throw speculation.tooWide(records, width);
                    }
                    throw records.badRecord("the file changed while it was being loaded: row has " + records.size()
                            + " fields, the first pass found " + width);
                }
                String[] row = new String[width >= 0 ? width : records.size()];
                for (int i = 0; i < records.size(); i++) {
                    row[i] = records.get(i);
                }
                if (speculation != null) {
                    speculation.check(row);
                }
                rows[size] = row;
                lines[size] = records.line();
                if (++size == BATCH_ROWS) {
                    queue.put(new Batch(rows, lines, size));
                    rows = new String[BATCH_ROWS][];
                    lines = new long[BATCH_ROWS];
                    size = 0;
                }
            }
            if (size > 0) {
                queue.put(new Batch(rows, lines, size));
            }
        } catch (InterruptedException e) {
            // close() before the end: the load failed on the database side and nobody reads on.
            return;
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
        }
        try {
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Column types guessed from a file's first rows, checked against every later cell. The check keeps a full
     * inference running, so when the load ends it is known whether the guess equals what a full first pass would
     * have inferred, which is what {@link #confirmed()} tells.
     */
    static final class Speculation {
        private final java.util.List<ColumnType> guessed;
        private final boolean header;
        private final TypeInference inference;

        /**
         * @param guessed the types the first rows gave
         * @param header  whether the file has a header, so a wider row is bad input rather than a wrong guess
         * @param allText whether types are inferred at all
         */
        Speculation(java.util.List<ColumnType> guessed, boolean header, boolean allText) {
            this.guessed = java.util.List.copyOf(guessed);
            this.header = header;
            this.inference = new TypeInference(allText);
        }

        void check(String[] row) {
            for (int i = 0; i < row.length; i++) {
                inference.accept(i, row[i]);
                if (!inference.allows(i, guessed.get(i))) {
                    throw new SpeculationFailed("column " + (i + 1) + " is not all " + guessed.get(i));
                }
            }
        }

        RuntimeException tooWide(CsvRecords records, int width) {
            if (header) {
                return records.badRecord("row has " + records.size() + " fields but the header has " + width + " columns");
            }
            return new SpeculationFailed("a row is wider than the first rows");
        }

        /** After the last row: whether the guess is exactly what the whole file infers. */
        boolean confirmed() {
            for (int i = 0; i < guessed.size(); i++) {
                if (inference.typeOf(i) != guessed.get(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A problem with one row of a batch, found after parsing. */
    BadInputException badRow(Batch batch, int index, String reason) {
        String[] row = batch.rows()[index];
        StringBuilder content = new StringBuilder();
        for (int i = 0; i < row.length; i++) {
            content.append(i == 0 ? "" : ",").append(row[i] == null ? "" : row[i]);
        }
        return new BadInputException(records.source(), batch.lines()[index], null, content.toString(), reason);
    }
}
