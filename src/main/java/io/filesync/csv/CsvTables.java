package io.filesync.csv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import io.filesync.core.DryRunRecords;
import io.filesync.core.FileVersionRepository;
import io.filesync.core.db.SqlDialect;
import io.filesync.core.db.Transactions;
import io.filesync.core.error.BadInputException;
import io.filesync.core.observe.FilesyncMetrics;
import io.filesync.core.observe.Progress;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one table per CSV file of a watched folder in step with the file: the facade the CSV routes call (a bean
 * registered from YAML, so its public methods are API).
 * <p>
 * A load never shows readers a missing, empty or half-loaded table: rows go into a staging table, and the old table
 * is dropped and the staging one renamed into place in the same transaction that records the load in the registry
 * ({@value CsvRegistry#TABLE}). Any failure rolls all of it back, leaving the previous table as it was. Bad input
 * comes out as {@link BadInputException} (file, line, reason); a database failure as the {@link SQLException} it
 * is, for the shared error handling to retry.
 * <p>
 * Operations run one at a time per folder: they read and change the registry, and on SQLite writes are serial
 * anyway.
 */
public final class CsvTables implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(CsvTables.class);

    /** The database, given, or looked up by {@link #dataSourceName} on first use. */
    private volatile DataSource dataSource;
    private final String dataSourceName;
    private final Path root;
    private final String sourceKey;
    private final String job;
    private final CsvOptions options;
    /** Rows a file's types are guessed from before a single-pass load; a shorter file is scanned whole first. */
    static final long SPECULATION_ROWS = 10_000;

    private final FileVersionRepository fileVersions;
    private volatile boolean dryRun;
    private volatile DryRunRecords dryRunRecords;
    private final CsvScanner scanner;
    private volatile Schema schema;
    private volatile CamelContext camelContext;
    private volatile CsvMeters meters = CsvMeters.NONE;
    private volatile Progress progress = Progress.silent();

    /** The dialect-bound helpers, known once the database has been reached. */
    record Schema(SqlDialect dialect, SqlNames names, SqlTables tables, CsvRegistry registry, TableLoader loader) {
    }

    public CsvTables(DataSource dataSource, String directory, String sourceKey, CsvOptions options) {
        this(dataSource, directory, sourceKey, options, null);
    }

    /**
     * @param dataSource   the target database
     * @param directory    the watched folder; relative paths are resolved against it
     * @param sourceKey    names this folder in the registry; keep it stable, and distinct per folder
     * @param options      how files are read and tables named
     * @param fileVersions the ingest consumer's version store, told about renames and deletions so it neither
     *                     re-emits a renamed file nor forgets to emit a re-created one; may be null
     */
    public CsvTables(DataSource dataSource, String directory, String sourceKey, CsvOptions options,
                     FileVersionRepository fileVersions) {
        this(dataSource, null, directory, sourceKey, sourceKey, options, fileVersions);
    }

    private CsvTables(DataSource dataSource, String dataSourceName, String directory, String sourceKey, String job,
                      CsvOptions options, FileVersionRepository fileVersions) {
        if (sourceKey == null || sourceKey.isBlank()) {
            throw new IllegalArgumentException("A CSV folder needs a non-empty source key");
        }
        if ((dataSource == null && (dataSourceName == null || dataSourceName.isBlank()))
                || directory == null || directory.isBlank()) {
            throw new IllegalArgumentException("A CSV folder needs a dataSource and a directory");
        }
        this.dataSource = dataSource;
        this.dataSourceName = dataSourceName;
        this.root = Path.of(directory).toAbsolutePath().normalize();
        this.sourceKey = sourceKey;
        this.job = job == null || job.isBlank() ? sourceKey : job;
        this.options = options == null ? CsvOptions.defaults() : options;
        this.fileVersions = fileVersions;
        this.scanner = new CsvScanner(this.options);
    }

    /**
     * With {@code filesync.dry-run} on, a deleted file's table is kept and a "would drop table" is logged and recorded
     * in {@link DryRunRecords#TABLE} instead. Renames and reloads still happen: they keep the data.
     */
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    /**
     * Set by Camel for the registry bean, by the Kamelet's route for its own: loads are then counted per table in
     * filesync_csv_* meters, and a database given by name is looked up.
     */
    @Override
    public void setCamelContext(CamelContext camelContext) {
        if (camelContext == this.camelContext) {
            return;
        }
        this.camelContext = camelContext;
        this.meters = camelContext == null ? CsvMeters.NONE : new CsvMeters(FilesyncMetrics.of(camelContext), sourceKey);
        this.progress = camelContext == null ? Progress.silent() : Progress.of(camelContext);
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /**
     * Brings the table of a new or changed file in step: nothing when the registry holds the same content, a
     * rename when the content was registered under a path that no longer exists, else a load and swap.
     *
     * @param relativePath the file's path relative to the watched folder ({@code CamelFileName})
     */
    public synchronized SyncOutcome sync(String relativePath) throws SQLException, IOException {
        return sync(CsvPaths.normalise(root, relativePath), null);
    }

    /** The file is gone: drops its table, unless the file exists after all (re-created, or a stale event). */
    public synchronized SyncOutcome drop(String relativePath) throws SQLException {
        String path = CsvPaths.normalise(root, relativePath);
        if (Files.exists(root.resolve(path))) {
            LOG.debug("{}: not dropping the table, the file exists", path);
            return SyncOutcome.IGNORED;
        }
        Schema s = schema();
        try (Connection connection = dataSource().getConnection()) {
            Optional<CsvRegistry.Entry> entry = s.registry().find(connection, sourceKey, path);
            if (entry.isEmpty()) {
                return SyncOutcome.IGNORED;
            }
            if (dryRun) {
                // The registry keeps the entry, so every later reconcile reports the same table again until the
                // file is back or the setting is off.
                dryRunRecords().wouldHave(job, "drop table", entry.get().table(), "file " + path + " deleted");
                return SyncOutcome.WOULD_DROP;
            }
            inTransaction(connection, () -> {
                s.tables().drop(connection, entry.get().table());
                s.registry().delete(connection, sourceKey, path);
            });
            LOG.info("{}: file deleted, dropped table {}", path, entry.get().table());
        }
        if (fileVersions != null) {
            fileVersions.forget(path);
        }
        return SyncOutcome.DROPPED;
    }

    /**
     * A file moved within the folder: its table is renamed when the content is unchanged, else the new path is
     * loaded and the old table dropped. A move to a name that is not a CSV of this folder ({@code csv.include})
     * drops the table; a move from one loads the file.
     */
    public synchronized SyncOutcome rename(String from, String to) throws SQLException, IOException {
        String fromPath = CsvPaths.normalise(root, from);
        SyncOutcome outcome = sync(CsvPaths.normalise(root, to), fromPath);
        if (outcome != SyncOutcome.RENAMED) {
            SyncOutcome dropped = drop(fromPath);
            // Renamed to a name csv.include leaves out: the table goes, as if the file were deleted.
            return outcome == SyncOutcome.IGNORED ? dropped : outcome;
        }
        return outcome;
    }

    /**
     * Catches up with changes the change source cannot report one by one (a folder moved or deleted, a lost snapshot);
     * run once at start and after such changes. Tables of files that vanished are renamed when the same content now
     * sits at a path no table was loaded from, else dropped. New and changed files are left to {@link #sync}. Staging
     * tables left by a crash are dropped.
     *
     * @return the number of tables renamed or dropped
     */
    public synchronized int reconcile() throws SQLException, IOException {
        return new CsvReconciler(this, root, options).run();
    }

    /** The table a file maps to under this folder's naming; for tests and diagnostics. */
    public String tableName(String relativePath) throws SQLException {
        String path = CsvPaths.normalise(root, relativePath);
        return schema().names().tableFor(path, options.tableNames());
    }

    String sourceKey() {
        return sourceKey;
    }

    /**
     * The database. A bean declared in YAML names it instead of referring to it: the routes folder is read in no fixed
     * order, and the file declaring the DataSource may come later.
     */
    DataSource dataSource() {
        DataSource known = dataSource;
        if (known == null) {
            CamelContext context = camelContext;
            known = context == null ? null : context.getRegistry().lookupByNameAndType(dataSourceName, DataSource.class);
            if (known == null) {
                throw new IllegalStateException("No DataSource named '" + dataSourceName + "' in the registry");
            }
            dataSource = known;
        }
        return known;
    }

    private DryRunRecords dryRunRecords() {
        DryRunRecords known = dryRunRecords;
        if (known == null) {
            known = new DryRunRecords(dataSource());
            dryRunRecords = known;
        }
        return known;
    }

    private SyncOutcome sync(String path, String preferredFrom) throws SQLException, IOException {
        Path file = root.resolve(path);
        // The change source reports every file of the folder; only csv.include's are tables (a.csv renamed to a.txt
        // then drops a.csv's table in rename, a.txt renamed to a.csv loads it).
        if (!options.includes(file.getFileName().toString())) {
            LOG.debug("{}: not a CSV file of this folder (csv.include), ignored", path);
            return SyncOutcome.IGNORED;
        }
        Schema s = schema();
        String target = s.names().tableFor(path, options.tableNames());
        CsvScanner.Sample sample = scanner.scan(file, path, s.dialect(), SPECULATION_ROWS);
        CsvScan scan = sample.scan();
        CsvRegistry.Entry renamed;
        try (Connection connection = dataSource().getConnection()) {
            Optional<CsvRegistry.Entry> current = s.registry().find(connection, sourceKey, path);
            if (current.isPresent() && current.get().sha256().equals(scan.sha256())
                    && s.tables().exists(connection, current.get().table())) {
                if (current.get().table().equals(target)) {
                    return SyncOutcome.UNCHANGED;
                }
                renamed = current.get();
            } else {
                renamed = vanishedWithHash(connection, scan.sha256(), path, preferredFrom).orElse(null);
            }
            if (renamed == null) {
                long rows = load(connection, s, path, target, sample, current.orElse(null));
                meters.loaded(target, rows);
                return SyncOutcome.LOADED;
            }
            renameTable(connection, renamed, path);
        }
        // Outside the connection above: the version store takes its own, and the pool may hold only one.
        renamedFile(renamed.path(), path);
        return SyncOutcome.RENAMED;
    }

    /**
     * Loads and swaps. A file longer than its sample is loaded in a single pass on the sample's types, checked cell
     * by cell; only when they do not hold for the whole file is it scanned in full and loaded again. Most exports
     * keep their types, and so are read once rather than twice.
     */
    private long load(Connection connection, Schema s, String path, String target, CsvScanner.Sample sample,
                      CsvRegistry.Entry current) throws SQLException, IOException {
        TableSwap swap = new TableSwap(s, sourceKey, root, options, progress);
        if (sample.complete()) {
            return swap.load(connection, path, target, sample.scan(), current);
        }
        List<ColumnType> guessed = sample.scan().columns().stream().map(CsvScan.Column::type).toList();
        try {
            return swap.load(connection, path, target, sample.scan(), current,
                    new RecordPump.Speculation(guessed, options.header(), options.allText()));
        } catch (SpeculationFailed guessWrong) {
            LOG.info("{}: types from the first {} rows do not hold ({}); scanning the whole file", path,
                    SPECULATION_ROWS, guessWrong.getMessage());
            return swap.load(connection, path, target, scanner.scan(root.resolve(path), path, s.dialect()), current);
        }
    }

    /**
     * Moves a registered table to a new path's name, in one transaction with the registry, without reloading. The
     * path's own previous table, if any (a file moved over another), is replaced. The caller then calls
     * {@link #renamedFile}.
     */
    void renameTable(Connection connection, CsvRegistry.Entry from, String toPath) throws SQLException {
        Schema s = schema();
        String target = s.names().tableFor(toPath, options.tableNames());
        TableSwap swap = new TableSwap(s, sourceKey, root, options);
        inTransaction(connection, () -> {
            swap.claim(connection, toPath, target, from, true);
            Optional<CsvRegistry.Entry> replaced = s.registry().find(connection, sourceKey, toPath);
            if (replaced.isPresent() && !replaced.get().path().equals(from.path())) {
                if (!replaced.get().table().equals(from.table())) {
                    s.tables().drop(connection, replaced.get().table());
                }
                s.registry().delete(connection, sourceKey, toPath);
            }
            if (!from.table().equals(target)) {
                s.tables().drop(connection, target);
                s.tables().rename(connection, from.table(), target);
            }
            s.registry().move(connection, from, toPath, target);
        });
        LOG.info("{}: renamed from {}, table {} is now {} (content unchanged, not reloaded)", toPath, from.path(),
                from.table(), target);
    }

    /**
     * Tells the ingest consumer's version store that a file moved, so it does not emit the moved file again. Called
     * after {@link #renameTable} once its connection is closed.
     */
    void renamedFile(String fromPath, String toPath) {
        if (fileVersions != null && !fromPath.equals(toPath)) {
            fileVersions.rename(fromPath, toPath);
        }
    }

    /** A registered entry with this content whose file no longer exists, preferring the given path. */
    private Optional<CsvRegistry.Entry> vanishedWithHash(Connection connection, String sha256, String path,
                                                         String preferred) throws SQLException {
        List<CsvRegistry.Entry> candidates = schema().registry().withHash(connection, sourceKey, sha256).stream()
                .filter(entry -> !entry.path().equals(path) && !Files.exists(root.resolve(entry.path())))
                .toList();
        return candidates.stream().filter(entry -> entry.path().equals(preferred)).findFirst()
                .or(() -> candidates.stream().findFirst());
    }

    /** Learns the database on first use (and after a failed first use): filesync may start while it is down. */
    Schema schema() throws SQLException {
        Schema known = schema;
        if (known != null) {
            return known;
        }
        try (Connection connection = dataSource().getConnection()) {
            SqlDialect dialect = SqlDialect.of(connection);
            CsvRegistry registry = new CsvRegistry(dialect);
            registry.createIfMissing(connection);
            known = new Schema(dialect, new SqlNames(dialect), new SqlTables(dialect), registry, TableLoader.forDialect(dialect));
        }
        schema = known;
        return known;
    }

    /** Runs work in one transaction on the connection, rolling back on any failure. */
    static void inTransaction(Connection connection, SqlWork work) throws SQLException {
        Transactions.inTransaction(connection, tx -> {
            work.run();
            return null;
        });
    }

    @FunctionalInterface
    interface SqlWork {
        void run() throws SQLException;
    }
    /** Tables from named settings: for a Kamelet's beans, which take a factory method but no builderClass. */
    public static CsvTables of(Builder settings) {
        return settings.build();
    }

    /** Starts a {@link Builder}: the named-property way YAML beans build this class. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a {@link CsvTables} from named settings, each one plain text as a properties file gives it. YAML
     * declares it with {@code builderClass: io.filesync.csv.CsvTables$Builder} and {@code properties:}, so every
     * setting is named where it is set; a setting left out keeps the default its setter names.
     */
    public static final class Builder {
        private DataSource dataSource;
        private String dataSourceName = "filesyncDataSource";
        private String directory;
        private String sourceKey;
        private String job;
        // Each setting is checked as it is set: a bad one then fails the start naming that setting and its value.
        private Character delimiter;
        private Character quote = '"';
        private java.nio.charset.Charset charset = java.nio.charset.StandardCharsets.UTF_8;
        private boolean header = true;
        private boolean allText;
        private CsvOptions.TableNames tableNames = CsvOptions.TableNames.RELATIVE_PATH;
        private java.util.regex.Pattern include = java.util.regex.Pattern.compile(CsvOptions.DEFAULT_INCLUDE);
        private boolean dryRun;
        private FileVersionRepository fileVersions;

        /** The database the tables go to; wins over {@link #setDataSourceName}. */
        public void setDataSource(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /** Registry name of the database, looked up on first use; default filesyncDataSource. */
        public void setDataSourceName(String dataSourceName) {
            this.dataSourceName = dataSourceName;
        }

        /** The CSV folder; paths in events are relative to it; required. */
        public void setDirectory(String directory) {
            this.directory = directory;
        }

        /** Names the folder in filesync_csv_tables; keep it stable, a new key forgets every table loaded; required. */
        public void setSourceKey(String sourceKey) {
            this.sourceKey = sourceKey;
        }

        /** Names the flow in filesync_dry_run, as the routes' group names it in filesync_errors; default: the source key. */
        public void setJob(String job) {
            this.job = job;
        }

        /** auto (sniffed per file), one character, or comma, semicolon, tab, pipe; default auto. */
        public void setDelimiter(String delimiter) {
            this.delimiter = CsvOptions.delimiterOf(delimiter);
        }

        /** double, single, none or one character; default double. */
        public void setQuote(String quote) {
            this.quote = CsvOptions.quoteOf(quote);
        }

        /** The files' charset; a byte order mark decides over it; default UTF-8. */
        public void setCharset(String charset) {
            this.charset = CsvOptions.charsetOf(charset);
        }

        /** Whether the first row names the columns; default true. */
        public void setHeader(boolean header) {
            this.header = header;
        }

        /** Every column TEXT, no type inference; default false. */
        public void setAllText(boolean allText) {
            this.allText = allText;
        }

        /** relative-path or file-name; default relative-path. */
        public void setTableNames(String tableNames) {
            this.tableNames = CsvOptions.TableNames.parse(tableNames);
        }

        /** Regular expression a file name must match to be a table; default .csv and .tsv in any case. */
        public void setInclude(String include) {
            this.include = java.util.regex.Pattern.compile(include == null || include.isBlank() ? CsvOptions.DEFAULT_INCLUDE : include);
        }

        /** Keep a deleted file's table and record "would drop table" instead; default false. */
        public void setDryRun(boolean dryRun) {
            this.dryRun = dryRun;
        }

        /**
         * The version store of a filesync-file-source feeding these tables, told about renames and deletions so it
         * neither emits a renamed file again nor forgets a re-created one; none by default (a watch source needs none).
         */
        public void setFileVersions(FileVersionRepository fileVersions) {
            this.fileVersions = fileVersions;
        }

        public CsvTables build() {
            CsvTables tables = new CsvTables(dataSource, dataSourceName, directory, sourceKey, job,
                    new CsvOptions(delimiter, quote, charset, header, allText, tableNames, include), fileVersions);
            tables.setDryRun(dryRun);
            return tables;
        }
    }
}
