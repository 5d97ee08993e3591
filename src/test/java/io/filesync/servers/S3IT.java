package io.filesync.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.apache.camel.component.aws2.s3.AWS2S3Operations;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Camel's aws2-s3 component against the real S3-compatible server: put, multipart put, copy, list, delete. */
@ExtendWith(TestServers.class)
class S3IT {

    private static CamelContext context;
    private static ProducerTemplate template;
    private static String bucket;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        bucket = TestServers.s3().createBucket();
        context = new DefaultCamelContext();
        context.start();
        template = context.createProducerTemplate();
    }

    @AfterAll
    static void stop() {
        context.stop();
    }

    private static String s3(String options) {
        S3Server s3 = TestServers.s3();
        return "aws2-s3://" + bucket + "?overrideEndpoint=true&uriEndpointOverride=" + s3.endpoint()
                + "&forcePathStyle=true&region=" + S3Server.REGION
                + "&accessKey=RAW(" + s3.accessKey() + ")&secretKey=RAW(" + s3.secretKey() + ")"
                + "&autoCreateBucket=false" + options;
    }

    @Test
    void putThenCopyThenListThenDelete() {
        template.sendBodyAndHeader(s3(""), "hello s3", AWS2S3Constants.KEY, "dir/hello.txt");
        assertThat(read("dir/hello.txt")).isEqualTo("hello s3".getBytes());

        template.sendBodyAndHeaders(s3("&operation=" + AWS2S3Operations.copyObject), null, Map.of(
                AWS2S3Constants.KEY, "dir/hello.txt",
                AWS2S3Constants.BUCKET_DESTINATION_NAME, bucket,
                AWS2S3Constants.DESTINATION_KEY, "moved/hello.txt"));
        assertThat(read("moved/hello.txt")).isEqualTo("hello s3".getBytes());

        @SuppressWarnings("unchecked")
        List<S3Object> listed = template.requestBody(s3("&operation=" + AWS2S3Operations.listObjects), null, List.class);
        assertThat(listed).extracting(S3Object::key).contains("dir/hello.txt", "moved/hello.txt");

        template.sendBodyAndHeader(s3("&operation=" + AWS2S3Operations.deleteObject), null, AWS2S3Constants.KEY, "dir/hello.txt");
        try (S3Client client = TestServers.s3().client()) {
            assertThat(client.listObjectsV2(r -> r.bucket(bucket)).contents()).extracting(S3Object::key)
                    .doesNotContain("dir/hello.txt").contains("moved/hello.txt");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.getObjectAsBytes(r -> r.bucket(bucket).key("dir/hello.txt")))
                    .isInstanceOf(NoSuchKeyException.class);
        }
    }

    @Test
    void multipartPutReassemblesTheExactBytes() throws Exception {
        Path file = dir.resolve("big.bin");
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(42);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < 12; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
                sent.update(chunk);
            }
        }

        template.sendBodyAndHeader(s3("&multiPartUpload=true&partSize=" + (5 * 1024 * 1024)), file.toFile(),
                AWS2S3Constants.KEY, "big/big.bin");

        byte[] stored = read("big/big.bin");
        assertThat(stored).hasSize(12 << 20);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored)))
                .isEqualTo(HexFormat.of().formatHex(sent.digest()));
        try (S3Client client = TestServers.s3().client()) {
            // A multipart object's ETag ends with "-<number of parts>": proof the upload really went in parts.
            assertThat(client.headObject(r -> r.bucket(bucket).key("big/big.bin")).eTag()).endsWith("-3\"");
        }
    }

    private static byte[] read(String key) {
        try (S3Client client = TestServers.s3().client()) {
            ResponseBytes<GetObjectResponse> object = client.getObjectAsBytes(r -> r.bucket(bucket).key(key));
            return object.asByteArray();
        }
    }

}
