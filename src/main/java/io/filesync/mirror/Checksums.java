package io.filesync.mirror;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.CRC32C;

/** The checksum S3 verifies on every put and part, in the encoding its headers use (base64 of the big-endian value). */
final class Checksums {

    private Checksums() {
    }

    /** CRC32C: what every put and part carries (hardware-accelerated in the JDK, so it costs little per byte). */
    static String crc32c(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
