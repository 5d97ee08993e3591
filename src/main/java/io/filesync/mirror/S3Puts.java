package io.filesync.mirror;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * The single put of a small file, signed (SigV4, as {@link UnsignedMd5Puts}: Content-MD5 and an unsigned payload) and
 * sent through the S3 client's own HTTP client, without the S3 client's request pipeline around it.
 * <p>
 * Why: for a 4 KiB put that pipeline (a dozen interceptors, the endpoint rules evaluated per request, auth scheme
 * resolution, marshalling, metrics, retry bookkeeping) cost more CPU than the HTTP exchange itself, and the JIT
 * compiler spent as much again compiling it in a short run: 10,000 puts from 8 threads to s3proxy took about 19 s of
 * process CPU through {@code S3Client.putObject}, about 11 s this way. On a machine shared with the server that CPU
 * is taken from the server. What the pipeline did for a put is done here once: the bucket's endpoint is resolved
 * when the remote starts (the SDK's own endpoint rules), the request is signed by the SDK's signer, and a refusal is
 * turned into the same {@link S3Exception} (status, error code, message), so {@link S3Errors} sorts it as before.
 * <p>
 * A failure to reach the server is tried once more at once (a pooled connection the server had closed); any other
 * failure goes to the engine, which retries with backoff, as for every request.
 */
final class S3Puts {

    private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");
    /** An S3 error document is small; more than this is not read. */
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    private final SdkHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final UnsignedMd5Puts signer = new UnsignedMd5Puts();
    private final String region;
    /** The bucket's endpoint: scheme, host, port and, path-style, the bucket. */
    private final URI bucketUri;

    /** @param endpoint an S3-compatible endpoint (path-style addressing), or null for AWS */
    S3Puts(SdkHttpClient http, AwsCredentialsProvider credentials, String bucket, String region, URI endpoint) {
        this.http = http;
        this.credentials = credentials;
        this.region = region;
        this.bucketUri = URI.create(S3EndpointProvider.defaultProvider().resolveEndpoint(S3EndpointParams.builder()
                .bucket(bucket).region(Region.of(region)).endpoint(endpoint == null ? null : endpoint.toString())
                .forcePathStyle(endpoint != null).useFips(false).useDualStack(false).accelerate(false).build())
                .join().url().toString());
    }

    /**
     * Puts {@code content} under {@code key} with its Content-MD5, which the server verifies; returns the ETag.
     *
     * @throws S3Exception        the server refused (status and error code as the S3 client reports them)
     * @throws SdkClientException the server could not be reached
     */
    String put(String key, byte[] content, String md5) {
        SdkHttpFullRequest request = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.PUT)
                .protocol(bucketUri.getScheme())
                .host(bucketUri.getHost())
                .port(bucketUri.getPort())
                .encodedPath(stripTrailingSlash(bucketUri.getRawPath()) + "/" + SdkHttpUtils.urlEncodeIgnoreSlashes(key))
                .putHeader("Content-Type", "application/octet-stream")
                .putHeader("Content-Length", Integer.toString(content.length))
                .putHeader("Content-MD5", md5)
                .build();
        ContentStreamProvider body = ContentStreamProvider.fromByteArrayUnsafe(content);
        SignedRequest signed = signer.sign(r -> r.identity(credentials.resolveCredentials()).request(request).payload(body)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
                .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false)
                .putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false));
        try {
            return execute(signed.request(), body);
        } catch (IOException stale) {
            try {
                return execute(signed.request(), body);
            } catch (IOException e) {
                e.addSuppressed(stale);
                throw SdkClientException.create("Unable to execute HTTP request: " + e.getMessage(), e);
            }
        }
    }

    private String execute(SdkHttpRequest request, ContentStreamProvider body) throws IOException {
        HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder().request(request)
                .contentStreamProvider(body).build()).call();
        int status = response.httpResponse().statusCode();
        try (InputStream in = response.responseBody().orElse(null)) {
            byte[] answer = in == null ? new byte[0] : in.readNBytes(MAX_ERROR_BYTES);
            if (status / 100 == 2) {
                return response.httpResponse().firstMatchingHeader("ETag").orElse(null);
            }
            throw refused(response, status, new String(answer, StandardCharsets.UTF_8));
        }
    }

    /** The refusal as the S3 client reports it, for {@link S3Errors}. */
    private static S3Exception refused(HttpExecuteResponse response, int status, String document) {
        String code = first(CODE, document);
        String message = first(MESSAGE, document);
        AwsErrorDetails details = AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("S3")
                .sdkHttpResponse(response.httpResponse()).build();
        return (S3Exception) S3Exception.builder().statusCode(status).awsErrorDetails(details)
                .requestId(response.httpResponse().firstMatchingHeader("x-amz-request-id").orElse(null))
                .message((message == null ? "" : message + " ") + "(Service: S3, Status Code: " + status + ")")
                .build();
    }

    private static String first(Pattern pattern, String document) {
        Matcher matcher = pattern.matcher(document);
        return matcher.find() ? unescape(matcher.group(1)) : null;
    }

    private static String unescape(String xml) {
        return xml.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
    }

    private static String stripTrailingSlash(String path) {
        return path == null ? "" : path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
