package io.filesync.mirror;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.filesync.core.http.Http11Client;
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
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The single put of a small file: signed (SigV4; Content-MD5, which the server verifies, and an unsigned payload, as
 * rclone sends it) and sent without the S3 client's request pipeline around it.
 * <p>
 * Why: for a 4 KiB put that pipeline (a dozen interceptors, the endpoint rules evaluated per request, auth scheme
 * resolution, marshalling, metrics, retry bookkeeping) cost more CPU than the HTTP exchange itself, and the JIT
 * compiler spent as much again compiling it in a short run: 10,000 puts from 8 threads to s3proxy took about 19 s of
 * process CPU through {@code S3Client.putObject}, about 11 s through the SDK's signer and HTTP client alone, and less
 * again with this class's own signer ({@link S3PutSigner}) and HTTP/1.1 exchange ({@link Http11Client}). On a
 * machine shared with the server that CPU is taken from the server. The bucket's endpoint is resolved once, when the
 * remote starts, and a refusal is turned into the same {@link S3Exception} (status, error code, message) the S3
 * client throws, so {@link S3Errors} sorts it as before.
 * <p>
 * Where a proxy is configured (the {@code http(s).proxyHost} system properties or the {@code HTTP(S)_PROXY}
 * environment variables, which the SDK's HTTP client honours) the put goes through the SDK's signer and HTTP client
 * instead ({@link UnsignedMd5Puts}), which know how to cross one.
 * <p>
 * A failure to reach the server is tried once more at once (a pooled connection the server had closed); any other
 * failure goes to the engine, which retries with backoff, as for every request.
 */
final class S3Puts implements AutoCloseable {

    private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");
    /** An S3 error document is small; more than this is not read. */
    private static final int MAX_ERROR_BYTES = 64 * 1024;
    /** As the SDK's HTTP client: a connection within 2 s, an answer within 30 s. */
    static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    static final int READ_TIMEOUT_MILLIS = 30_000;

    private final Supplier<SdkHttpClient> sdkHttp;
    private final AwsCredentialsProvider credentials;
    private final UnsignedMd5Puts sdkSigner = new UnsignedMd5Puts();
    private final String region;
    /** The bucket's endpoint: scheme, host and port and, path-style, the bucket. */
    private final URI bucketUri;
    /** The direct way, or null where puts go through the SDK's client (a proxy is configured). */
    private final Http11Client direct;
    private final S3PutSigner signer;

    /**
     * @param sdkHttp  the SDK's HTTP client, asked for only where puts go through it
     * @param endpoint an S3-compatible endpoint (path-style addressing), or null for AWS
     */
    S3Puts(Supplier<SdkHttpClient> sdkHttp, AwsCredentialsProvider credentials, String bucket, String region, URI endpoint) {
        this(sdkHttp, credentials, bucket, region, endpoint, !proxyConfigured());
    }

    /** @param direct whether puts go through this class's own signer and HTTP exchange rather than the SDK's */
    S3Puts(Supplier<SdkHttpClient> sdkHttp, AwsCredentialsProvider credentials, String bucket, String region, URI endpoint,
           boolean direct) {
        this.sdkHttp = sdkHttp;
        this.credentials = credentials;
        this.region = region;
        this.bucketUri = endpoint != null
                // Path-style on a given endpoint, as the SDK's endpoint rules resolve it with forcePathStyle.
                ? URI.create(endpoint.getScheme() + "://" + endpoint.getRawAuthority() + stripTrailingSlash(endpoint.getRawPath())
                        + "/" + S3PutSigner.encodePath(bucket))
                : URI.create(S3EndpointProvider.defaultProvider().resolveEndpoint(S3EndpointParams.builder()
                        .bucket(bucket).region(Region.of(region)).forcePathStyle(false).useFips(false).useDualStack(false)
                        .accelerate(false).build()).join().url().toString());
        this.direct = direct ? new Http11Client(bucketUri, null, CONNECT_TIMEOUT_MILLIS, READ_TIMEOUT_MILLIS, 0, MAX_ERROR_BYTES) : null;
        this.signer = new S3PutSigner(region);
    }

    /** Whether the JVM or the environment names a proxy, which the SDK's HTTP client would use. */
    static boolean proxyConfigured() {
        for (String property : new String[] {"http.proxyHost", "https.proxyHost"}) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) {
                return true;
            }
        }
        for (String variable : new String[] {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"}) {
            String value = System.getenv(variable);
            if (value != null && !value.isBlank()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Puts {@code content} under {@code key} with its Content-MD5, which the server verifies; returns the ETag.
     *
     * @throws S3Exception        the server refused (status and error code as the S3 client reports them)
     * @throws SdkClientException the server could not be reached
     */
    String put(String key, byte[] content, String md5) {
        if (direct != null) {
            return putDirect(key, content, md5);
        }
        SdkHttpFullRequest request = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.PUT)
                .protocol(bucketUri.getScheme())
                .host(bucketUri.getHost())
                .port(bucketUri.getPort())
                .encodedPath(stripTrailingSlash(bucketUri.getRawPath()) + "/" + S3PutSigner.encodePath(key))
                .putHeader("Content-Type", "application/octet-stream")
                .putHeader("Content-Length", Integer.toString(content.length))
                .putHeader("Content-MD5", md5)
                .build();
        ContentStreamProvider body = ContentStreamProvider.fromByteArrayUnsafe(content);
        SignedRequest signed = sdkSigner.sign(r -> r.identity(credentials.resolveCredentials()).request(request).payload(body)
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

    private String putDirect(String key, byte[] content, String md5) {
        String path = stripTrailingSlash(bucketUri.getRawPath()) + "/" + S3PutSigner.encodePath(key);
        List<Http11Client.Header> headers = signer.sign(credentials.resolveCredentials(), direct.hostHeader(), path,
                content.length, md5, System.currentTimeMillis());
        Http11Client.Response response;
        try {
            response = direct.exchange("PUT", path, headers, ByteBuffer.wrap(content));
        } catch (IOException e) {
            throw SdkClientException.create("Unable to execute HTTP request: " + e.getMessage(), e);
        }
        if (response.status() / 100 == 2) {
            return response.header("etag");
        }
        return throwRefused(response.status(), new String(response.body(), StandardCharsets.UTF_8),
                SdkHttpResponse.builder().statusCode(response.status()).applyMutation(b -> response.headers().forEach(b::putHeader)).build());
    }

    private String execute(SdkHttpRequest request, ContentStreamProvider body) throws IOException {
        HttpExecuteResponse response = sdkHttp.get().prepareRequest(HttpExecuteRequest.builder().request(request)
                .contentStreamProvider(body).build()).call();
        int status = response.httpResponse().statusCode();
        try (InputStream in = response.responseBody().orElse(null)) {
            byte[] answer = in == null ? new byte[0] : in.readNBytes(MAX_ERROR_BYTES);
            if (status / 100 == 2) {
                return response.httpResponse().firstMatchingHeader("ETag").orElse(null);
            }
            return throwRefused(status, new String(answer, StandardCharsets.UTF_8), response.httpResponse());
        }
    }

    /** Throws the refusal as the S3 client reports it, for {@link S3Errors}. */
    private static String throwRefused(int status, String document, SdkHttpResponse response) {
        String code = first(CODE, document);
        String message = first(MESSAGE, document);
        AwsErrorDetails details = AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("S3")
                .sdkHttpResponse(response).build();
        throw (S3Exception) S3Exception.builder().statusCode(status).awsErrorDetails(details)
                .requestId(response.firstMatchingHeader("x-amz-request-id").orElse(null))
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

    @Override
    public void close() {
        if (direct != null) {
            direct.close();
        }
    }
}
