package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.filesync.core.http.Http11Client;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/** filesync's SigV4 for a single put against the SDK's signer, the reference, on the same request at the same time. */
class S3PutSignerTest {

    private static final long TIME = Instant.parse("2026-03-09T07:05:04Z").toEpochMilli();

    @ParameterizedTest
    @ValueSource(strings = {"plain.bin", "mirror/a folder/with spaces.txt", "mirror/ünï cødé/日本.txt",
            "mirror/x+y=z&a;b,c@d$e!f'(g)*h~i.txt", "mirror/percent%20and#hash?q.txt", "a//double/slash/"})
    void signsExactlyAsTheSdkDoesWhateverTheKey(String key) {
        assertThat(ours(basic(), key, 8080)).isEqualTo(sdks(basic(), key, 8080));
    }

    @ParameterizedTest
    @ValueSource(ints = {9000, 443})
    void sessionCredentialsAndTheDefaultPortSignAsTheSdkDoes(int port) {
        AwsCredentials session = AwsSessionCredentials.create("ASIAEXAMPLE", "session/secret+key", "token//with==");
        assertThat(ours(session, "folder/file.txt", port)).isEqualTo(sdks(session, "folder/file.txt", port));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 86_399_999, 86_400_000, 951_782_400_000L})
    void datesAreWrittenInUtcWithoutAFormatter(long millis) {
        assertThat(S3PutSigner.amzDate(millis)).isEqualTo(
                java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.ofEpochMilli(millis)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "a b/c+d=e&f", "ünï/日本", "x*y~z%", "!'()*"})
    void pathsAreEncodedAsTheSdkEncodesThem(String key) {
        assertThat(S3PutSigner.encodePath(key)).isEqualTo(SdkHttpUtils.urlEncodeIgnoreSlashes(key));
    }

    private static AwsCredentials basic() {
        return AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    }

    private static Map<String, String> ours(AwsCredentials credentials, String key, int port) {
        String host = port == 443 ? "s3.example.test" : "s3.example.test:" + port;
        List<Http11Client.Header> headers = new S3PutSigner("eu-west-3").sign(credentials, host,
                "/bucket/" + S3PutSigner.encodePath(key), 4096, "1B2M2Y8AsgTpgAmY7PhCfg==", TIME);
        return headers.stream().collect(Collectors.toMap(Http11Client.Header::name, Http11Client.Header::value));
    }

    /** The headers of the same put as the SDK signs it, names in lower case, as they would go on the wire. */
    private static Map<String, String> sdks(AwsCredentials credentials, String key, int port) {
        SdkHttpFullRequest request = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.PUT).protocol("https").host("s3.example.test").port(port)
                .encodedPath("/bucket/" + SdkHttpUtils.urlEncodeIgnoreSlashes(key))
                .putHeader("Content-Type", "application/octet-stream")
                .putHeader("Content-Length", "4096")
                .putHeader("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")
                .build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(credentials).request(request)
                .payload(ContentStreamProvider.fromByteArray(new byte[4096]))
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(Instant.ofEpochMilli(TIME), ZoneOffset.UTC))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-3")
                .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                .putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false)).request();
        Map<String, String> headers = signed.headers().entrySet().stream().collect(Collectors.toMap(
                e -> e.getKey().toLowerCase(java.util.Locale.ROOT), e -> String.join(",", e.getValue())));
        // The SDK leaves Host to the HTTP client; it signs it all the same.
        headers.put("host", port == 443 ? "s3.example.test" : "s3.example.test:" + port);
        return headers;
    }
}
