package io.filesync.csv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.filesync.core.error.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up catch-up of one folder: compares the registry with the files on disk and deals with the tables whose
 * file vanished while filesync was stopped. A vanished file whose exact content (same size, same SHA-256) now sits
 * at a path no table was loaded from was renamed or moved: its table is renamed, not reloaded. Any other vanished
 * file was deleted: its table is dropped. New and changed files are the ingest consumer's job.
 * <p>
 * Only files with the size of a vanished one are hashed, so a start with nothing vanished reads no file at all.
 */
final class CsvReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(CsvReconciler.class);

    private final CsvTables tables;
    private final Path root;
    private final CsvOptions options;

    CsvReconciler(CsvTables tables, Path root, CsvOptions options) {
        this.tables = tables;
        this.root = root;
        this.options = options;
    }

    /** @return the number of tables renamed or dropped */
    int run() throws SQLException, IOException {
        CsvTables.Schema schema = tables.schema();
        if (!Files.isDirectory(root)) {
            // A missing folder is more likely an unmounted disk than a deliberate deletion of every file: dropping
            // every table on that evidence would be the worst possible guess. Deletions seen live still drop.
            LOG.warn("Watched folder {} does not exist: not reconciling its tables", root);
            return 0;
        }
        List<CsvRegistry.Entry> entries;
        try (Connection connection = tables.dataSource().getConnection()) {
            dropLeftoverStaging(connection, schema);
            entries = schema.registry().all(connection, tables.sourceKey());
        }
        Set<String> registered = new HashSet<>();
        List<CsvRegistry.Entry> vanished = new ArrayList<>();
        for (CsvRegistry.Entry entry : entries) {
            registered.add(entry.path());
            if (!Files.exists(root.resolve(entry.path()))) {
                vanished.add(entry);
            }
        }
        if (vanished.isEmpty()) {
            return 0;
        }
        Map<Long, List<String>> unregisteredBySize = unregisteredFiles(registered);
        Map<String, String> hashes = new HashMap<>();
        Set<String> taken = new HashSet<>();
        // One connection at a time: reconcile must also work on a pool of one.
        for (CsvRegistry.Entry entry : vanished) {
            String movedTo = findMoved(entry, unregisteredBySize.getOrDefault(entry.size(), List.of()), hashes, taken);
            if (movedTo != null && rename(entry, movedTo)) {
                taken.add(movedTo);
            } else {
                tables.drop(entry.path());
            }
        }
        return vanished.size();
    }

    private boolean rename(CsvRegistry.Entry entry, String movedTo) throws SQLException {
        try {
            try (Connection connection = tables.dataSource().getConnection()) {
                tables.renameTable(connection, entry, movedTo);
            }
            tables.renamedFile(entry.path(), movedTo);
            return true;
        } catch (BadInputException e) {
            // The new path's table name is taken: the ingest consumer will report that clash when it loads the file.
            LOG.warn("{}: moved to {} while stopped, but cannot take its table: {}", entry.path(), movedTo, e.getMessage());
            return false;
        }
    }

    private String findMoved(CsvRegistry.Entry entry, List<String> sameSize, Map<String, String> hashes,
                             Set<String> taken) throws IOException {
        for (String candidate : sameSize) {
            if (taken.contains(candidate)) {
                continue;
            }
            String hash = hashes.get(candidate);
            if (hash == null) {
                hash = CsvScanner.sha256Of(root.resolve(candidate));
                hashes.put(candidate, hash);
            }
            if (hash.equals(entry.sha256())) {
                return candidate;
            }
        }
        return null;
    }

    /** The folder's CSV files no table was loaded from, by size. */
    private Map<Long, List<String>> unregisteredFiles(Set<String> registered) throws IOException {
        Map<Long, List<String>> bySize = new HashMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String path = root.relativize(file).toString().replace('\\', '/');
                if (Files.isRegularFile(file) && options.includes(file.getFileName().toString()) && !registered.contains(path)) {
                    bySize.computeIfAbsent(Files.size(file), size -> new ArrayList<>()).add(path);
                }
            }
        }
        bySize.values().forEach(paths -> paths.sort(null));
        return bySize;
    }

    private static void dropLeftoverStaging(Connection connection, CsvTables.Schema schema) throws SQLException {
        for (String staging : schema.tables().stagingTables(connection)) {
            LOG.info("Dropping staging table {} left by an interrupted load", staging);
            schema.tables().drop(connection, staging);
        }
    }
}
