package io.filesync.mirror;

import java.net.URI;

import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;

/**
 * The S3 options of a {@code filesync-mirror:} endpoint (remote=s3), bound by the component from the same URI as
 * the endpoint's own options. Secrets are marked so Camel masks them wherever it shows the URI.
 */
@UriParams
public class S3Options {

    @UriParam(description = "the bucket (must exist)")
    private String bucket;

    @UriParam(description = "key prefix the relative paths are appended to", defaultValue = "")
    private String prefix = "";

    @UriParam(description = "region", defaultValue = "us-east-1")
    private String region = "us-east-1";

    @UriParam(description = "endpoint of an S3-compatible service; path-style addressing is used with it")
    private String endpointOverride;

    @UriParam(description = "access key; empty to use the standard AWS credential chain", secret = true)
    private String accessKey;

    @UriParam(description = "secret key", secret = true)
    private String secretKey;

    @UriParam(description = "files of at least this many bytes are uploaded in resumable parts", defaultValue = "16777216")
    private long multipartThreshold = 16L * 1024 * 1024;

    @UriParam(description = "bytes per part (at least 5 MiB); the memory an upload needs", defaultValue = "8388608")
    private int partSize = 8 * 1024 * 1024;

    @UriParam(description = "unfinished multipart uploads older than this many milliseconds are aborted", defaultValue = "86400000")
    private long abandonedUploadAge = 24L * 3600 * 1000;

    @UriParam(description = "Bytes of part buffers an upload may hold: parts in flight = this / part size", defaultValue = "67108864")
    private long uploadMemory = S3Settings.DEFAULT_UPLOAD_MEMORY;

    @UriParam(description = "Objects above this many bytes are moved by a multipart copy (5 MiB to 5 GiB)", defaultValue = "5368709120")
    private long copyThreshold = S3Settings.MAX_COPY_SIZE;

    /** The settings these options describe; {@code mapping} names the endpoint in error messages. */
    S3Settings settings(String mapping) {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException(MirrorComponent.SCHEME + ":" + mapping + ": option bucket is not set");
        }
        return new S3Settings(bucket, prefix, region, endpointOverride == null || endpointOverride.isBlank() ? null
                : URI.create(endpointOverride), accessKey, secretKey, multipartThreshold, partSize, abandonedUploadAge,
                uploadMemory, copyThreshold);
    }

    public String getBucket() {
        return bucket;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket;
    }

    public String getPrefix() {
        return prefix;
    }

    public void setPrefix(String prefix) {
        this.prefix = prefix;
    }

    public String getRegion() {
        return region;
    }

    public void setRegion(String region) {
        this.region = region;
    }

    public String getEndpointOverride() {
        return endpointOverride;
    }

    public void setEndpointOverride(String endpointOverride) {
        this.endpointOverride = endpointOverride;
    }

    public String getAccessKey() {
        return accessKey;
    }

    public void setAccessKey(String accessKey) {
        this.accessKey = accessKey;
    }

    public String getSecretKey() {
        return secretKey;
    }

    public void setSecretKey(String secretKey) {
        this.secretKey = secretKey;
    }

    public long getMultipartThreshold() {
        return multipartThreshold;
    }

    public void setMultipartThreshold(long multipartThreshold) {
        this.multipartThreshold = multipartThreshold;
    }

    public int getPartSize() {
        return partSize;
    }

    public void setPartSize(int partSize) {
        this.partSize = partSize;
    }

    public long getAbandonedUploadAge() {
        return abandonedUploadAge;
    }

    public void setAbandonedUploadAge(long abandonedUploadAge) {
        this.abandonedUploadAge = abandonedUploadAge;
    }

    public long getUploadMemory() {
        return uploadMemory;
    }

    public void setUploadMemory(long uploadMemory) {
        this.uploadMemory = uploadMemory;
    }

    public long getCopyThreshold() {
        return copyThreshold;
    }

    public void setCopyThreshold(long copyThreshold) {
        this.copyThreshold = copyThreshold;
    }
}
