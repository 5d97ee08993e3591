package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import io.filesync.servers.S3Server;
import io.filesync.servers.TestServers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Puts with Content-MD5 go with an unsigned payload to the real s3proxy, and the server still checks them. */
@ExtendWith(TestServers.class)
class UnsignedMd5PutsIT {

    /** The x-amz-content-sha256 of every request as it left the client, signed. */
    private final List<String> payloadHashes = new CopyOnWriteArrayList<>();
    private String bucket;

    @BeforeEach
    void setUp() {
        bucket = TestServers.s3().createBucket();
    }

    private S3Client client(String secret) {
        S3Server s3 = TestServers.s3();
        return S3Client.builder().endpointOverride(s3.endpoint()).region(Region.of(S3Server.REGION)).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), secret)))
                // As S3Remote: no SDK checksum of its own beside our Content-MD5 (else an aws-chunked trailer).
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .putAuthScheme(new UnsignedMd5Puts())
                .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                        payloadHashes.add(context.httpRequest().firstMatchingHeader("x-amz-content-sha256").orElse("none"));
                    }
                })).build();
    }

    @Test
    void aPutWithContentMd5GoesUnsignedAndTheServerStoresExactlyItsBytes() throws Exception {
        byte[] content = new byte[4096];
        new Random(6).nextBytes(content);
        try (S3Client client = client(TestServers.s3().secretKey())) {
            client.putObject(r -> r.bucket(bucket).key("a.bin").contentMD5(Checksums.md5(content, content.length)),
                    RequestBody.fromBytes(content));
            assertThat(payloadHashes).containsExactly("UNSIGNED-PAYLOAD");
            assertThat(client.getObjectAsBytes(r -> r.bucket(bucket).key("a.bin")).asByteArray()).isEqualTo(content);
        }
    }

    @Test
    void anUnsignedPutWhoseBodyDoesNotMatchItsContentMd5IsRefused() {
        String md5OfOther = Checksums.md5("other".getBytes(), 5);
        try (S3Client client = client(TestServers.s3().secretKey())) {
            assertThatThrownBy(() -> client.putObject(r -> r.bucket(bucket).key("bad").contentMD5(md5OfOther),
                    RequestBody.fromString("not the same bytes"))).isInstanceOfSatisfying(S3Exception.class,
                    refused -> assertThat(refused.statusCode()).isEqualTo(400));
            assertThat(payloadHashes).containsOnly("UNSIGNED-PAYLOAD");
            assertThat(client.listObjectsV2(r -> r.bucket(bucket)).contents()).isEmpty();
        }
    }

    @Test
    void theHeadersStaySignedSoAWrongSecretIsRefused() {
        byte[] content = "content".getBytes();
        try (S3Client client = client("not-the-secret")) {
            assertThatThrownBy(() -> client.putObject(r -> r.bucket(bucket).key("c.txt").contentMD5(Checksums.md5(content, 7)),
                    RequestBody.fromBytes(content))).isInstanceOfSatisfying(S3Exception.class,
                    refused -> assertThat(refused.statusCode()).isEqualTo(403));
        }
        assertThat(payloadHashes).contains("UNSIGNED-PAYLOAD");
    }

    @Test
    void aRequestWithoutContentMd5KeepsItsSignedPayload() {
        try (S3Client client = client(TestServers.s3().secretKey())) {
            client.putObject(r -> r.bucket(bucket).key("d.txt"), RequestBody.fromString("no md5"));
            assertThat(client.getObjectAsBytes(r -> r.bucket(bucket).key("d.txt")).asUtf8String()).isEqualTo("no md5");
        }
        // Signed as the SDK does over http (here aws-chunked, each chunk signed): never an unsigned payload.
        assertThat(payloadHashes.get(0)).startsWith("STREAMING-AWS4-HMAC-SHA256");
    }
}
