package io.filesync.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.filesync.core.ConfinedFolder;
import io.filesync.core.ConfinedFolders;
import io.filesync.core.error.BadInputException;

/**
 * Puts a file in place: its content is completed under a temporary name in the store's staging folder (the upload's
 * staging file, or a new file there), its size is checked, and only then is it renamed over the target atomically.
 * A reader, a crash or a failed check never leaves a half-written or wrong file at the target.
 * <p>
 * Nothing is written in the root but that rename, and it goes through folder handles ({@link ConfinedFolder}): the
 * target's folder is opened from the root one level at a time without following links, so a folder swapped for a
 * link after the target's path was checked makes the commit fail instead of writing outside the root. The folders
 * are opened once per {@link Batch} (a commit or an offer, under its path locks), not once per file.
 * <p>
 * Why the file put in place is exactly the content its identity names, without hashing it again: the identity is
 * the chunk list's ({@link Manifest#identity}; a {@link Manifest} cannot hold another), and every chunk of the list
 * is written at its offset from bytes that matched its SHA-256 just before: those already in the staging file were
 * checked when they were written there ({@link ChunkStore#putAll}, then {@link StagedUploads}), every other one is
 * checked as it is read from the store ({@link ChunkStore.Reader}). The offsets tile 0..size without gap or overlap
 * ({@link Manifest#decode} refuses lengths that do not add up), the temporary file is new (a fresh name, or a staging
 * file only this content's uploads write into), and its size is checked to be the list's, so no byte outside the
 * chunks survives. A chunk absent from both is reported missing and nothing is placed.
 */
final class FileAssembler {

    /** Prefix of files being assembled; never listed, removed at start when a crash left one behind. */
    static final String TEMP_PREFIX = ".filesync-sync-";

    /** What assembling came to: in place (with the version to remember), a mismatch, or chunks gone meanwhile. */
    record Result(String version, boolean mismatch, List<Integer> missing) {
        boolean placed() {
            return version != null;
        }
    }

    private final ChunkStore store;
    private final Path realRoot;
    private final boolean force;
    /** Run right after a file was renamed into place: lets a test act in that very moment, as another thread may. */
    private volatile Consumer<Path> afterRename = target -> { };

    /** @param realRoot the server's root, links resolved: where every target lies */
    FileAssembler(ChunkStore store, Path realRoot, boolean force) {
        this.store = store;
        this.realRoot = realRoot;
        this.force = force;
    }

    /** For tests: what runs right after each rename into place, before the assembly goes on. */
    void afterRename(Consumer<Path> step) {
        this.afterRename = step;
    }

    /** The folder handles of one batch of assemblies, the staging folder's and the targets'; closed with the batch. */
    final class Batch implements java.io.Closeable {
        private final ConfinedFolders staging = new ConfinedFolders(store.staging.directory());
        private final ConfinedFolders targets = new ConfinedFolders(realRoot);

        @Override
        public void close() throws IOException {
            try (staging) {
                targets.close();
            }
        }
    }

    /** Starts a batch: every {@link #assemble} of it goes through its folder handles. */
    Batch batch() {
        return new Batch();
    }

    /**
     * The indexes of the manifest's chunks the store lacks. A chunk some of whose bytes still wait in memory for direct
     * I/O, in this content's staging file or any other, is held, not missing: that staging file is settled first.
     */
    List<Integer> missing(Manifest manifest) throws IOException {
        store.staging.settle(manifest.hash(), store.placed);
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < manifest.chunks().size(); i++) {
            byte[] hash = manifest.chunks().get(i).hash();
            if (!store.has(hash) && !(store.staging.settleWaiting(hash, store.placed) && store.has(hash))) {
                missing.add(i);
            }
        }
        return missing;
    }

    /**
     * Puts a content in place at the target, from its upload's staging file if it has one. Once placed, its chunks
     * are known to lie in the target; a staging file still short of chunks waits for them, a wrong one is deleted.
     */
    Result assemble(Path target, Manifest manifest, Batch batch) throws IOException {
        StagedUploads staging = store.staging;
        StagedUploads.Staged staged = staging.take(manifest.hash());
        if (staged != null && !staged.manifest.equals(manifest)) {
            staging.discard(staged);
            staged = null;
        }
        Result result;
        try {
            result = assemble(target, manifest, staged, batch);
        } catch (IOException | RuntimeException e) {
            staging.discard(staged);
            throw e;
        }
        if (result.placed()) {
            if (staged != null) {
                staging.committed(staged);
            }
        } else if (result.mismatch()) {
            staging.discard(staged);
        } else if (staged != null) {
            staging.putBack(staged, result.missing());
        }
        return result;
    }

    /**
     * A staging file that already holds every chunk is not opened again (unless it must be forced to disk): one stat
     * checks its size and gives the version, one rename puts it in place. A rename keeps the file's size and
     * modification time, so the target needs no stat of its own.
     *
     * @param staged the upload's staging file for this very chunk list, or null to assemble from the store alone; on
     *               any outcome but placed, the caller decides what becomes of it
     */
    private Result assemble(Path target, Manifest manifest, StagedUploads.Staged staged, Batch batch) throws IOException {
        Path temp = staged != null ? staged.file : store.staging.directory().resolve(TEMP_PREFIX
                + Long.toHexString(System.nanoTime()) + "-" + Thread.currentThread().getId() + ".tmp");
        boolean moved = false;
        try {
            if (staged != null) {
                store.staging.settle(staged, store.placed);
            }
            if (force || staged == null || !staged.writtenAll(manifest.chunks().size())) {
                List<Integer> missing = fill(temp, manifest, staged);
                if (!missing.isEmpty()) {
                    return new Result(null, false, missing);
                }
            }
            BasicFileAttributes attributes = Files.readAttributes(temp, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attributes.size() != manifest.size()) {
                return new Result(null, true, List.of());
            }
            // Indexed at its content link before the rename: the index pointed at the staging file, and a commit
            // reading a chunk from there after the rename found nothing and asked the client for it again.
            boolean linked = store.placed.keep(temp, manifest);
            if (!moveIntoPlace(temp, target, batch)) {
                attributes = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            }
            moved = true;
            if (!linked) {
                store.placed.putAll(target, manifest);
            }
            return new Result(attributes.size() + "|" + attributes.lastModifiedTime().toMillis() + "|" + manifest.hex(),
                    false, List.of());
        } catch (IOException e) {
            throw ChunkStore.full(e);
        } finally {
            if (staged == null && !moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Writes into the temporary file every chunk it lacks, from the store; returns the indexes the store lacks too. */
    private List<Integer> fill(Path temp, Manifest manifest, StagedUploads.Staged staged) throws IOException {
        List<Integer> missing = new ArrayList<>();
        try (FileChannel out = FileChannel.open(temp, staged != null ? StandardOpenOption.CREATE : StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
             ChunkStore.Reader chunks = store.reader()) {
            for (int i = 0; i < manifest.chunks().size(); i++) {
                if (staged != null && staged.written(i)) {
                    continue;
                }
                Manifest.Chunk chunk = manifest.chunks().get(i);
                byte[] bytes = chunks.read(chunk.hash());
                if (bytes == null) {
                    // Collected, or its file changed since the commit checked for it: the client sends it again.
                    missing.add(i);
                    continue;
                }
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                for (long position = chunk.offset(); buffer.hasRemaining(); ) {
                    position += out.write(buffer, position);
                }
            }
            if (missing.isEmpty() && force) {
                out.force(true);
            }
        }
        return missing;
    }

    /**
     * An atomic rename between the staging folder's handle and the target folder's; a staging file on another file
     * system than the root is copied next to the target first, through the same handle.
     *
     * @return whether the file itself was renamed (false: the target is a copy, with a modification time of its own)
     */
    private boolean moveIntoPlace(Path temp, Path target, Batch batch) throws IOException {
        String name = target.getFileName().toString();
        ConfinedFolder from = batch.staging.folder(temp.getParent());
        ConfinedFolder into = targetFolder(target, batch);
        try {
            into.moveFrom(from, temp.getFileName().toString(), name);
            afterRename.accept(target);
            return true;
        } catch (AtomicMoveNotSupportedException e) {
            String near = TEMP_PREFIX + Long.toHexString(System.nanoTime()) + ".tmp";
            try {
                try (FileChannel in = FileChannel.open(temp, StandardOpenOption.READ);
                     SeekableByteChannel out = into.newByteChannel(near,
                             EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
                    for (long position = 0, size = in.size(); position < size; ) {
                        position += in.transferTo(position, size - position, out);
                    }
                }
                into.replace(near, name);
            } finally {
                into.delete(near);
                Files.deleteIfExists(temp);
            }
            return false;
        }
    }

    /**
     * The target's folder, opened from the root without following links, missing levels created the same way; a
     * folder swapped meanwhile is refused.
     */
    private ConfinedFolder targetFolder(Path target, Batch batch) throws IOException {
        try {
            return batch.targets.folderCreating(target.getParent());
        } catch (ConfinedFolder.FolderChangedException e) {
            throw new BadInputException(realRoot.relativize(target).toString(),
                    "refused: a folder on its way changed while it was put in place (" + e.getMessage() + ")");
        }
    }

    /** Removes temporary files, and new folders not yet renamed into place, that a crash left behind. */
    static void removeLeftovers(Path root) throws IOException {
        List<Path> folders = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                String name = path.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX) && Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(path);
                } else if (name.startsWith(ConfinedFolders.NEW_FOLDER_PREFIX) && path.getParent().equals(root)
                        && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    folders.add(path);
                }
            }
        }
        for (Path folder : folders) {
            try {
                Files.deleteIfExists(folder);
            } catch (DirectoryNotEmptyException e) {
                // not one of ours after all (ours are always empty): left alone
            }
        }
    }
}
