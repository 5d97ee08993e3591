package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class S3SettingsTest {

    /** Above 5 GiB S3 refuses a single put, so such a file must go in parts whatever the threshold says. */
    @Test
    void aMultipartThresholdAboveS3sLimitForOnePutIsLoweredToIt() {
        S3Settings settings = new S3Settings("b", "", "us-east-1", null, null, null, 10L << 30, S3Settings.MIN_PART_SIZE,
                86_400_000L);
        assertThat(settings.multipartThreshold()).isEqualTo(5L << 30);
    }

    @Test
    void aMultipartThresholdBelowThePartSizeIsRaisedToIt() {
        S3Settings settings = new S3Settings("b", "", "us-east-1", null, null, null, 1, S3Settings.MIN_PART_SIZE, 86_400_000L);
        assertThat(settings.multipartThreshold()).isEqualTo(S3Settings.MIN_PART_SIZE);
    }
}
