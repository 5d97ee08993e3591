package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;

import io.filesync.core.error.BadInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** How each S3 answer is sorted: only what no retry or fresh start can cure is kept as failed. */
class S3ErrorsTest {

    private final S3Errors errors = new S3Errors(new S3Settings("photos", "team/", "us-east-1", URI.create("http://127.0.0.1:9"),
            "key", "secret", S3Settings.MIN_PART_SIZE, S3Settings.MIN_PART_SIZE, 86_400_000L));

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            // Permanent for this path: kept as failed with the reason until the path changes.
            "403, AccessDenied, permanent",
            "400, KeyTooLongError, permanent",
            "400, InvalidObjectName, permanent",
            // The remote as a whole: the queue pauses.
            "403, SignatureDoesNotMatch, remote",
            "403, InvalidAccessKeyId, remote",
            "401, , remote",
            "404, NoSuchBucket, remote",
            "500, InternalError, remote",
            "503, SlowDown, remote",
            // A call this server does not offer: the caller falls back, or the action is retried with backoff.
            "405, MethodNotAllowed, unsupported",
            "501, NotImplemented, unsupported",
            // Anything else: retried with the action's backoff, never dropped.
            "400, RequestTimeout, retry",
            "400, InvalidPart, retry",
            "400, , retry",
            "408, RequestTimeout, retry",
            "409, OperationAborted, retry",
            "412, PreconditionFailed, retry",
            "429, TooManyRequests, retry",
            "400, BadDigest, changed"
    })
    void eachAnswerIsSortedIntoOneKind(int status, String code, String kind) {
        S3Exception answer = (S3Exception) S3Exception.builder().statusCode(status).message("refused")
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("refused").build()).build();
        Exception sorted;
        try {
            sorted = errors.translate("a/b.txt", answer);
        } catch (BadInputException permanent) {
            sorted = permanent;
        }
        switch (kind) {
            case "permanent" -> assertThat(sorted).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("team/a/b.txt").hasMessageContaining(String.valueOf(status));
            case "remote" -> assertThat(sorted).isInstanceOf(RemoteUnavailableException.class);
            case "unsupported" -> assertThat(sorted).isInstanceOf(UnsupportedByServerException.class);
            case "changed" -> assertThat(sorted).isInstanceOf(ChangedDuringUploadException.class);
            default -> assertThat(sorted).isInstanceOf(IOException.class)
                    .isNotInstanceOf(UnsupportedByServerException.class).isNotInstanceOf(ChangedDuringUploadException.class)
                    .hasMessageContaining("team/a/b.txt");
        }
    }
}
