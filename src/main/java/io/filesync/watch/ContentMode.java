package io.filesync.watch;

/** Whether and how created and updated file events carry the file's content. */
public enum ContentMode {
    /** No content (the default): events stay small whatever the file size. */
    NONE,
    /** The content decoded as text in the configured charset; malformed input is replaced, never fatal. */
    TEXT,
    /** The raw bytes (Base64 in JSON). */
    BYTES
}
