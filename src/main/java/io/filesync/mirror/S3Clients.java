package io.filesync.mirror;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * Builds the one {@link S3Client} of an S3 remote: every put, part, copy, list and delete goes through it, signed by
 * the SDK and sent by its HTTP client.
 * <p>
 * Why the Apache client: neither the URL connection client nor the Netty asynchronous one measured better on the
 * mirror's puts and parts (docs/design/mirror.md, "S3 transport"); it is the SDK's default synchronous client,
 * camel-aws2-s3 already brings it, and a synchronous client fits the mirror, whose action and part threads each wait
 * for one request. The pool keeps a connection for each request that can be in flight.
 */
final class S3Clients {

    private S3Clients() {
    }

    /** @param maxConnections requests that may be in flight at once: the mirror's actions plus the parts in flight */
    static S3Client create(S3Settings settings, AwsCredentialsProvider credentials, int maxConnections) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(maxConnections))
                // One signature over the whole body rather than one per aws-chunked chunk, an encoding some
                // S3-compatible servers do not decode.
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                // Each body carries the checksum its caller computed (Content-MD5 of a put, CRC32C of a part), which the
                // server verifies; the SDK adds none of its own beside it (that would go as an aws-chunked trailer).
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint()).forcePathStyle(true);
        }
        return builder.build();
    }
}
