package io.filesync.servers;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server (s3proxy over a filesystem store) on 127.0.0.1, with signature checking on, so a
 * client with wrong credentials is refused as by a real service.
 */
public final class S3Server implements AutoCloseable {

    public static final String REGION = "us-east-1";

    private final S3Proxy proxy;
    private final String accessKey;
    private final String secretKey;
    private final AtomicInteger buckets = new AtomicInteger();

    private S3Server(S3Proxy proxy, String accessKey, String secretKey) {
        this.proxy = proxy;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    static S3Server start(Path workDir) {
        String accessKey = "filesync-test";
        String secretKey = "secret-" + Long.toHexString(System.nanoTime());
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(workDir.toAbsolutePath().toString()))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            throw new IllegalStateException("Could not start s3proxy: " + e.getMessage(), e);
        }
        return new S3Server(proxy, accessKey, secretKey);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    /** Creates an empty bucket and returns its name. */
    public String createBucket() {
        String bucket = "filesync-" + buckets.incrementAndGet();
        try (S3Client client = client()) {
            client.createBucket(request -> request.bucket(bucket));
        }
        return bucket;
    }

    /** A plain AWS SDK client for this server, to check what reached it; close it after use. */
    public S3Client client() {
        return S3Client.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .build();
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }

    @Override
    public String toString() {
        return "s3proxy on " + endpoint();
    }
}
