package io.filesync.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The chunk index of content that lies in the server's own files, and in uploads being staged: chunk hash to (file,
 * offset, length). It replaced copying every uploaded chunk into the packs, then copying it again into the file
 * assembled from them: the bytes are written once, where they belong, and found there for dedup.
 * <p>
 * Each file put in place also gets a hard link in the store, named by its content hash ({@link #keep}), and the index
 * points there. A move, a deletion or a replacement in the root then leaves the content where the index expects it,
 * until garbage collection removes the links of content no file holds ({@link #collect}): a file deleted and created
 * again elsewhere (a rename seen as two changes), or an earlier version, still costs no upload. The links are also
 * what the index is rebuilt from at start ({@link #rebuild}).
 * <p>
 * Nothing here is trusted. A file can be changed behind the server's back, replaced by a later commit, moved or
 * deleted, so every read hashes the bytes it got, and a short read or a mismatch forgets the entry and reads as
 * absent. The commit then reports the chunk missing and the client sends it again: no file is ever assembled from
 * bytes that do not match their hash, and no client can make an entry serve wrong content. The index lives in
 * memory; {@link SyncServer} rebuilds it at start from the chunk lists of the files its file-state table holds.
 */
final class PlacedChunks {

    /** Where a chunk was seen. */
    record Place(Path file, long offset, int length) {
    }

    private final Map<ChunkKey, Place> places = new ConcurrentHashMap<>();
    private final Path links;

    /** @param links the store's folder of content links; it must not lie inside the root */
    PlacedChunks(Path links) throws IOException {
        this.links = links;
        Files.createDirectories(links);
    }

    /**
     * Records the chunks of a complete file as lying in its content link, made (or renewed) now. Where no hard link
     * can be made (the store on another file system), the file itself is indexed.
     *
     * @return whether the chunks are indexed at the link: they then stay found there whatever becomes of the file's path
     */
    boolean keep(Path file, Manifest manifest) throws IOException {
        Path link = links.resolve(manifest.hex());
        try {
            // Content seen for the first time (the common case) takes one link(2); an existing link is renewed.
            Files.createLink(link, file);
        } catch (FileAlreadyExistsException e) {
            if (!renew(link, file)) {
                putAll(file, manifest);
                return false;
            }
        } catch (IOException | UnsupportedOperationException e) {
            putAll(file, manifest);
            return false;
        }
        putAll(link, manifest);
        return true;
    }

    /** Points an existing content link at this file, atomically (a reader always finds one or the other). */
    private boolean renew(Path link, Path file) throws IOException {
        Path temp = link.resolveSibling(link.getFileName() + "." + Thread.currentThread().getId() + ".new");
        try {
            Files.deleteIfExists(temp);
            Files.createLink(temp, file);
            Files.move(temp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            Files.deleteIfExists(temp);
            return false;
        }
    }

    /** Indexes every content link at start, from the chunk lists in the packs; a link without one is useless and goes. */
    void rebuild(ManifestLookup manifests) throws IOException {
        try (Stream<Path> files = Files.list(links)) {
            for (Path link : (Iterable<Path>) files::iterator) {
                String name = link.getFileName().toString();
                Manifest manifest = name.length() == 2 * Manifest.HASH_BYTES && name.matches("[0-9a-f]+")
                        ? manifests.find(Manifest.parseHash(name)) : null;
                if (manifest == null) {
                    Files.deleteIfExists(link);
                } else {
                    putAll(link, manifest);
                }
            }
        }
    }

    /** The verified chunk list of a content, or null. */
    interface ManifestLookup {
        Manifest find(byte[] contentHash) throws IOException;
    }

    /**
     * Removes the content links of content no file holds any more, last written before the horizon, then forgets
     * every entry whose file is gone.
     */
    void collect(Set<ChunkKey> liveContents, long horizonMillis) throws IOException {
        try (Stream<Path> files = Files.list(links)) {
            for (Path link : (Iterable<Path>) files::iterator) {
                String name = link.getFileName().toString();
                boolean live = name.length() == 2 * Manifest.HASH_BYTES && name.matches("[0-9a-f]+")
                        && liveContents.contains(ChunkKey.of(Manifest.parseHash(name)));
                if (!live && Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS).toMillis() <= horizonMillis) {
                    Files.deleteIfExists(link);
                }
            }
        }
        forgetVanished();
    }

    boolean has(ChunkKey key) {
        return places.containsKey(key);
    }

    void put(byte[] hash, Place place) {
        places.put(ChunkKey.of(hash), place);
    }

    /** Records every chunk of a content as lying in this file. */
    void putAll(Path file, Manifest manifest) {
        for (Manifest.Chunk chunk : manifest.chunks()) {
            put(chunk.hash(), new Place(file, chunk.offset(), chunk.length()));
        }
    }

    int size() {
        return places.size();
    }

    Reader reader() {
        return new Reader();
    }

    /** Forgets the entries whose file is gone: what a deleted or moved file left behind. */
    private int forgetVanished() {
        Set<Path> gone = new HashSet<>();
        Set<Path> present = new HashSet<>();
        int forgotten = 0;
        for (Map.Entry<ChunkKey, Place> entry : places.entrySet()) {
            Path file = entry.getValue().file();
            if (!present.contains(file) && (gone.contains(file) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))) {
                gone.add(file);
                forgotten += places.remove(entry.getKey(), entry.getValue()) ? 1 : 0;
            } else {
                present.add(file);
            }
        }
        return forgotten;
    }

    /** Reads placed chunks, keeping the last file open: an assembly reads many chunks of the same few files. */
    final class Reader implements AutoCloseable {
        private Path open;
        private FileChannel channel;

        /** A chunk's bytes, checked against its hash, or null (and the entry forgotten) when they are not there. */
        byte[] read(byte[] hash) throws IOException {
            ChunkKey key = ChunkKey.of(hash);
            Place place = places.get(key);
            if (place == null) {
                return null;
            }
            byte[] bytes = readPlace(place);
            if (bytes == null || !Arrays.equals(Chunker.sha256().digest(bytes), hash)) {
                places.remove(key, place);
                return null;
            }
            return bytes;
        }

        private byte[] readPlace(Place place) throws IOException {
            if (!place.file().equals(open)) {
                close();
                try {
                    channel = FileChannel.open(place.file(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException gone) {
                    // Deleted, moved, or a symlink now: whatever it is, it no longer vouches for the chunk.
                    return null;
                }
                open = place.file();
            }
            ByteBuffer buffer = ByteBuffer.allocate(place.length());
            long position = place.offset();
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, position);
                if (read < 0) {
                    return null;
                }
                position += read;
            }
            return buffer.array();
        }

        @Override
        public void close() throws IOException {
            open = null;
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }
    }
}
