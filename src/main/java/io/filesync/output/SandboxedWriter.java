package io.filesync.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.filesync.core.ConfinedFolder;
import io.filesync.core.ConfinedFolders;
import io.filesync.core.error.BadInputException;

/**
 * Writes files under one output root and nowhere else, whatever the path it is given. Every refusal is a
 * {@link BadInputException} naming the path and the reason, and leaves the disk untouched: paths are checked in full
 * before the first folder is created.
 * <p>
 * Refused: empty paths, NUL bytes, absolute paths, {@code ..} segments, a symbolic link anywhere on the path that
 * resolves outside the root (or nowhere), a target that is not a regular file, content above the size limit, and
 * create on an existing file. Links that stay inside the root are followed. Once checked, the file's folder is opened
 * from the root one level at a time without following links ({@link ConfinedFolder}), and the file is opened, replaced
 * or deleted relative to that handle without following a link in its place: a folder swapped for a link after the
 * checks is refused, not followed.
 * <p>
 * At construction it refuses an output root that is, contains or lies inside a watched input, so what it writes can
 * never be read back as input (no write-back loops).
 */
public final class SandboxedWriter {

    private final Path root;
    private final Path realRoot;
    private final long maxBytes;

    /**
     * @param root          the output root; created if missing
     * @param maxBytes      largest content accepted by one write
     * @param watchedInputs folders and files other routes read; the root may not overlap any of them
     */
    public SandboxedWriter(Path root, long maxBytes, Collection<Path> watchedInputs) {
        this.root = root.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
        OutputRoots.refuseOverlap(this.root, watchedInputs);
        try {
            Files.createDirectories(this.root);
            this.realRoot = this.root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the output root " + this.root, e);
        }
    }

    public Path root() {
        return root;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Carries out one command. */
    public WriteResult apply(WriteCommand command) {
        String path = command.path();
        if (command.operation() != WriteOperation.DELETE && command.content().length > maxBytes) {
            throw refuse(path, "content is " + command.content().length + " bytes, above the limit of " + maxBytes);
        }
        Plan plan = plan(path);
        try {
            return switch (command.operation()) {
                case CREATE -> write(plan, path, command.content(), StandardOpenOption.CREATE_NEW);
                case APPEND -> write(plan, path, command.content(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                case OVERWRITE -> overwrite(plan, path, command.content());
                case DELETE -> delete(plan, path);
            };
        } catch (FileAlreadyExistsException e) {
            throw refuse(path, "already exists, and create never overwrites (use overwrite)");
        } catch (IOException e) {
            throw new UncheckedIOException("Writing " + path + " under " + root + " failed: " + e.getMessage(), e);
        }
    }

    /** The outcome of one command: the file concerned, bytes written, and for delete whether something was there. */
    public record WriteResult(Path file, long bytes, boolean existed) {
    }

    /**
     * Where a relative path leads under the root, checked exactly like every write (no empty path, NUL, absolute
     * path, {@code ..} segment, or symbolic link on the way that resolves outside the root), for callers that manage
     * the file themselves, such as the sync server's assemble-and-rename, moves and folders. The final name is not
     * followed and may be missing, a file or a folder; a link there is refused unless it stays inside the root.
     *
     * @param createParents whether missing folders on the way are created (re-checked after creation)
     * @return the confined path, or null when a folder on the way is missing and createParents is false
     */
    public Path confine(String path, boolean createParents) {
        Plan plan = plan(path, false);
        if (!plan.missingFolders().isEmpty() && !createParents) {
            return null;
        }
        Path parent;
        try {
            parent = parentFor(plan, path);
        } catch (IOException e) {
            throw new UncheckedIOException("Creating the folders of " + path + " under " + root + " failed: " + e.getMessage(), e);
        }
        Path target = parent.resolve(plan.name());
        BasicFileAttributes attributes = attributes(target);
        if (attributes != null && attributes.isSymbolicLink()) {
            insideRoot(path, target);
        }
        return target;
    }

    /**
     * Where a relative path leads under the root, checked like {@link #confine} but creating nothing: the real folders
     * that exist on the way, then the missing ones by name, then the final name. For callers that create the missing
     * folders through folder handles ({@link io.filesync.core.ConfinedFolders#folderCreating}).
     */
    public Path locate(String path) {
        Plan plan = plan(path, false);
        Path folder = plan.existingParent();
        for (String missing : plan.missingFolders()) {
            folder = folder.resolve(missing);
        }
        Path target = folder.resolve(plan.name());
        if (plan.missingFolders().isEmpty()) {
            BasicFileAttributes attributes = attributes(target);
            if (attributes != null && attributes.isSymbolicLink()) {
                insideRoot(path, target);
            }
        }
        return target;
    }

    /** Where a path leads: an existing real folder inside the root, the folders still to create, and the name. */
    private record Plan(Path existingParent, List<String> missingFolders, String name) {
    }

    private Plan plan(String path) {
        return plan(path, true);
    }

    private Plan plan(String path, boolean regularTarget) {
        List<String> segments = segments(path);
        Path current = realRoot;
        List<String> missing = new ArrayList<>();
        for (String segment : segments.subList(0, segments.size() - 1)) {
            if (!missing.isEmpty()) {
                missing.add(segment);
                continue;
            }
            Path next = current.resolve(segment);
            BasicFileAttributes attributes = attributes(next);
            if (attributes == null) {
                missing.add(segment);
            } else if (attributes.isSymbolicLink()) {
                current = insideRoot(path, next);
                if (!Files.isDirectory(current)) {
                    throw refuse(path, "'" + segment + "' is a link to something that is not a folder");
                }
            } else if (attributes.isDirectory()) {
                current = next;
            } else {
                throw refuse(path, "'" + segment + "' is not a folder");
            }
        }
        String name = segments.get(segments.size() - 1);
        if (missing.isEmpty() && regularTarget) {
            checkTarget(path, current.resolve(name));
        }
        return new Plan(current, missing, name);
    }

    private List<String> segments(String path) {
        // Only empty: a name of only spaces is a name like any other.
        if (path == null || path.isEmpty()) {
            throw refuse(path, "no path given");
        }
        if (path.indexOf('\0') >= 0) {
            throw refuse(path.replace("\0", "\\0"), "contains a NUL byte");
        }
        if (path.startsWith("/")) {
            throw refuse(path, "is absolute; paths are relative to the output root");
        }
        List<String> segments = new ArrayList<>();
        for (String segment : path.split("/")) {
            if (segment.equals("..")) {
                throw refuse(path, "contains a '..' segment; paths may not leave the output root");
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
        }
        if (segments.isEmpty()) {
            throw refuse(path, "names the output root itself, not a file in it");
        }
        return segments;
    }

    /** The final name must be a regular file, missing, or a link to a regular file inside the root. */
    private Path checkTarget(String path, Path file) {
        BasicFileAttributes attributes = attributes(file);
        if (attributes == null) {
            return file;
        }
        if (attributes.isSymbolicLink()) {
            Path real = insideRoot(path, file);
            if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                throw refuse(path, "is a link to something that is not a regular file");
            }
            return real;
        }
        if (!attributes.isRegularFile()) {
            throw refuse(path, "is not a regular file (" + (attributes.isDirectory() ? "a folder" : "a special file") + ")");
        }
        return file;
    }

    private Path insideRoot(String path, Path link) {
        Path real;
        try {
            real = link.toRealPath();
        } catch (IOException e) {
            throw refuse(path, "goes through the symbolic link '" + realRoot.relativize(link) + "', which leads nowhere");
        }
        if (!real.startsWith(realRoot)) {
            throw refuse(path, "goes through the symbolic link '" + realRoot.relativize(link)
                    + "', which resolves outside the output root");
        }
        return real;
    }

    /**
     * Creates the missing folders through folder handles ({@link ConfinedFolders#folderCreating}: each is born in the
     * root and renamed into place, never created through a path someone could swap), then re-resolves the parent.
     */
    private Path parentFor(Plan plan, String path) throws IOException {
        Path parent = plan.existingParent();
        for (String folder : plan.missingFolders()) {
            parent = parent.resolve(folder);
        }
        if (!plan.missingFolders().isEmpty()) {
            try (ConfinedFolders folders = new ConfinedFolders(realRoot)) {
                folders.folderCreating(parent);
            } catch (ConfinedFolder.FolderChangedException e) {
                throw refuse(path, "changed while its folders were created: " + e.getMessage());
            }
        }
        Path real = parent.toRealPath();
        if (!real.startsWith(realRoot)) {
            throw refuse(path, "resolves outside the output root");
        }
        return real;
    }

    private WriteResult write(Plan plan, String path, byte[] content, StandardOpenOption... mode) throws IOException {
        Path file = checkTarget(path, parentFor(plan, path).resolve(plan.name()));
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.WRITE, mode);
        try (ConfinedFolder folder = folderOf(path, file);
             SeekableByteChannel channel = folder.newByteChannel(file.getFileName().toString(), options)) {
            writeFully(channel, content);
        }
        return new WriteResult(file, content.length, true);
    }

    /** Writes a temporary file next to the target and renames it over the target: readers see old or new, whole. */
    private WriteResult overwrite(Plan plan, String path, byte[] content) throws IOException {
        Path file = checkTarget(path, parentFor(plan, path).resolve(plan.name()));
        String name = file.getFileName().toString();
        String temp = "." + name + "." + UUID.randomUUID() + ".tmp";
        try (ConfinedFolder folder = folderOf(path, file)) {
            boolean replaced = false;
            try {
                try (SeekableByteChannel channel = folder.newByteChannel(temp,
                        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
                    writeFully(channel, content);
                }
                folder.replace(temp, name);
                replaced = true;
            } finally {
                if (!replaced) {
                    folder.delete(temp);
                }
            }
        }
        return new WriteResult(file, content.length, true);
    }

    private WriteResult delete(Plan plan, String path) throws IOException {
        if (!plan.missingFolders().isEmpty()) {
            return new WriteResult(plan.existingParent().resolve(String.join("/", plan.missingFolders())).resolve(plan.name()), 0, false);
        }
        Path file = plan.existingParent().resolve(plan.name());
        try (ConfinedFolder folder = folderOf(path, file)) {
            return new WriteResult(file, 0, folder.delete(plan.name()));
        }
    }

    /** The folder of a checked file, opened without following links, so a swap after the checks cannot redirect. */
    private ConfinedFolder folderOf(String path, Path file) throws IOException {
        try {
            return ConfinedFolder.open(realRoot, file.getParent());
        } catch (ConfinedFolder.FolderChangedException e) {
            throw refuse(path, "changed while being written: " + e.getMessage());
        }
    }

    private static void writeFully(SeekableByteChannel channel, byte[] content) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static BasicFileAttributes attributes(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    private BadInputException refuse(String path, String reason) {
        return new BadInputException(path, null, null, path, "refused to write under " + root + ": path " + reason);
    }
}
