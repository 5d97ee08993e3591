package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import io.filesync.servers.S3Server;
import io.filesync.servers.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Single puts without the S3 client, against the real s3proxy, both ways: filesync's own signer and HTTP exchange
 * (direct) and the SDK's signer and HTTP client (where a proxy is configured). Each must do what the S3 client's
 * putObject did: s3proxy checks every signature and every Content-MD5.
 */
@ExtendWith(TestServers.class)
class S3PutsIT {

    /** Every request as it left for the server, signed. */
    private final List<SdkHttpRequest> sent = new CopyOnWriteArrayList<>();
    private final SdkHttpClient http = recording(ApacheHttpClient.builder().expectContinueEnabled(false).build());
    private final List<S3Puts> opened = new CopyOnWriteArrayList<>();
    private String bucket;

    @BeforeEach
    void setUp() {
        bucket = TestServers.s3().createBucket();
    }

    @AfterEach
    void tearDown() {
        opened.forEach(S3Puts::close);
        http.close();
    }

    @ParameterizedTest(name = "direct: {0}")
    @ValueSource(booleans = {true, false})
    void awkwardKeysAreStoredUnderExactlyThoseKeysWithExactlyTheBytesUnsignedButCheckedByTheirMd5(boolean direct) {
        S3Puts puts = puts(bucket, TestServers.s3().endpoint(), TestServers.s3().secretKey(), direct);
        List<String> keys = List.of("plain.bin", "mirror/a folder/with spaces.txt", "mirror/ünï cødé/日本.txt",
                "mirror/x+y=z&a;b,c@d$e!f'(g)*h~i.txt", "mirror/percent%20and#hash?q.txt");
        Random random = new Random(7);
        try (S3Client client = TestServers.s3().client()) {
            for (String key : keys) {
                byte[] content = new byte[1 + random.nextInt(5000)];
                random.nextBytes(content);
                String md5 = Checksums.md5(content, content.length);
                String etag = puts.put(key, content, md5);
                // The ETag of a single put is the MD5 the server computed over what it stored.
                assertThat(etag.replace("\"", "")).isEqualTo(HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(md5)));
                assertThat(client.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray()).as(key).isEqualTo(content);
            }
            assertThat(client.listObjectsV2(r -> r.bucket(bucket)).contents()).extracting(S3Object::key)
                    .containsExactlyInAnyOrderElementsOf(keys);
        }
        // The SDK's HTTP client shows what it sent; the direct way's requests were checked by the server just the same.
        assertThat(sent).hasSize(direct ? 0 : keys.size()).allSatisfy(request -> {
            assertThat(request.firstMatchingHeader("x-amz-content-sha256")).hasValue("UNSIGNED-PAYLOAD");
            assertThat(request.firstMatchingHeader("Expect")).isEmpty();
            assertThat(request.firstMatchingHeader("Authorization")).hasValueSatisfying(auth -> assertThat(auth)
                    .startsWith("AWS4-HMAC-SHA256 Credential=" + TestServers.s3().accessKey() + "/").contains("content-md5"));
        });
    }

    @ParameterizedTest(name = "direct: {0}")
    @ValueSource(booleans = {true, false})
    void aBodyThatDoesNotMatchItsMd5IsRefusedAndNothingIsStored(boolean direct) {
        S3Puts puts = puts(bucket, TestServers.s3().endpoint(), TestServers.s3().secretKey(), direct);
        byte[] content = "not the same bytes".getBytes();
        assertThatThrownBy(() -> puts.put("bad", content, Checksums.md5("other".getBytes(), 5)))
                .isInstanceOfSatisfying(S3Exception.class, refused -> assertThat(refused.statusCode()).isEqualTo(400));
        try (S3Client client = TestServers.s3().client()) {
            assertThat(client.listObjectsV2(r -> r.bucket(bucket)).contents()).isEmpty();
        }
    }

    @ParameterizedTest(name = "direct: {0}")
    @ValueSource(booleans = {true, false})
    void refusalsAndOutagesAreSortedAsTheS3ClientsWere(boolean direct) throws IOException {
        S3Settings settings = new S3Settings(bucket, "", S3Server.REGION, TestServers.s3().endpoint(), null, null,
                S3Settings.MIN_PART_SIZE, S3Settings.MIN_PART_SIZE, 86_400_000L);
        S3Errors errors = new S3Errors(settings);
        byte[] content = "content".getBytes();
        String md5 = Checksums.md5(content, content.length);

        S3Puts wrongSecret = puts(bucket, TestServers.s3().endpoint(), "not-the-secret", direct);
        assertThatThrownBy(() -> errors.call("c.txt", () -> wrongSecret.put("c.txt", content, md5)))
                .isInstanceOf(RemoteUnavailableException.class).hasMessageContaining("refused the credentials");

        S3Puts noBucket = puts("no-such-bucket", TestServers.s3().endpoint(), TestServers.s3().secretKey(), direct);
        assertThatThrownBy(() -> errors.call("c.txt", () -> noBucket.put("c.txt", content, md5)))
                .isInstanceOf(RemoteUnavailableException.class).hasMessageContaining("does not exist");

        URI nobodyListening;
        try (ServerSocket socket = new ServerSocket(0)) {
            nobodyListening = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        S3Puts unreachable = puts(bucket, nobodyListening, TestServers.s3().secretKey(), direct);
        assertThatThrownBy(() -> unreachable.put("c.txt", content, md5)).isInstanceOf(SdkClientException.class);
        assertThatThrownBy(() -> errors.call("c.txt", () -> unreachable.put("c.txt", content, md5)))
                .isInstanceOf(RemoteUnavailableException.class).hasMessageContaining("cannot reach S3");
    }

    private S3Puts puts(String bucketName, URI endpoint, String secret, boolean direct) {
        S3Puts puts = new S3Puts(() -> http, StaticCredentialsProvider.create(AwsBasicCredentials.create(TestServers.s3().accessKey(), secret)),
                bucketName, S3Server.REGION, endpoint, direct);
        opened.add(puts);
        return puts;
    }

    /** The real HTTP client, noting each request it is given. */
    private SdkHttpClient recording(SdkHttpClient real) {
        return new SdkHttpClient() {
            @Override
            public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
                sent.add(request.httpRequest());
                return real.prepareRequest(request);
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }
}
