package io.filesync.sync;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.FileVisitResult;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.filesync.core.ConfinedFolder;
import io.filesync.core.ConfinedFolders;
import io.filesync.core.FileVersionRepository;
import io.filesync.core.error.BadInputException;
import io.filesync.output.SandboxedWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder side of the sync server: listing the root, creating folders, deleting files and folders, and moving
 * them within the root, with the file-state index kept in step. A move or a deletion may touch a whole subtree, so it runs alone
 * ({@link PathLocks#tree()}); a folder's creation only locks its own path.
 */
public final class SyncServerTree {

    private static final Logger LOG = LoggerFactory.getLogger(SyncServerTree.class);
    /** Longest path Linux opens, in bytes (PATH_MAX less its NUL). */
    static final int MAX_PATH_BYTES = 4095;
    /** How the JDK turns a path into bytes for the kernel. */
    private static final Charset FILE_NAMES = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));

    private final Path root;
    private final Path realRoot;
    private final SandboxedWriter sandbox;
    private final FileVersionRepository index;
    private final SyncAudit audit;
    private final PathLocks locks;

    /** @param realRoot the root with links resolved, where folder handles start */
    SyncServerTree(Path root, Path realRoot, SandboxedWriter sandbox, FileVersionRepository index, SyncAudit audit,
                   PathLocks locks) {
        this.root = root;
        this.realRoot = realRoot;
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

    /** A file being put in place, or a folder being born, under its temporary name: not part of the tree. */
    static boolean isTemporary(String name) {
        return name.startsWith(FileAssembler.TEMP_PREFIX) || name.startsWith(ConfinedFolders.NEW_FOLDER_PREFIX);
    }

    /**
     * Every folder and file under the root, in path order, files with their hash when the index still vouches for it.
     * An entry that cannot be read (put there by something else: a path too long to open, a folder it may not list)
     * is left out, and logged, rather than failing every client's listing.
     */
    List<SyncServer.Entry> list() throws IOException {
        Map<String, String> known = index.snapshot();
        List<SyncServer.Entry> entries = new ArrayList<>();
        Map<Path, BasicFileAttributes> walked = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path folder, BasicFileAttributes attributes) {
                walked.put(folder, attributes);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                walked.put(file, attributes);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (file.equals(root)) {
                    throw e;
                }
                if (!(e instanceof NoSuchFileException)) {
                    LOG.warn("Sync server: {} left out of the listing, it cannot be read: {}", file.toUri(), e.getMessage());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        for (Map.Entry<Path, BasicFileAttributes> each : walked.entrySet()) {
            Path path = each.getKey();
            BasicFileAttributes attributes = each.getValue();
            if (path.equals(root) || isTemporary(path.getFileName().toString())) {
                continue;
            }
            String relative = SyncPaths.wirePath(root.relativize(path));
            if (relative == null) {
                // Put there by something else, in bytes Java cannot spell: no client can name it either.
                continue;
            }
            if (attributes.isDirectory()) {
                entries.add(new SyncServer.Entry(relative, true, 0, null));
            } else if (attributes.isRegularFile()) {
                String version = known.get(relative);
                String prefix = attributes.size() + "|" + attributes.lastModifiedTime().toMillis() + "|";
                String hash = version != null && version.startsWith(prefix) ? version.substring(prefix.length()) : null;
                entries.add(new SyncServer.Entry(relative, false, attributes.size(), hash));
            }
        }
        return entries;
    }

    /**
     * A checked path's place under the root, refused when its whole path is longer than Linux opens (PATH_MAX): the
     * file could be written through folder handles, but nothing could open it by its path afterwards.
     */
    private Path located(String path) {
        Path target = sandbox.locate(SyncPaths.checked(path));
        int bytes = target.toString().getBytes(FILE_NAMES).length;
        if (bytes > MAX_PATH_BYTES) {
            throw new BadInputException(path, "refused: the path is too long for this server (" + bytes
                    + " bytes under its root " + root + ", at most " + MAX_PATH_BYTES + ")");
        }
        return target;
    }

    /**
     * Where a file's content goes: inside the root, and not a folder. Missing folders on the way are created when
     * the file is put in place, through folder handles ({@link FileAssembler}).
     */
    Path fileTarget(String path) {
        Path target = located(path);
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new BadInputException(path, "refused: a folder of that name exists");
        }
        return target;
    }

    /**
     * Deletes a file or a folder with everything in it; a missing path is already deleted. The path is checked, then
     * deleted through folder handles opened from the root without following links, every level of a folder's tree
     * too, so a folder swapped for a link after the check fails the delete instead of deleting outside the root.
     */
    public void delete(String client, String path) throws IOException {
        try (PathLocks.Held held = locks.tree(); ConfinedFolders folders = new ConfinedFolders(realRoot)) {
            Existing target = existing(folders, path);
            if (target == null) {
                return;
            }
            if (target.attributes().isDirectory()) {
                target.folder().deleteTree(target.name());
                index.writeBatch(Map.of(), index.snapshot(path + "/").keySet());
            } else {
                target.folder().delete(target.name());
            }
            index.forget(path);
        }
        audit.record(SyncAudit.entry(client, path, "delete", 0, 0, null));
    }

    /**
     * Renames or moves a file or folder within the root, replacing a file (or an empty folder) at the destination:
     * one {@code renameat} from the source's folder handle to the destination's, both opened from the root without
     * following links, the destination's missing folders created the same way.
     *
     * @return false when the source is not there, so the client sends the content instead
     */
    public boolean move(String client, String from, String to) throws IOException {
        boolean directory;
        long size;
        try (PathLocks.Held held = locks.tree(); ConfinedFolders folders = new ConfinedFolders(realRoot)) {
            Existing existing = existing(folders, from);
            if (existing == null) {
                return false;
            }
            Path source = existing.path();
            ConfinedFolder sourceFolder = existing.folder();
            String sourceName = existing.name();
            BasicFileAttributes attributes = existing.attributes();
            Path target = located(to);
            if (target.startsWith(source) && !target.equals(source)) {
                throw new BadInputException(to, "move refused: a folder cannot move into itself (" + from + ")");
            }
            directory = attributes.isDirectory();
            size = directory ? 0 : attributes.size();
            if (!target.equals(source)) {
                String targetName = target.getFileName().toString();
                ConfinedFolder targetFolder = createdFolder(folders, to, target.getParent());
                makeRoom(targetFolder, targetName, directory, to);
                try {
                    targetFolder.moveFrom(sourceFolder, sourceName, targetName);
                } catch (FileSystemException e) {
                    throw new BadInputException(to, "move refused: " + to + " could not be replaced (" + e.getMessage() + ")");
                }
            }
            if (directory) {
                Map<String, String> moved = new LinkedHashMap<>();
                Map<String, String> before = index.snapshot(from + "/");
                before.forEach((path, version) -> moved.put(to + path.substring(from.length()), version));
                index.writeBatch(moved, before.keySet());
            } else {
                index.rename(from, to);
            }
        }
        audit.record(SyncAudit.entry(client, to, "move", 0, size, "from " + from));
        return true;
    }

    /**
     * Clears the destination of a move as a replacing rename would: a folder that is not empty is refused, and an
     * entry of the other kind (a file where a folder goes, or an empty folder where a file goes) is removed first,
     * since a rename replaces only its own kind.
     */
    private static void makeRoom(ConfinedFolder folder, String name, boolean directory, String to) throws IOException {
        BasicFileAttributes existing = folder.attributes(name);
        if (existing == null) {
            return;
        }
        if (existing.isDirectory()) {
            try (ConfinedFolder inside = folder.child(name)) {
                if (!inside.isEmpty()) {
                    throw new BadInputException(to, "move refused: " + to + " is a folder that is not empty");
                }
            }
        }
        if (existing.isDirectory() != directory) {
            folder.deleteTree(name);
        }
    }

    /** Creates folders (and their parents) through folder handles; an existing folder is fine; any refusal throws. */
    public void mkdirs(String client, List<String> paths) throws IOException {
        Map<String, String> refused = new LinkedHashMap<>();
        mkdirs(client, paths, refused);
        for (Map.Entry<String, String> first : refused.entrySet()) {
            throw new BadInputException(first.getKey(), first.getValue());
        }
    }

    /**
     * Creates folders (and their parents) through folder handles; an existing folder is fine. A folder refused on its
     * own (its name, a file in its place) is put in {@code refused} with the reason, and the others are created.
     */
    public void mkdirs(String client, List<String> paths, Map<String, String> refused) throws IOException {
        List<SyncAudit.Entry> rows = new java.util.ArrayList<>();
        try (PathLocks.Held held = locks.files(paths); ConfinedFolders folders = new ConfinedFolders(realRoot)) {
            for (String path : paths) {
                try {
                    mkdir(client, path, folders, rows);
                } catch (BadInputException e) {
                    refused.put(String.valueOf(path), e.reason());
                    rows.add(SyncAudit.entry(client, path, "refused", 0, 0, e.reason()));
                }
            }
        } finally {
            audit.recordAll(rows);
        }
    }

    private void mkdir(String client, String path, ConfinedFolders folders, List<SyncAudit.Entry> rows) throws IOException {
        Path target = located(path);
        BasicFileAttributes attributes = createdFolder(folders, path, target.getParent())
                .attributes(target.getFileName().toString());
        if (attributes != null && attributes.isDirectory()) {
            return;
        }
        if (attributes != null) {
            throw new BadInputException(path, "mkdir refused: a file of that name exists");
        }
        createdFolder(folders, path, target);
        rows.add(SyncAudit.entry(client, path, "mkdir", 0, 0, null));
    }

    /** An entry of the tree at a checked path: its folder's handle, its name there and its own attributes. */
    private record Existing(Path path, ConfinedFolder folder, String name, BasicFileAttributes attributes) {
    }

    /** The entry at a path, checked, its folder opened from the root without following links; null when missing. */
    private Existing existing(ConfinedFolders folders, String path) throws IOException {
        Path target = sandbox.locate(SyncPaths.checked(path));
        String name = target.getFileName().toString();
        ConfinedFolder folder;
        try {
            folder = folder(folders, path, target.getParent(), false);
        } catch (NoSuchFileException e) {
            return null;
        }
        BasicFileAttributes attributes = folder.attributes(name);
        return attributes == null ? null : new Existing(target, folder, name, attributes);
    }

    /** A folder on a checked path, opened from the root without following links, missing levels created. */
    private static ConfinedFolder createdFolder(ConfinedFolders folders, String path, Path folder) throws IOException {
        return folder(folders, path, folder, true);
    }

    private static ConfinedFolder folder(ConfinedFolders folders, String path, Path folder, boolean create) throws IOException {
        try {
            return create ? folders.folderCreating(folder) : folders.folder(folder);
        } catch (ConfinedFolder.FolderChangedException e) {
            throw changed(path, e);
        }
    }

    static BadInputException changed(String path, ConfinedFolder.FolderChangedException e) {
        return new BadInputException(path, "refused: a folder on its way changed while it was used (" + e.getMessage() + ")");
    }

    public void mkdir(String client, String path) throws IOException {
        mkdirs(client, List.of(path));
    }
}
