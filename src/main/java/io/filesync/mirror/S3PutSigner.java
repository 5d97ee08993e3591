package io.filesync.mirror;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.filesync.core.http.Http11Client.Header;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * AWS Signature Version 4 for the one request {@link S3Puts} sends: a PUT of a whole object with Content-MD5 and
 * {@code x-amz-content-sha256: UNSIGNED-PAYLOAD}, the headers (Content-MD5 among them) signed, the body checked by the
 * server against the MD5.
 * <p>
 * Why not the SDK's signer: for a 4 KiB put, its general pipeline (request builders, a sorted header map, generic URL
 * encoding, a signer property bag) took more CPU than the exchange itself, and compiling it took the JIT compiler as
 * long again in a short run, on a machine whose other core serves the upload. This is the same algorithm for one
 * fixed request shape: the canonical request, the string to sign, and the signing key (derived once a day per key,
 * region and service, then cached). Its output equals the SDK's for the same request and time
 * ({@code S3PutSignerTest} checks it), and s3proxy verifies every signature in the integration tests.
 */
final class S3PutSigner {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    private static final HexFormat HEX = HexFormat.of();
    private static final HexFormat UPPER_HEX = HexFormat.of().withUpperCase();

    /** The signing key of one day, key pair and region. */
    private record SigningKey(String date, String secretKey, byte[] key) {
    }

    private final String region;
    private volatile SigningKey signingKey;
    private final ThreadLocal<MessageDigest> sha256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK always has SHA-256", e);
        }
    });
    private final ThreadLocal<Mac> hmac = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK always has HmacSHA256", e);
        }
    });

    S3PutSigner(String region) {
        this.region = region;
    }

    /**
     * The headers of a signed put, in the order they go on the wire, Authorization last.
     *
     * @param host          the Host header: host, and port unless it is the scheme's default
     * @param encodedPath   the request path as sent, already URI-encoded (S3 signs it as it is, no second encoding)
     * @param contentLength the body's length
     * @param md5           the body's Content-MD5 (base64)
     * @param epochMillis   the signing time
     */
    List<Header> sign(AwsCredentials credentials, String host, String encodedPath, long contentLength, String md5,
                      long epochMillis) {
        String amzDate = amzDate(epochMillis);
        String date = amzDate.substring(0, 8);
        // Canonical headers sorted by name: content-length, content-md5, content-type, host, x-amz-*.
        List<Header> signed = new ArrayList<>(8);
        signed.add(new Header("content-length", Long.toString(contentLength)));
        signed.add(new Header("content-md5", md5));
        signed.add(new Header("content-type", "application/octet-stream"));
        signed.add(new Header("host", host));
        signed.add(new Header("x-amz-content-sha256", UNSIGNED_PAYLOAD));
        signed.add(new Header("x-amz-date", amzDate));
        if (credentials instanceof AwsSessionCredentials session) {
            signed.add(new Header("x-amz-security-token", session.sessionToken()));
        }
        StringBuilder canonical = new StringBuilder(256 + encodedPath.length());
        canonical.append("PUT\n").append(encodedPath).append("\n\n");
        StringBuilder names = new StringBuilder(128);
        for (Header header : signed) {
            canonical.append(header.name()).append(':').append(header.value().strip()).append('\n');
            if (!names.isEmpty()) {
                names.append(';');
            }
            names.append(header.name());
        }
        canonical.append('\n').append(names).append('\n').append(UNSIGNED_PAYLOAD);
        String scope = date + "/" + region + "/s3/aws4_request";
        String toSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + HEX.formatHex(sha256.get().digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        String signature = HEX.formatHex(hmac(key(date, credentials.secretAccessKey()), toSign));
        signed.add(new Header("authorization", ALGORITHM + " Credential=" + credentials.accessKeyId() + "/" + scope
                + ", SignedHeaders=" + names + ", Signature=" + signature));
        return signed;
    }

    /** The day's signing key, derived from the secret key once a day (and again if the credentials change). */
    private byte[] key(String date, String secretKey) {
        SigningKey cached = signingKey;
        if (cached != null && cached.date().equals(date) && cached.secretKey().equals(secretKey)) {
            return cached.key();
        }
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, "s3");
        key = hmac(key, "aws4_request");
        signingKey = new SigningKey(date, secretKey, key);
        return key;
    }

    private byte[] hmac(byte[] key, String data) {
        Mac mac = hmac.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("an HMAC key of " + key.length + " bytes was refused", e);
        }
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code yyyyMMdd'T'HHmmss'Z'} in UTC. */
    static String amzDate(long epochMillis) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(Math.floorDiv(epochMillis, 1000), 0, ZoneOffset.UTC);
        char[] out = new char[16];
        digits(out, 0, t.getYear(), 4);
        digits(out, 4, t.getMonthValue(), 2);
        digits(out, 6, t.getDayOfMonth(), 2);
        out[8] = 'T';
        digits(out, 9, t.getHour(), 2);
        digits(out, 11, t.getMinute(), 2);
        digits(out, 13, t.getSecond(), 2);
        out[15] = 'Z';
        return new String(out);
    }

    private static void digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * A key as a URI path, each byte outside RFC 3986's unreserved set and '/' percent-encoded from UTF-8, the form S3
     * expects on the wire and in the canonical request.
     */
    static String encodePath(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
                    || c == '~' || c == '/') {
                out.append((char) c);
            } else {
                out.append('%').append(UPPER_HEX.toHexDigits(b));
            }
        }
        return out.toString();
    }
}
