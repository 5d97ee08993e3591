package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Part offsets of files beyond 2 GiB (a 5 GiB file failed every part past 2 GiB with "Negative position"). */
class S3MultipartUploadTest {

    private static final int PART = 8 * 1024 * 1024;

    @Test
    void partsBeyondTwoGibibytesStartWhereTheyLieInTheFile() {
        assertThat(S3MultipartUpload.offsetOf(1, PART)).isZero();
        assertThat(S3MultipartUpload.offsetOf(256, PART)).isEqualTo(255L * PART);
        assertThat(S3MultipartUpload.offsetOf(257, PART)).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(S3MultipartUpload.offsetOf(640, PART)).isEqualTo(5L * 1024 * 1024 * 1024 - PART);
        assertThat(S3MultipartUpload.offsetOf(10_000, 5 * 1024 * 1024))
                .isEqualTo(9_999L * 5 * 1024 * 1024);
    }
}
