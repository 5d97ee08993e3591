package io.filesync.core.observe;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Registers and removes filesync's health checks on a context that has a health-check registry (camel-health). */
public final class HealthChecks {

    private static final Logger LOG = LoggerFactory.getLogger(HealthChecks.class);

    private HealthChecks() {
    }

    /** Registers the check on the context; without a health-check registry (health off) does nothing. */
    public static void register(CamelContext context, HealthCheck check) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (check instanceof org.apache.camel.CamelContextAware aware) {
            aware.setCamelContext(context);
        }
        if (registry != null) {
            registry.unregister(check);
            // Refused when any check, Camel's own included, already answers to the id: say so, or the check is missing.
            if (!registry.register(check)) {
                LOG.warn("Health check {} not registered: another check has that id", check.getId());
            }
        }
    }

    /** Removes the check and stops its probe thread. */
    public static void unregister(CamelContext context, HealthCheck check) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry != null) {
            registry.unregister(check);
        }
        if (check instanceof ProbedHealthCheck probed) {
            probed.close();
        }
    }
}
