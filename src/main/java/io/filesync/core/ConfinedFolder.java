package io.filesync.core;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A folder below a trusted root, opened from the root one level at a time without following links, so the file
 * operations done in it (open, replace, delete) happen exactly there even if someone swaps a folder on the way for a
 * link after the path was checked. Path checks alone leave that window open; directory handles close it.
 * <p>
 * On Linux (and other platforms where the JDK offers a {@link SecureDirectoryStream}) every step is an
 * {@code openat}/{@code renameat}/{@code unlinkat} relative to the folder's handle. Elsewhere it falls back to path
 * operations that do not follow a link in the final name, which is what the path checks before it assume.
 */
public final class ConfinedFolder implements Closeable {

    /** A folder on the way was replaced by a link (or something else) after it was checked. */
    public static final class FolderChangedException extends IOException {
        FolderChangedException(Path folder, IOException cause) {
            super("'" + folder + "' is no longer a plain folder (" + cause.getMessage() + ")", cause);
        }
    }

    private final Path folder;
    private final SecureDirectoryStream<Path> handle;

    private ConfinedFolder(Path folder, SecureDirectoryStream<Path> handle) {
        this.folder = folder;
        this.handle = handle;
    }

    /**
     * Opens {@code folder}, which must be {@code root} or below it, both real paths (no links) as checked by the
     * caller; fails with {@link FolderChangedException} when a step is no longer a plain folder.
     */
    public static ConfinedFolder open(Path root, Path folder) throws IOException {
        if (!folder.startsWith(root)) {
            throw new IllegalArgumentException(folder + " is not below " + root);
        }
        DirectoryStream<Path> rootStream = Files.newDirectoryStream(root);
        if (!(rootStream instanceof SecureDirectoryStream<Path> current)) {
            rootStream.close();
            return new ConfinedFolder(folder, null);
        }
        ConfinedFolder reached = new ConfinedFolder(root, current);
        try {
            for (Path step : root.relativize(folder)) {
                if (step.toString().isEmpty()) {
                    continue;
                }
                ConfinedFolder next = reached.child(step.toString());
                reached.close();
                reached = next;
            }
            return reached;
        } catch (IOException | RuntimeException e) {
            reached.close();
            throw e;
        }
    }

    /** Opens a folder of this folder, without following a link in its place; fails if it is not a plain folder. */
    public ConfinedFolder child(String name) throws IOException {
        Path path = folder.resolve(name);
        if (handle == null) {
            return new ConfinedFolder(path, null);
        }
        try {
            return new ConfinedFolder(path, handle.newDirectoryStream(Path.of(name), LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            // Missing is missing; anything else (a link: ELOOP, a file: ENOTDIR) means it was swapped.
            throw e instanceof NoSuchFileException ? e : new FolderChangedException(path, e);
        }
    }

    /** Opens a file in this folder; a link in its place is never followed. */
    public SeekableByteChannel newByteChannel(String name, Set<? extends OpenOption> options) throws IOException {
        Set<OpenOption> all = new HashSet<>(options);
        all.add(LinkOption.NOFOLLOW_LINKS);
        if (handle == null) {
            return Files.newByteChannel(folder.resolve(name), all);
        }
        return handle.newByteChannel(Path.of(name), all);
    }

    /** Renames {@code from} over {@code to} in this folder, atomically. */
    public void replace(String from, String to) throws IOException {
        if (handle == null) {
            Files.move(folder.resolve(from), folder.resolve(to), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } else {
            handle.move(Path.of(from), handle, Path.of(to));
        }
    }

    /** Deletes a file of this folder; returns whether it was there. */
    public boolean delete(String name) throws IOException {
        try {
            if (handle == null) {
                return Files.deleteIfExists(folder.resolve(name));
            }
            handle.deleteFile(Path.of(name));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Renames {@code sourceName} of {@code source} (another confined folder, e.g. a trusted staging folder) over
     * {@code name} in this folder, atomically: a {@code renameat} between the two handles, so neither end follows a
     * link or a folder swapped after the checks.
     */
    public void moveFrom(ConfinedFolder source, String sourceName, String name) throws IOException {
        if (handle == null || source.handle == null) {
            Files.move(source.folder.resolve(sourceName), folder.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } else {
            source.handle.move(Path.of(sourceName), handle, Path.of(name));
        }
    }

    /** The attributes of an entry of this folder, a link's own rather than its target's; null when it is missing. */
    public BasicFileAttributes attributes(String name) throws IOException {
        try {
            if (handle == null) {
                return Files.readAttributes(folder.resolve(name), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            }
            return handle.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Deletes an entry of this folder: a file or a link (never what it leads to), or a folder with everything below
     * it, each level opened through the handle of the one above. Returns whether it was there.
     */
    public boolean deleteTree(String name) throws IOException {
        BasicFileAttributes attributes = attributes(name);
        if (attributes == null) {
            return false;
        }
        if (!attributes.isDirectory()) {
            return delete(name);
        }
        try (ConfinedFolder child = child(name)) {
            for (String entry : child.names()) {
                child.deleteTree(entry);
            }
        }
        try {
            if (handle == null) {
                Files.delete(folder.resolve(name));
            } else {
                handle.deleteDirectory(Path.of(name));
            }
        } catch (NoSuchFileException e) {
            return false;
        }
        return true;
    }

    /** Whether this folder has no entries. */
    public boolean isEmpty() throws IOException {
        return names().isEmpty();
    }

    /** The names of this folder's entries, read through a fresh handle on the same folder. */
    private List<String> names() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = handle == null ? Files.newDirectoryStream(folder)
                : handle.newDirectoryStream(Path.of("."), LinkOption.NOFOLLOW_LINKS)) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        }
        return names;
    }

    public Path path() {
        return folder;
    }

    @Override
    public void close() throws IOException {
        if (handle != null) {
            handle.close();
        }
    }
}
