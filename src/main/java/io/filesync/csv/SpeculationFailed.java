package io.filesync.csv;

/**
 * The column types guessed from the first rows of a file do not hold for a later row: the single-pass load stops,
 * rolls back, and the file is loaded again the exact way (a full first pass, then the load). Never leaves the
 * package: it is a decision, not an error.
 */
final class SpeculationFailed extends RuntimeException {

    private static final long serialVersionUID = 1L;

    SpeculationFailed(String reason) {
        super(reason, null, false, false);
    }
}
