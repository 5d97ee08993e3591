package io.filesync.mirror;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * Builds the one {@link S3Client} of an S3 remote: every put, part, copy, list and delete goes through it, signed by
 * the SDK and sent by its HTTP client.
 * <p>
 * The HTTP client is the SDK's Apache client: on this workload it measured as fast as the URL connection client and
 * the Netty asynchronous one (docs/design/mirror.md, "S3 transport"), it is the SDK's default synchronous client,
 * camel-aws2-s3 already brings it, and a synchronous client fits the mirror's threads, which each wait for one request.
 * Its pool holds as many connections as requests can be in flight: the mirror's concurrent actions plus the parts in
 * flight.
 */
final class S3Clients {

    private S3Clients() {
    }

    /** @param maxConnections requests that may be in flight at once */
    static S3Client create(S3Settings settings, AwsCredentialsProvider credentials, int maxConnections) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(maxConnections).expectContinueEnabled(false))
                // One signature over the whole body rather than one per aws-chunked chunk, which some S3-compatible
                // servers do not decode either.
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                // The checksum of each body is set by the caller (Content-MD5 of a put, CRC32C of a part), so the SDK
                // adds none of its own (which would go as an aws-chunked trailer).
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                // The S3 client adds Expect: 100-continue to every put and part whatever the HTTP client's setting:
                // a round trip before each body, which S3 needs for no request the mirror sends.
                .overrideConfiguration(o -> o.addExecutionInterceptor(new NoExpectContinue()));
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint()).forcePathStyle(true);
        }
        return builder.build();
    }

    /** Removes the Expect header, through the SDK's public interceptor API. */
    private static final class NoExpectContinue implements ExecutionInterceptor {
        @Override
        public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
            return context.httpRequest().toBuilder().removeHeader("Expect").build();
        }
    }
}
