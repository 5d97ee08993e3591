package io.filesync.csv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

import io.filesync.core.error.BadInputException;
import io.filesync.core.observe.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second pass of a load and the swap: one file into a staging table, then the old table out and the staging
 * table in, atomically. Also decides whether a path may take a table name at all ({@link #claim}).
 * <p>
 * Load and swap share one transaction. Readers keep seeing the old table until the commit (SQLite in WAL mode
 * gives them the last committed snapshot; PostgreSQL's transactional DDL holds the old table's lock only from the
 * DROP to the commit), and a failure or a crash at any point leaves the database as before, with no staging table
 * to clean up. Where DDL commits implicitly (some non-PostgreSQL servers), the staging table is dropped explicitly
 * on failure, and {@link CsvReconciler} drops any left over.
 */
final class TableSwap {

    private static final Logger LOG = LoggerFactory.getLogger(TableSwap.class);

    private final CsvTables.Schema schema;
    private final String sourceKey;
    private final Path root;
    private final CsvOptions options;
    private final Progress progress;

    TableSwap(CsvTables.Schema schema, String sourceKey, Path root, CsvOptions options) {
        this(schema, sourceKey, root, options, Progress.silent());
    }

    /** @param progress where a long load says its rows so far */
    TableSwap(CsvTables.Schema schema, String sourceKey, Path root, CsvOptions options, Progress progress) {
        this.progress = progress;
        this.schema = schema;
        this.sourceKey = sourceKey;
        this.root = root;
        this.options = options;
    }

    /**
     * Loads a scanned file and swaps it in as its table.
     *
     * @param current the path's registry entry, or null when it is new
     */
    long load(Connection connection, String path, String target, CsvScan scan, CsvRegistry.Entry current)
            throws SQLException, IOException {
        return load(connection, path, target, scan, current, null);
    }

    /**
     * Loads in one pass on types guessed from the file's first rows, when a speculation is given: every cell is
     * checked on the way, and {@link SpeculationFailed} (after a rollback) says the guess did not hold, so the
     * caller loads the exact way. The table swapped in is always typed as a full first pass would type it.
     */
    long load(Connection connection, String path, String target, CsvScan scan, CsvRegistry.Entry current,
              RecordPump.Speculation speculation) throws SQLException, IOException {
        claim(connection, path, target, null, false);
        Path file = root.resolve(path);
        String staging = SqlNames.stagingName();
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            schema.tables().create(connection, staging, scan);
            long rows;
            try (CsvRecords records = CsvRecords.open(file, path, options.withDelimiter(scan.delimiter()), null)) {
                if (options.header()) {
                    records.next();
                }
                // A first pass counted the rows; a single pass on guessed types knows them only at its end.
                try (Progress.Work rowsRead = progress.start(LOG, path + ": loading into table " + target, "rows",
                        speculation == null ? scan.rows() : -1, 0);
                     RecordPump pump = new RecordPump(records, scan.columns().size(), speculation, rowsRead)) {
                    rows = schema.loader().load(connection, staging, scan, pump);
                }
            }
            if (speculation != null && !speculation.confirmed()) {
                throw new SpeculationFailed("a column typed from the first rows is wider over the whole file");
            }
            if (changedSince(file, scan) || (speculation == null && rows != scan.rows())) {
                throw changedWhileLoading(path, file, null);
            }
            claim(connection, path, target, null, true);
            if (current != null && !current.table().equals(target)) {
                schema.tables().drop(connection, current.table());
            }
            schema.tables().drop(connection, target);
            schema.tables().rename(connection, staging, target);
            schema.registry().putLoaded(connection, new CsvRegistry.Entry(sourceKey, path, target, scan.sha256(),
                    scan.size(), rows, null, CsvOptions.nameOf(scan.delimiter())));
            connection.commit();
            LOG.info("{}: loaded {} rows into table {} (delimiter {})", path, rows, target,
                    CsvOptions.nameOf(scan.delimiter()));
            return rows;
        } catch (SQLException | IOException | RuntimeException | Error e) {
            rollbackQuietly(connection, staging, e);
            if (!(e instanceof BadInputException) && changedSince(file, scan)) {
                throw changedWhileLoading(path, file, e);
            }
            if (e instanceof SQLException sql && isDataError(sql)) {
                throw new BadInputException(path, null, null, null, "the database rejected a value: " + sql.getMessage(), e);
            }
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /**
     * Checks that a path may take a table name: the name is free, or already the path's own, or the one being
     * renamed, or held by a file of this folder that no longer exists (its deletion not processed yet). With
     * {@code apply}, such a stale holder is removed from the registry and its table dropped.
     *
     * @throws BadInputException when another existing file, or a table filesync did not create, holds the name
     */
    void claim(Connection connection, String path, String target, CsvRegistry.Entry renaming, boolean apply)
            throws SQLException {
        Optional<CsvRegistry.Entry> owner = schema.registry().ownerOf(connection, target);
        if (owner.isEmpty()) {
            if (schema.tables().exists(connection, target)) {
                throw new BadInputException(path, "table '" + target + "' already exists and was not loaded by filesync;"
                        + " it is left alone: rename the file");
            }
            return;
        }
        CsvRegistry.Entry holder = owner.get();
        boolean own = holder.sourceKey().equals(sourceKey) && holder.path().equals(path);
        if (own || holder.equals(renaming)) {
            return;
        }
        if (holder.sourceKey().equals(sourceKey) && !Files.exists(root.resolve(holder.path()))) {
            if (apply) {
                schema.tables().drop(connection, holder.table());
                schema.registry().delete(connection, sourceKey, holder.path());
                LOG.info("{}: takes over table {} from {}, which no longer exists", path, target, holder.path());
            }
            return;
        }
        throw new BadInputException(path, "table '" + target + "' already holds file '" + holder.path() + "'"
                + (holder.sourceKey().equals(sourceKey) ? "" : " of source '" + holder.sourceKey() + "'")
                + ": two files cannot share a table, rename one of them"
                + (options.tableNames() == CsvOptions.TableNames.FILE_NAME ? " or name tables by relative path" : ""));
    }

    /**
     * A value the database refuses (SQLSTATE class 22, data exception: out of range, invalid date) fails the same
     * way on every retry, so it is the file's fault, not an outage. Anything else may pass and is left to retry.
     */
    static boolean isDataError(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("22");
    }

    /** Whether the file is gone or no longer the version the first pass read. */
    static boolean changedSince(Path file, CsvScan scan) {
        try {
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            return now.size() != scan.size() || now.lastModifiedTime().toMillis() != scan.modifiedMillis();
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static BadInputException changedWhileLoading(String path, Path file, Throwable cause) {
        String reason = Files.exists(file)
                ? "the file changed while it was being loaded; the table keeps its previous content until the new version loads"
                : "the file was deleted while it was being loaded; the table keeps its previous content";
        return new BadInputException(path, null, null, null, reason, cause);
    }

    private void rollbackQuietly(Connection connection, String staging, Throwable failure) {
        try {
            connection.rollback();
            connection.setAutoCommit(true);
            schema.tables().drop(connection, staging);
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
