package io.filesync.mirror;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The version of a local file as the mirror tracks it: size and modification time, the same {@code size|modified}
 * that the file source stores. Taken before and after an upload, it tells whether the file changed meanwhile.
 */
public record FileStamp(long size, long modifiedMillis) {

    public static FileStamp of(Path file) throws IOException {
        return of(Files.readAttributes(file, BasicFileAttributes.class));
    }

    public static FileStamp of(BasicFileAttributes attributes) {
        return new FileStamp(attributes.size(), attributes.lastModifiedTime().toMillis());
    }

    public String version() {
        return size + "|" + modifiedMillis;
    }

    /**
     * The state the mirror records for a file it sent: the version, then the checksum the remote verified, so the
     * state says what exactly was sent ({@code size|modified|crc32c:...}).
     */
    public static String sentState(String version, String checksum) {
        return checksum == null ? version : version + "|" + checksum;
    }

    /** The version part of a state written by {@link #sentState}, or null for null. */
    public static String versionOf(String state) {
        if (state == null) {
            return null;
        }
        int size = state.indexOf('|');
        int modified = size < 0 ? -1 : state.indexOf('|', size + 1);
        return modified < 0 ? state : state.substring(0, modified);
    }

    /** Throws when the file no longer has this stamp. */
    public void verifyUnchanged(Path file, String path) throws IOException {
        FileStamp now;
        try {
            now = of(file);
        } catch (IOException e) {
            throw new ChangedDuringUploadException(path + " vanished while it was being uploaded");
        }
        if (!equals(now)) {
            throw new ChangedDuringUploadException(path + " changed while it was being uploaded (" + version() + " became "
                    + now.version() + ")");
        }
    }
}
