package io.filesync.tail;

/**
 * How far one file has been read: everything before {@code offset} became rows (or error records), and
 * {@code lineNumber} lines were consumed. Immutable; a new position is made for each batch.
 *
 * @param fileKey           device and inode of the file
 * @param path              the file's path relative to the tailed folder, as last seen
 * @param fingerprintLength how many leading bytes the fingerprint covers (0 for an empty file)
 * @param fingerprint       SHA-256 of those bytes, or null when the length is 0
 * @param offset            bytes consumed
 * @param lineNumber        lines consumed
 */
public record TailPosition(String fileKey, String path, int fingerprintLength, String fingerprint, long offset,
                           long lineNumber) {

    /** A file never read: everything from its first byte is still to come. */
    public static TailPosition start(String fileKey, String path) {
        return new TailPosition(fileKey, path, 0, null, 0, 0);
    }

    public TailPosition advancedTo(long newOffset, long newLineNumber) {
        return new TailPosition(fileKey, path, fingerprintLength, fingerprint, newOffset, newLineNumber);
    }

    public TailPosition withFingerprint(int length, String hash) {
        return new TailPosition(fileKey, path, length, hash, offset, lineNumber);
    }

    public TailPosition movedTo(String newPath) {
        return new TailPosition(fileKey, newPath, fingerprintLength, fingerprint, offset, lineNumber);
    }
}
