package io.filesync.core.observe;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

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
 * { "status": "UP" | "DOWN", "dryRun": true | false,
 *   "checks":      [ { "id", "state", "message"?, "details": {...} } ],
 *   "jobs":        [ { "id", "state": running | waiting | failing | stopped, "doing": [...], "inflight", "lastError"? } ],
 *   "subjects":    [ { "job", "subject", "state"?, "values": { "queue.depth": 0, "files.sent": 3, ... } } ],
 *   "transfers":   [ mirror actions under way: { "mapping", "path", "event", "bytes", "detail", ... } ],
 *   "errors":      [ newest rows of filesync_errors ],
 *   "wouldDelete": [ newest rows of filesync_dry_run ],
 *   "audits":      [ newest rows of filesync_mirror_audit ],
 *   "recordsProblem"?: why the four lists above are not fresh (the database did not answer in time),
 *   "metrics":     [ { "name", "tags": {...}, "value" } ],
 *   "progress":    [ { "name", "unit", "done", "total", "bytes", "totalBytes", "runningSeconds",
 *                      "unitsPerSecond", "bytesPerSecond", "etaSeconds"? } ] }
 * </pre>
 * A subject is what one job has several of (a mirror mapping, a table, a tailed file), with the job's meters for it;
 * its state is that of the health check named after it ({@code mirror:<mapping>}), where there is one.
 * A total not known is -1; {@code progress} lists the long work running now ({@link Progress}).
 */
public final class FactsJson {

    /** The registry name of filesync's database bean, which holds the record tables. */
    static final String DATA_SOURCE = "filesyncDataSource";
    static final String DRY_RUN = "filesync.dry-run";

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

        Map<String, Object> records = new LinkedHashMap<>();
        DataSource dataSource = context.getRegistry().lookupByNameAndType(DATA_SOURCE, DataSource.class);
        if (dataSource != null) {
            RecentRecords.of(context, dataSource).addTo(records);
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> errors = (List<Map<String, Object>>) records.getOrDefault("errors", List.of());

        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("status", up ? "UP" : "DOWN");
        facts.put("dryRun", Boolean.parseBoolean(context.getPropertiesComponent().resolveProperty(DRY_RUN).orElse("false")));
        facts.put("checks", checks);
        facts.put("jobs", JobStates.of(context, errors, Instant.now()));
        facts.put("subjects", subjects(metrics, checks));
        facts.putAll(records);
        facts.put("metrics", metrics);
        Progress progress = Progress.existing(context);
        facts.put("progress", progress == null ? List.of() : progress.snapshot());
        return facts;
    }

    /** The meters grouped per job and subject (every tag but {@code job}), each value under its name less the job. */
    private static List<Map<String, Object>> subjects(List<Map<String, Object>> metrics, List<Map<String, Object>> checks) {
        Map<String, String> checkStates = new LinkedHashMap<>();
        for (Map<String, Object> check : checks) {
            String id = (String) check.get("id");
            checkStates.put(id.substring(id.indexOf(':') + 1), (String) check.get("state"));
        }
        Map<String, Map<String, Object>> subjects = new LinkedHashMap<>();
        for (Map<String, Object> metric : metrics) {
            @SuppressWarnings("unchecked")
            Map<String, String> tags = (Map<String, String>) metric.get("tags");
            String job = tags.getOrDefault("job", "");
            String subject = tags.entrySet().stream().filter(tag -> !tag.getKey().equals("job"))
                    .map(tag -> tag.getKey() + " " + tag.getValue()).collect(Collectors.joining(", "));
            Map<String, Object> row = subjects.computeIfAbsent(job + "\n" + subject, key -> {
                Map<String, Object> created = new LinkedHashMap<>();
                created.put("job", job);
                created.put("subject", subject);
                tags.entrySet().stream().filter(tag -> !tag.getKey().equals("job"))
                        .map(tag -> checkStates.get(tag.getValue())).filter(java.util.Objects::nonNull).findFirst()
                        .ifPresent(state -> created.put("state", state));
                created.put("values", new LinkedHashMap<String, Object>());
                return created;
            });
            String name = (String) metric.get("name");
            String jobPrefix = FilesyncMetrics.PREFIX + job + ".";
            name = name.startsWith(jobPrefix) ? name.substring(jobPrefix.length()) : name;
            @SuppressWarnings("unchecked")
            Map<String, Object> values = (Map<String, Object>) row.get("values");
            values.put(name, metric.get("value"));
        }
        return new ArrayList<>(subjects.values());
    }
}
