package io.filesync.tail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Tells whether the file at a path is still the file that was being read. A name is not enough (logrotate renames),
 * and neither is an inode (the kernel reuses them): a file is its device and inode plus a fingerprint of its first
 * bytes. A file whose first bytes changed was truncated and rewritten (copytruncate) or replaced.
 */
public final class FileIdentity {

    /** How many leading bytes the fingerprint covers once the file is that long. */
    public static final int FINGERPRINT_BYTES = 1024;

    private FileIdentity() {
    }

    /** Device and inode, as the JDK reports them; stable across renames within one file system. */
    public static String fileKey(BasicFileAttributes attributes, Path path) {
        Object key = attributes.fileKey();
        return key != null ? key.toString() : "path:" + path.toAbsolutePath();
    }

    public static String fileKey(Path path) throws IOException {
        return fileKey(Files.readAttributes(path, BasicFileAttributes.class), path);
    }

    /**
     * SHA-256 of the first {@code length} bytes, or null when the file is shorter than that (it was replaced by
     * a shorter one).
     */
    public static String fingerprint(FileChannel channel, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        long position = 0;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position);
            if (read < 0) {
                return null;
            }
            position += read;
        }
        buffer.flip();
        return sha256(buffer);
    }

    /** The fingerprint length to use for a file of the given size. */
    public static int fingerprintLength(long size) {
        return (int) Math.min(size, FINGERPRINT_BYTES);
    }

    private static String sha256(ByteBuffer bytes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
