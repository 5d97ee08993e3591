package io.filesync.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void eachRetryWaitsBetweenHalfAndAllOfADoublingCeilingUpToTheCap() {
        Backoff backoff = new Backoff(100, 1_000);

        for (int attempt = 0; attempt < 40; attempt++) {
            long ceiling = Math.min(1_000, 100L << Math.min(attempt, 30));
            assertThat(backoff.ceilingMillis(attempt)).isEqualTo(ceiling);
            for (int draw = 0; draw < 50; draw++) {
                assertThat(backoff.delayMillis(attempt)).isBetween(ceiling / 2, ceiling);
            }
        }
    }

    @Test
    void settingsOutOfOrderAreRefusedByTheConstructorAndPutInOrderByClamped() {
        assertThatThrownBy(() -> new Backoff(1_000, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(0, 100)).isInstanceOf(IllegalArgumentException.class);

        assertThat(Backoff.clamped(1_000, 100).ceilingMillis(0)).isEqualTo(100);
        assertThat(Backoff.clamped(1_000, 100).capMillis()).isEqualTo(100);
        assertThat(Backoff.clamped(0, 0).delayMillis(5)).isEqualTo(1);
        assertThat(Backoff.clamped(-5, 10).ceilingMillis(3)).isEqualTo(8);
    }
}
