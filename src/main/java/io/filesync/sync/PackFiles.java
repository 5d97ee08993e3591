package io.filesync.sync;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Append-only pack files: the storage under {@link ChunkStore}. A record is
 * <pre>
 *   type (1) | key (32) | length (4) | payload (length)
 * </pre>
 * appended to the current pack, which is sealed and replaced by a new one once it passes a size. One upload batch
 * is one sequential write of all its records, instead of a file, a rename and a directory entry per chunk: that was
 * what made a first upload ten times slower than rsync (13,000 chunks per 200 MB, each a create, write, rename and
 * stat, then each opened and read again to assemble the file).
 * <p>
 * Nothing here is trusted as content: {@link ChunkStore} checks a chunk's hash before it is appended, and every chunk
 * a file is assembled from is checked against its hash before the file is put in place. A crash can only leave a
 * torn last record, which {@link #open} cuts off. {@link StoreCollector} copies the live records of an old pack to
 * the current one and then deletes it, under the store's write lock, so no reader is left holding a closed pack.
 */
final class PackFiles implements AutoCloseable {

    static final int HEADER = 1 + Manifest.HASH_BYTES + 4;

    /** Where a record's payload is. */
    record Location(int pack, long offset, int length) {
    }

    /** A record as read back by {@link #open}. */
    record Scanned(byte type, byte[] key, Location location) {
    }

    private final Path directory;
    private final long packBytes;
    private final Map<Integer, FileChannel> channels = new ConcurrentHashMap<>();
    private int current = -1;
    private long currentSize;

    PackFiles(Path directory, long packBytes) {
        this.directory = directory;
        this.packBytes = packBytes;
    }

    /** Opens every pack, cutting a torn record off the end, and reports each record in write order. */
    synchronized List<Scanned> open() throws IOException {
        Files.createDirectories(directory);
        TreeMap<Integer, Path> packs = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            files.filter(f -> f.getFileName().toString().matches("\\d{8}\\.pack"))
                    .forEach(f -> packs.put(Integer.parseInt(f.getFileName().toString().substring(0, 8)), f));
        }
        List<Scanned> records = new ArrayList<>();
        for (Map.Entry<Integer, Path> pack : packs.entrySet()) {
            FileChannel channel = FileChannel.open(pack.getValue(), StandardOpenOption.READ, StandardOpenOption.WRITE);
            channels.put(pack.getKey(), channel);
            long size = channel.size();
            long position = 0;
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            while (position + HEADER <= size) {
                header.clear();
                readFully(channel, header, position);
                header.flip();
                byte type = header.get();
                byte[] key = new byte[Manifest.HASH_BYTES];
                header.get(key);
                int length = header.getInt();
                if (length < 0 || position + HEADER + length > size) {
                    break;
                }
                records.add(new Scanned(type, key, new Location(pack.getKey(), position + HEADER, length)));
                position += HEADER + length;
            }
            if (position < size) {
                channel.truncate(position);
            }
            current = pack.getKey();
            currentSize = position;
        }
        return records;
    }

    /** Total size of all packs. */
    long size() throws IOException {
        long total = 0;
        for (FileChannel channel : channels.values()) {
            total += channel.size();
        }
        return total;
    }

    /** Packs other than the one being appended to, oldest first. */
    synchronized List<Integer> sealed() {
        return channels.keySet().stream().filter(p -> p != current).sorted().toList();
    }

    /**
     * Appends records in one write; each is (type, key, payload).
     *
     * @return the location of each payload, in order
     */
    List<Location> append(List<byte[]> keys, List<byte[]> payloads, byte type, boolean force) throws IOException {
        List<ByteBuffer[]> buffers = new ArrayList<>(payloads.size());
        for (byte[] payload : payloads) {
            buffers.add(new ByteBuffer[] {ByteBuffer.wrap(payload)});
        }
        return appendBuffers(keys, buffers, type, force);
    }

    /**
     * Appends records in one gathering write, each payload as one or more buffers (read from position to limit, which
     * moves their positions): a chunk goes to disk from where the request body holds it, without a copy here.
     *
     * @return the location of each payload, in order
     */
    synchronized List<Location> appendBuffers(List<byte[]> keys, List<ByteBuffer[]> payloads, byte type, boolean force)
            throws IOException {
        long total = 0;
        int parts = 0;
        for (ByteBuffer[] payload : payloads) {
            total += HEADER + remaining(payload);
            parts += payload.length;
        }
        if (current < 0 || currentSize > 0 && currentSize + total > packBytes) {
            roll();
        }
        FileChannel channel = channels.get(current);
        ByteBuffer[] buffers = new ByteBuffer[payloads.size() + parts];
        List<Location> locations = new ArrayList<>(payloads.size());
        long position = currentSize;
        int next = 0;
        for (int i = 0; i < payloads.size(); i++) {
            ByteBuffer[] payload = payloads.get(i);
            int length = (int) remaining(payload);
            buffers[next++] = ByteBuffer.allocate(HEADER).put(type).put(keys.get(i)).putInt(length).flip();
            for (ByteBuffer part : payload) {
                buffers[next++] = part;
            }
            locations.add(new Location(current, position + HEADER, length));
            position += HEADER + length;
        }
        channel.position(currentSize);
        try {
            long left = total;
            while (left > 0) {
                left -= channel.write(buffers);
            }
            if (force) {
                channel.force(false);
            }
        } catch (IOException e) {
            // A failed write (a full disk) must not leave part of a record for the next append to build on.
            channel.truncate(currentSize);
            throw e;
        }
        currentSize = position;
        return locations;
    }

    private static long remaining(ByteBuffer[] buffers) {
        long total = 0;
        for (ByteBuffer buffer : buffers) {
            total += buffer.remaining();
        }
        return total;
    }

    /** Reads a payload into a fresh array. */
    byte[] read(Location location) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(location.length());
        readFully(channel(location.pack()), buffer, location.offset());
        return buffer.array();
    }

    /** Deletes a pack whose live records were copied elsewhere. */
    synchronized void delete(int pack) throws IOException {
        FileChannel channel = channels.remove(pack);
        if (channel != null) {
            channel.close();
        }
        Files.deleteIfExists(file(pack));
    }

    /** Starts a new pack now, so the one in use can be rewritten. */
    synchronized void roll() throws IOException {
        current++;
        FileChannel channel = FileChannel.open(file(current), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        channels.put(current, channel);
        currentSize = channel.size();
    }

    /** When a pack was last appended to, in epoch milliseconds. */
    long lastModified(int pack) throws IOException {
        return Files.getLastModifiedTime(file(pack)).toMillis();
    }

    /** The pack being appended to, or -1 before the first append. */
    synchronized int current() {
        return current;
    }

    long size(int pack) throws IOException {
        FileChannel channel = channels.get(pack);
        return channel == null ? 0 : channel.size();
    }

    private FileChannel channel(int pack) throws IOException {
        FileChannel channel = channels.get(pack);
        if (channel == null) {
            throw new IOException("pack " + pack + " is gone");
        }
        return channel;
    }

    private Path file(int pack) {
        return directory.resolve(String.format("%08d.pack", pack));
    }

    /** Fills the buffer from the position on; a file that ends first is an error. */
    static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                throw new EOFException("file ends before the record or chunk at " + position + " does");
            }
            position += read;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        for (FileChannel channel : channels.values()) {
            channel.close();
        }
        channels.clear();
    }
}
