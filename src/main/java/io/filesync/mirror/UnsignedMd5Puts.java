package io.filesync.mirror;

import java.util.concurrent.CompletableFuture;

import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;

/**
 * SigV4 signing, as an auth scheme of an S3 client or as the signer of {@link S3Puts}, except that a request carrying
 * Content-MD5 (a single put) goes with {@code x-amz-content-sha256: UNSIGNED-PAYLOAD}, as rclone sends it: the server then verifies the body against the
 * MD5 only, instead of also hashing it with SHA-256 to check a signed payload (on s3proxy, a large share of a small
 * put's cost). The headers, Content-MD5 among them, stay signed, so a body altered in transit is still refused.
 * <p>
 * Why a wrapper: the SDK (2.41) honours {@link AwsV4FamilyHttpSigner#PAYLOAD_SIGNING_ENABLED} = false only over
 * https and always signs the payload over plain http. The protocol takes no part in the signature, so such a request
 * is signed as if it were https and given its protocol back. That needs a port that is the standard one of neither
 * protocol (the signed Host header carries it either way); on port 80 the payload stays signed. Parts (CRC32C, a
 * weaker check than MD5 against a deliberate change) and every other request keep the SDK's behaviour.
 */
final class UnsignedMd5Puts implements AuthScheme<AwsCredentialsIdentity>, HttpSigner<AwsCredentialsIdentity> {

    private final AwsV4AuthScheme standard = AwsV4AuthScheme.create();
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    @Override
    public String schemeId() {
        return AwsV4AuthScheme.SCHEME_ID;
    }

    @Override
    public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
        return standard.identityProvider(providers);
    }

    @Override
    public HttpSigner<AwsCredentialsIdentity> signer() {
        return this;
    }

    @Override
    public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
        return unsignedPayloadAllowed(request.request()) ? signUnsigned(request) : signer.sign(request);
    }

    private <T extends AwsCredentialsIdentity> SignedRequest signUnsigned(SignRequest<T> request) {
        SdkHttpRequest http = request.request();
        SignedRequest signed = signer.sign(request.toBuilder()
                .request(http.toBuilder().protocol("https").build())
                .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                .build());
        return signed.toBuilder().request(signed.request().toBuilder().protocol(http.protocol()).build()).build();
    }

    /** Only puts with Content-MD5, and over http only on a port the signed Host header names either way. */
    static boolean unsignedPayloadAllowed(SdkHttpRequest http) {
        return http.firstMatchingHeader("Content-MD5").isPresent()
                && ("https".equals(http.protocol()) || (http.port() != 80 && http.port() != 443));
    }

    /** The S3 client here is synchronous; an asynchronous one keeps the SDK's signing unchanged. */
    @Override
    public CompletableFuture<AsyncSignedRequest> signAsync(AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
        return signer.signAsync(request);
    }
}
