package io.filesync.mirror;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.zip.CRC32C;

/** The checksums S3 verifies on puts and parts, in the encoding its headers use (base64 of the digest). */
final class Checksums {

    private Checksums() {
    }

    /** CRC32C: what every put and part carries (hardware-accelerated in the JDK, so it costs little per byte). */
    static String crc32c(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** MD5, for Content-MD5: what a small put carries. */
    static String md5(byte[] bytes, int length) {
        MessageDigest digest = md5();
        digest.update(bytes, 0, length);
        return Base64.getEncoder().encodeToString(digest.digest());
    }

    /**
     * MD5 of the first {@code length} bytes of a file, read through a small buffer whatever the file's size.
     *
     * @param path names the file in the error of a file shorter than {@code length}
     */
    static String md5(Path file, long length, String path) throws IOException {
        MessageDigest digest = md5();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long position = 0; position < length; ) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
                int read = channel.read(buffer, position);
                if (read < 0) {
                    throw new ChangedDuringUploadException(path + " became shorter while it was being uploaded");
                }
                position += read;
                digest.update(buffer.flip());
            }
        }
        return Base64.getEncoder().encodeToString(digest.digest());
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }
}
