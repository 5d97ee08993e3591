package io.filesync.mirror;

import java.net.URI;

/**
 * Where and how a mapping reaches S3. Without an access key the standard AWS credential chain is used (environment,
 * profile, instance role). {@link #toString()} never shows the keys.
 *
 * @param bucket             the bucket; it must exist (filesync never creates buckets)
 * @param prefix             key prefix, '/'-terminated or empty
 * @param region             e.g. us-east-1
 * @param endpoint           an S3-compatible endpoint, or null for AWS
 * @param accessKey          may be null
 * @param secretKey          may be null
 * @param multipartThreshold files of at least this many bytes go in parts, smaller ones in one put streamed from the
 *                           file; at least the part size, at most 5 GiB (S3's limit for one put)
 * @param partSize           bytes per part (at least 5 MiB, S3's minimum); the memory one upload needs
 * @param abandonAfterMillis unfinished uploads older than this are aborted
 * @param uploadMemory       bytes of part buffers the remote may hold: parts in flight = this / part size (at least 1)
 * @param copyThreshold      objects above this many bytes are moved by a multipart copy (S3 copies at most 5 GiB at once)
 */
public record S3Settings(String bucket, String prefix, String region, URI endpoint, String accessKey, String secretKey,
                         long multipartThreshold, int partSize, long abandonAfterMillis, long uploadMemory, long copyThreshold) {

    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    /** S3's limit for one put: files of this size and more can only go in parts. */
    public static final long MAX_PUT_SIZE = 5L * 1024 * 1024 * 1024;
    /** S3's limit for one copy, and so the default copy threshold. */
    public static final long MAX_COPY_SIZE = 5L * 1024 * 1024 * 1024;
    public static final long DEFAULT_UPLOAD_MEMORY = 64L * 1024 * 1024;

    /** With the default memory budget and copy threshold. */
    public S3Settings(String bucket, String prefix, String region, URI endpoint, String accessKey, String secretKey,
                      long multipartThreshold, int partSize, long abandonAfterMillis) {
        this(bucket, prefix, region, endpoint, accessKey, secretKey, multipartThreshold, partSize, abandonAfterMillis,
                DEFAULT_UPLOAD_MEMORY, MAX_COPY_SIZE);
    }

    public S3Settings {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("An S3 mirror needs a bucket");
        }
        prefix = prefix == null ? "" : prefix.replaceAll("^/+", "");
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("S3 part size must be at least 5 MiB, got " + partSize);
        }
        multipartThreshold = Math.min(Math.max(multipartThreshold, partSize), MAX_PUT_SIZE);
        if (copyThreshold < MIN_PART_SIZE || copyThreshold > MAX_COPY_SIZE) {
            throw new IllegalArgumentException("S3 copy threshold must be between 5 MiB and 5 GiB, got " + copyThreshold);
        }
    }

    /** Bytes per part of a multipart copy: the copy threshold, at most 1 GiB (fewer, larger requests than uploads). */
    public long copyPartSize() {
        return Math.min(copyThreshold, 1L << 30);
    }

    /** The object key of a path relative to the mapping's root. */
    public String key(String path) {
        return prefix + path;
    }

    @Override
    public String toString() {
        return "s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " at " + endpoint);
    }
}
