package io.filesync.sync;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.BadInputException;
import io.filesync.output.SandboxedWriter;

/**
 * The folder side of the sync server: listing the root, creating folders, deleting files and folders, and moving
 * them within the root, with the file-state index kept in step. A move or a deletion may touch a whole subtree, so it runs alone
 * ({@link PathLocks#tree()}); a folder's creation only locks its own path.
 */
public final class SyncServerTree {

    private final Path root;
    private final SandboxedWriter sandbox;
    private final FileVersionRepository index;
    private final SyncAudit audit;
    private final PathLocks locks;

    SyncServerTree(Path root, SandboxedWriter sandbox, FileVersionRepository index, SyncAudit audit, PathLocks locks) {
        this.root = root;
        this.sandbox = sandbox;
        this.index = index;
        this.audit = audit;
        this.locks = locks;
    }

    /** The content hashes of every file the server holds, as far as its index vouches for them: what GC keeps. */
    List<byte[]> liveContents() {
        List<byte[]> live = new ArrayList<>();
        for (String version : index.snapshot().values()) {
            String hash = version.substring(version.lastIndexOf('|') + 1);
            if (hash.length() == 2 * Manifest.HASH_BYTES) {
                live.add(Manifest.parseHash(hash));
            }
        }
        return live;
    }

    /** Every folder and file under the root, in path order, files with their hash when the index still vouches for it. */
    List<SyncServer.Entry> list() throws IOException {
        Map<String, String> known = index.snapshot();
        List<SyncServer.Entry> entries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk.sorted()::iterator) {
                if (path.equals(root) || path.getFileName().toString().startsWith(FileAssembler.TEMP_PREFIX)) {
                    continue;
                }
                String relative = root.relativize(path).toString().replace('\\', '/');
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attributes.isDirectory()) {
                    entries.add(new SyncServer.Entry(relative, true, 0, null));
                } else if (attributes.isRegularFile()) {
                    String version = known.get(relative);
                    String prefix = attributes.size() + "|" + attributes.lastModifiedTime().toMillis() + "|";
                    String hash = version != null && version.startsWith(prefix) ? version.substring(prefix.length()) : null;
                    entries.add(new SyncServer.Entry(relative, false, attributes.size(), hash));
                }
            }
        }
        return entries;
    }

    /** Where a file's content goes: inside the root, parents created, and not a folder. */
    Path fileTarget(String path) {
        Path target = sandbox.confine(SyncPaths.checked(path), true);
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new BadInputException(path, "refused: a folder of that name exists");
        }
        return target;
    }

    /** Deletes a file or a folder with everything in it; a missing path is already deleted. */
    public void delete(String client, String path) throws IOException {
        try (PathLocks.Held held = locks.tree()) {
            Path target = sandbox.confine(SyncPaths.checked(path), false);
            if (target == null || !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                SyncPaths.deleteTree(target);
                index.writeBatch(Map.of(), index.snapshot(path + "/").keySet());
            } else {
                Files.delete(target);
            }
            index.forget(path);
        }
        audit.record(SyncAudit.entry(client, path, "delete", 0, 0, null));
    }

    /**
     * Renames or moves a file or folder within the root, replacing a file (or an empty folder) at the destination.
     *
     * @return false when the source is not there, so the client sends the content instead
     */
    public boolean move(String client, String from, String to) throws IOException {
        boolean directory;
        long size;
        try (PathLocks.Held held = locks.tree()) {
            Path source = sandbox.confine(SyncPaths.checked(from), false);
            if (source == null || !Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            Path target = sandbox.confine(SyncPaths.checked(to), true);
            if (target.startsWith(source) && !target.equals(source)) {
                throw new BadInputException(to, "move refused: a folder cannot move into itself (" + from + ")");
            }
            directory = Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS);
            try {
                Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (DirectoryNotEmptyException e) {
                throw new BadInputException(to, "move refused: " + to + " is a folder that is not empty");
            }
            if (directory) {
                Map<String, String> moved = new LinkedHashMap<>();
                Map<String, String> before = index.snapshot(from + "/");
                before.forEach((path, version) -> moved.put(to + path.substring(from.length()), version));
                index.writeBatch(moved, before.keySet());
            } else {
                index.rename(from, to);
            }
            size = directory ? 0 : Files.size(target);
        }
        audit.record(SyncAudit.entry(client, to, "move", 0, size, "from " + from));
        return true;
    }

    /** Creates folders (and their parents); an existing folder is fine. */
    public void mkdirs(String client, List<String> paths) throws IOException {
        List<SyncAudit.Entry> rows = new java.util.ArrayList<>();
        try (PathLocks.Held held = locks.files(paths)) {
            for (String path : paths) {
                Path target = sandbox.confine(SyncPaths.checked(path), true);
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new BadInputException(path, "mkdir refused: a file of that name exists");
                }
                Files.createDirectory(target);
                rows.add(SyncAudit.entry(client, path, "mkdir", 0, 0, null));
            }
        } finally {
            audit.recordAll(rows);
        }
    }

    public void mkdir(String client, String path) throws IOException {
        mkdirs(client, List.of(path));
    }
}
