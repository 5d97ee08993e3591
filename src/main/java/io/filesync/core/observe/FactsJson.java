package io.filesync.core.observe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Tag;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;

/**
 * filesync's facts as one JSON-ready map: the readiness of each filesync health check and the current value of each
 * filesync meter. The JSON endpoint serves it; a status page can be drawn from it without other sources.
 * <pre>
 * { "status": "UP" | "DOWN",
 *   "checks":  [ { "id", "state", "message"?, "details": {...} } ],
 *   "metrics": [ { "name", "tags": {...}, "value" } ] }
 * </pre>
 */
public final class FactsJson {

    private FactsJson() {
    }

    public static Map<String, Object> of(CamelContext context) {
        List<Map<String, Object>> checks = new ArrayList<>();
        boolean up = true;
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        List<HealthCheck> filesyncChecks = registry == null ? List.of() : registry.stream()
                .filter(check -> ProbedHealthCheck.GROUP.equals(check.getGroup()) && check.isReadiness() && check.isEnabled())
                .toList();
        for (HealthCheck filesyncCheck : filesyncChecks) {
            // Every check, UP ones too: Camel's invokeReadiness at the default exposure level keeps only the DOWN ones.
            HealthCheck.Result result = filesyncCheck.call();
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("id", result.getCheck().getId());
            check.put("state", result.getState().name());
            result.getMessage().ifPresent(message -> check.put("message", message));
            check.put("details", new LinkedHashMap<>(result.getDetails()));
            up &= result.getState() == HealthCheck.State.UP;
            checks.add(check);
        }
        checks.sort(Comparator.comparing(check -> (String) check.get("id")));

        List<Map<String, Object>> metrics = new ArrayList<>();
        List<Meter> meters = new ArrayList<>(FilesyncMetrics.of(context).facts().getMeters());
        meters.sort(Comparator.comparing((Meter meter) -> meter.getId().getName())
                .thenComparing(meter -> meter.getId().getTags().toString()));
        for (Meter meter : meters) {
            Map<String, Object> metric = new LinkedHashMap<>();
            metric.put("name", meter.getId().getName());
            metric.put("tags", meter.getId().getTags().stream()
                    .collect(Collectors.toMap(Tag::getKey, Tag::getValue, (a, b) -> b, LinkedHashMap::new)));
            for (Measurement measurement : meter.measure()) {
                metric.put("value", measurement.getValue());
                break;
            }
            metrics.add(metric);
        }

        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("status", up ? "UP" : "DOWN");
        facts.put("checks", checks);
        facts.put("metrics", metrics);
        return facts;
    }
}
