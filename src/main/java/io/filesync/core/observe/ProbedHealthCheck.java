package io.filesync.core.observe;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A readiness check of filesync (group {@value #GROUP}) that asks something outside the JVM: a database, a remote, a
 * server. The probe runs on a thread of its own and is waited for at most {@link #timeout}, so a remote that hangs
 * cannot hang the health endpoint; its outcome is kept for {@link #cacheFor}, so frequent scrapes do not hammer the
 * remote. At most one probe per check runs at a time: a slow one is joined, not duplicated.
 */
public abstract class ProbedHealthCheck extends AbstractHealthCheck {

    public static final String GROUP = "filesync";

    /** Default wait for a probe's answer: well below the usual 5 to 10 s of a probe of Kubernetes or a load balancer. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

    /** Default time an outcome is reused; a remote back up is seen UP within this after it answers again. */
    public static final Duration DEFAULT_CACHE = Duration.ofSeconds(2);

    /** What a probe found: up, or down with a reason an operator understands, plus details for the JSON. */
    public record Outcome(boolean up, String reason, Map<String, Object> details) {

        public static Outcome up(Map<String, Object> details) {
            return new Outcome(true, null, details);
        }

        public static Outcome down(String reason, Map<String, Object> details) {
            return new Outcome(false, reason, details);
        }
    }

    private final Duration timeout;
    private final Duration cacheFor;
    private final Map<String, Object> identity;
    private final Object lock = new Object();
    private ExecutorService probes;
    private CompletableFuture<Outcome> running;
    private Outcome last;
    private long lastAt;

    /**
     * @param id       unique among health checks, e.g. {@code mirror:photos}; a kind and a colon, as Camel's {@code route:<id>}, so no id clashes with a route's
     * @param identity details every answer carries, e.g. {@code job} and {@code mapping}, so a DOWN names its subject
     */
    protected ProbedHealthCheck(String id, Map<String, Object> identity, Duration timeout, Duration cacheFor) {
        super(GROUP, id);
        this.identity = Map.copyOf(identity);
        this.timeout = timeout;
        this.cacheFor = cacheFor;
    }

    /** Asks the outside world; may block, may throw (reported DOWN with the exception's message). */
    protected abstract Outcome probe() throws Exception;

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Outcome outcome = outcome();
        Map<String, Object> details = new LinkedHashMap<>(identity);
        if (outcome.details() != null) {
            details.putAll(outcome.details());
        }
        if (outcome.up()) {
            builder.up();
        } else {
            builder.down().message(outcome.reason());
            details.put("reason", outcome.reason());
        }
        builder.details(details);
    }

    /** The cached outcome while fresh, else a new probe's, waited for at most the timeout. */
    Outcome outcome() {
        CompletableFuture<Outcome> probe;
        synchronized (lock) {
            if (last != null && System.nanoTime() - lastAt < cacheFor.toNanos()) {
                return last;
            }
            probe = running;
            if (probe == null) {
                probe = CompletableFuture.supplyAsync(this::probeQuietly, executor());
                running = probe;
                // May run at once on this thread when the probe was quick: it clears running, not the local.
                probe.whenComplete((outcome, failure) -> remember(outcome));
            }
        }
        try {
            return probe.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return Outcome.down("no answer within " + timeout.toMillis() + " ms", Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.down("interrupted while waiting for the answer", Map.of());
        } catch (ExecutionException e) {
            return Outcome.down(describe(e.getCause()), Map.of());
        }
    }

    private Outcome probeQuietly() {
        try {
            return probe();
        } catch (Exception | LinkageError e) {
            return Outcome.down(describe(e), Map.of());
        }
    }

    private void remember(Outcome outcome) {
        synchronized (lock) {
            running = null;
            if (outcome != null) {
                last = outcome;
                lastAt = System.nanoTime();
            }
        }
    }

    private ExecutorService executor() {
        if (probes == null) {
            CamelContext context = getCamelContext();
            // Camel's pool when the check is registered on a context; a daemon thread of its own otherwise (tests).
            probes = context != null
                    ? context.getExecutorServiceManager().newCachedThreadPool(this, "filesync-health-" + getId())
                    : Executors.newCachedThreadPool(runnable -> {
                        Thread thread = new Thread(runnable, "filesync-health-" + getId());
                        thread.setDaemon(true);
                        return thread;
                    });
        }
        return probes;
    }

    /** Stops the probe thread; the owner calls it when it unregisters the check. */
    public void close() {
        synchronized (lock) {
            if (probes != null) {
                CamelContext context = getCamelContext();
                if (context != null) {
                    context.getExecutorServiceManager().shutdownNow(probes);
                } else {
                    probes.shutdownNow();
                }
                probes = null;
            }
        }
    }

    /** A failure in one line: the root cause's type and message. */
    protected static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() != null ? root.getMessage() : failure.getMessage();
        return message != null ? root.getClass().getSimpleName() + ": " + message : root.getClass().getSimpleName();
    }
}
