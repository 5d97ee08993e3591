package io.filesync.core.observe;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;

/**
 * filesync's own meters for one CamelContext: the facts source behind the Prometheus scrape, the JSON status and any
 * later status page. Every meter is named {@code filesync.<job>.<what>} (scraped as {@code filesync_<job>_<what>}) and
 * tagged {@code job}, plus {@code mapping}, {@code table} or {@code file} where one job has several.
 * <p>
 * Meters go to a composite of a registry of our own, always there so the JSON facts can be read in any runtime, and
 * every Micrometer registry the CamelContext holds (camel-micrometer's Prometheus registry when
 * {@code camel.metrics.enabled} is on). A registry that appears later still receives the meters made before it.
 */
public final class FilesyncMetrics {

    /** Registry name of the per-context instance. Deliberately not a MeterRegistry, so camel-micrometer never picks it. */
    public static final String BEAN = "filesyncMetrics";

    static final String PREFIX = "filesync.";

    /** Guards the creation of each context's instance; not the context itself, which Camel may lock for its own ends. */
    private static final Object CREATION = new Object();

    private final CompositeMeterRegistry meters = new CompositeMeterRegistry();
    private final SimpleMeterRegistry facts = new SimpleMeterRegistry();
    private final Set<MeterRegistry> attached = Collections.newSetFromMap(new IdentityHashMap<>());

    FilesyncMetrics() {
        meters.add(facts);
    }

    /** The context's instance, created on first use; also attaches any Micrometer registry the context gained since. */
    public static FilesyncMetrics of(CamelContext context) {
        synchronized (CREATION) {
            FilesyncMetrics metrics = context.getRegistry().lookupByNameAndType(BEAN, FilesyncMetrics.class);
            if (metrics == null) {
                metrics = new FilesyncMetrics();
                context.getRegistry().bind(BEAN, metrics);
                // A bean may ask before camel-micrometer has bound its registry: look again once the context runs.
                FilesyncMetrics created = metrics;
                try {
                    context.addStartupListener((started, alreadyStarted) -> created.attachRegistriesOf(started));
                } catch (Exception e) {
                    throw new IllegalStateException("Could not watch for the context's meter registries", e);
                }
            }
            metrics.attachRegistriesOf(context);
            return metrics;
        }
    }

    private synchronized void attachRegistriesOf(CamelContext context) {
        for (MeterRegistry registry : context.getRegistry().findByType(MeterRegistry.class)) {
            if (registry != meters && attached.add(registry)) {
                meters.add(registry);
            }
        }
    }

    /**
     * A counter, e.g. {@code counter("csv", "rows.written", "table", "sales")}, named {@code filesync.csv.rows.written}.
     *
     * @param job  csv, tail, watch, mirror, sync_client, sync_server or errors; also the {@code job} tag
     * @param tags key, value, key, value...
     */
    public Counter counter(String job, String what, String... tags) {
        return Counter.builder(PREFIX + job + "." + what).tags(withJob(job, tags)).register(meters);
    }

    /**
     * A counter read from {@code state} at each scrape, for a count kept elsewhere (a job's own plain counters, which
     * then need no Micrometer type). Micrometer holds {@code state} weakly: its owner keeps it, and removes the counter
     * with {@link #remove} when it stops.
     */
    public <T> FunctionCounter functionCounter(String job, String what, T state, ToDoubleFunction<T> count, String... tags) {
        return FunctionCounter.builder(PREFIX + job + "." + what, state, count).tags(withJob(job, tags)).register(meters);
    }

    /**
     * A gauge read from {@code state} at each scrape; keep the computation cheap (an in-memory figure or a bounded
     * indexed query). Held strongly: remove it with {@link #remove} when its owner stops.
     */
    public <T> Gauge gauge(String job, String what, T state, ToDoubleFunction<T> value, String... tags) {
        return Gauge.builder(PREFIX + job + "." + what, state, value).tags(withJob(job, tags)).strongReference(true)
                .register(meters);
    }

    /**
     * A gauge with one row per subject that comes and goes (a tailed file): the owner sets the rows it has now with
     * {@code register(rows, true)}, which also drops rows no longer listed.
     */
    public MultiGauge multiGauge(String job, String what, String... tags) {
        return MultiGauge.builder(PREFIX + job + "." + what).tags(withJob(job, tags)).register(meters);
    }

    /** Removes a meter whose owner stopped (a mapping's gauges, whose state would otherwise stay reachable). */
    public void remove(Meter meter) {
        if (meter != null) {
            meters.remove(meter);
            facts.remove(meter.getId());
        }
    }

    /** The meters' current values, for the JSON facts; never attached to a scrape. */
    MeterRegistry facts() {
        return facts;
    }

    private static Tags withJob(String job, String[] tags) {
        return Tags.of("job", job).and(Tags.of(tags));
    }
}
