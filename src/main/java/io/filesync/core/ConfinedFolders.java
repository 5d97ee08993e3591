package io.filesync.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The folders below a trusted root that one batch of work touches, each opened once from the root without following
 * links ({@link ConfinedFolder}) and kept open until the batch is closed: files placed in the same folder, or in
 * folders that share a path, open the shared levels once instead of walking from the root each time.
 * <p>
 * Kept for one batch only: a handle names the folder it opened, wherever that folder moves, so a cache that outlived
 * the locks under which its batch runs could follow a folder renamed away by a later request.
 */
public final class ConfinedFolders implements Closeable {

    /** The name a folder has between its birth in the root and its rename into place; empty, and only briefly. */
    public static final String NEW_FOLDER_PREFIX = ".filesync-new-folder-";

    private final Path root;
    private final Map<Path, ConfinedFolder> open = new HashMap<>();

    /** @param root a real path (no links), as checked by the caller */
    public ConfinedFolders(Path root) {
        this.root = root;
    }

    /**
     * The folder {@code root} or below it, opened level by level from the nearest one already open; fails with
     * {@link ConfinedFolder.FolderChangedException} when a level is no longer a plain folder.
     */
    public synchronized ConfinedFolder folder(Path folder) throws IOException {
        ConfinedFolder cached = open.get(folder);
        if (cached != null) {
            return cached;
        }
        if (!folder.startsWith(root)) {
            throw new IllegalArgumentException(folder + " is not below " + root);
        }
        ConfinedFolder opened = folder.equals(root) ? ConfinedFolder.open(root, root)
                : folder(folder.getParent()).child(folder.getFileName().toString());
        open.put(folder, opened);
        return opened;
    }

    /**
     * Like {@link #folder}, creating the levels that are missing. No folder is created through a path that runs
     * through a folder someone could swap for a link: each new one is born in the root itself (a trusted path) under a
     * temporary name, then renamed into its parent from the root's handle to the parent's ({@code renameat}), and
     * opened from there like any other level. A folder created meanwhile by someone else is used as it is.
     */
    public synchronized ConfinedFolder folderCreating(Path folder) throws IOException {
        ConfinedFolder cached = open.get(folder);
        if (cached != null || folder.equals(root)) {
            return cached != null ? cached : folder(root);
        }
        if (!folder.startsWith(root)) {
            throw new IllegalArgumentException(folder + " is not below " + root);
        }
        ConfinedFolder parent = folderCreating(folder.getParent());
        String name = folder.getFileName().toString();
        ConfinedFolder opened;
        try {
            opened = parent.child(name);
        } catch (NoSuchFileException missing) {
            ConfinedFolder rootFolder = folder(root);
            String born = NEW_FOLDER_PREFIX + UUID.randomUUID();
            Files.createDirectory(root.resolve(born));
            try {
                parent.moveFrom(rootFolder, born, name);
            } catch (FileSystemException taken) {
                // Something of that name appeared meanwhile: a folder is used as it is, anything else fails below.
                rootFolder.deleteTree(born);
            }
            opened = parent.child(name);
        }
        open.put(folder, opened);
        return opened;
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (ConfinedFolder folder : open.values()) {
            try {
                folder.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        open.clear();
        if (first != null) {
            throw first;
        }
    }
}
