package io.filesync.core.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;

/** The probe discipline every filesync readiness check shares: bounded wait, one probe at a time, a cached answer. */
class ProbedHealthCheckTest {

    @Test
    void aProbeThatHangsAnswersDownWithinTheTimeoutAndIsNotStartedTwice() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger probes = new AtomicInteger();
        ProbedHealthCheck check = new ProbedHealthCheck("hanging", Map.of("mapping", "photos"), Duration.ofMillis(200),
                Duration.ZERO) {
            @Override
            protected Outcome probe() throws Exception {
                probes.incrementAndGet();
                release.await(30, TimeUnit.SECONDS);
                return Outcome.up(Map.of());
            }
        };
        try {
            long start = System.nanoTime();
            HealthCheck.Result first = check.call();
            HealthCheck.Result second = check.call();
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(first.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(first.getMessage()).hasValue("no answer within 200 ms");
            assertThat(first.getDetails()).containsEntry("mapping", "photos").containsEntry("reason", "no answer within 200 ms");
            assertThat(second.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(took).isLessThan(5_000);
            assertThat(probes).hasValue(1);
        } finally {
            release.countDown();
            check.close();
        }
    }

    @Test
    void anAnswerIsReusedWhileFreshAndAFailureNamesItsCause() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        ProbedHealthCheck check = new ProbedHealthCheck("counting", Map.of(), Duration.ofSeconds(5), Duration.ofMinutes(1)) {
            @Override
            protected Outcome probe() throws Exception {
                probes.incrementAndGet();
                throw new java.net.ConnectException("Connection refused");
            }
        };
        try {
            HealthCheck.Result first = check.call();
            HealthCheck.Result second = check.call();
            assertThat(first.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(first.getMessage()).hasValue("ConnectException: Connection refused");
            assertThat(second.getMessage()).isEqualTo(first.getMessage());
            assertThat(probes).hasValue(1);
        } finally {
            check.close();
        }
    }
}
