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
 * @param multipartThreshold files of at least this many bytes go in parts; smaller ones are read into memory whole
 * @param partSize           bytes per part (at least 5 MiB, S3's minimum); the memory one upload needs
 * @param abandonAfterMillis unfinished uploads older than this are aborted
 */
public record S3Settings(String bucket, String prefix, String region, URI endpoint, String accessKey, String secretKey,
                         long multipartThreshold, int partSize, long abandonAfterMillis) {

    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;

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
        multipartThreshold = Math.max(multipartThreshold, partSize);
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
