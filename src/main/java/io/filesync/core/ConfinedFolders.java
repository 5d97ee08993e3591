package io.filesync.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The folders below a trusted root that one batch of work touches, each opened once from the root without following
 * links ({@link ConfinedFolder}) and kept open until the batch is closed: files placed in the same folder, or in
 * folders that share a path, open the shared levels once instead of walking from the root each time.
 * <p>
 * Kept for one batch only: a handle names the folder it opened, wherever that folder moves, so a cache that outlived
 * the locks under which its batch runs could follow a folder renamed away by a later request.
 */
public final class ConfinedFolders implements Closeable {

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
