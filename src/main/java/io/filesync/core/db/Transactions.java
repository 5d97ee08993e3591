package io.filesync.core.db;

import java.sql.Connection;
import java.sql.SQLException;

/** Runs work in one transaction on a connection: committed when it returns, rolled back when it throws. */
public final class Transactions {

    /** Work that uses the connection and may fail with an SQLException. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private Transactions() {
    }

    /**
     * Commits what the work did, or rolls it back on any failure (a failed rollback is attached to the failure);
     * the connection's auto-commit mode is restored either way.
     */
    public static <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }
}
