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

    private final Path workDir;
    private volatile S3Proxy proxy;
    private final int port;
    private final String accessKey;
    private final String secretKey;
    private final AtomicInteger buckets = new AtomicInteger();

    private S3Server(Path workDir, S3Proxy proxy, String accessKey, String secretKey) {
        this.workDir = workDir;
        this.proxy = proxy;
        this.port = proxy.getPort();
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /**
     * A server of the caller's own, for a test that stops and restarts it ({@link #stop()}, {@link #restart()});
     * others share {@link TestServers#s3()}. Close it after use.
     */
    public static S3Server start(Path workDir) {
        String accessKey = "filesync-test";
        String secretKey = "secret-" + Long.toHexString(System.nanoTime());
        return new S3Server(workDir, started(workDir, 0, accessKey, secretKey), accessKey, secretKey);
    }

    private static S3Proxy started(Path workDir, int port, String accessKey, String secretKey) {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(workDir.toAbsolutePath().toString()))
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            throw new IllegalStateException("Could not start s3proxy: " + e.getMessage(), e);
        }
        return proxy;
    }

    /** Stops answering: connections to the port are refused until {@link #restart()}. */
    public void stop() throws Exception {
        proxy.stop();
    }

    /** Serves again on the same port, with the same store and credentials. */
    public void restart() {
        proxy = started(workDir, port, accessKey, secretKey);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
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
