package io.filesync.core.observe;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.spi.InflightRepository;

/**
 * One entry per filesync flow (each route of {@code routes/}, or each route group: the routes of one job; the routes
 * Kamelets create inside a flow are part of it): its state and what it is doing now.
 * <ul>
 * <li>{@code stopped}: the route is not started (a job turned off, or stopped by an operator);</li>
 * <li>{@code failing}: an error was recorded for the flow within the last {@link #FAILING_FOR}, under its name (a job
 * of several routes, such as the sync client, records its errors under its route group);</li>
 * <li>{@code running}: it has exchanges in flight, listed in {@code doing} with the file each one works on;</li>
 * <li>{@code waiting}: started, nothing in flight.</li>
 * </ul>
 */
final class JobStates {

    /** How long a recorded error keeps its flow shown as failing. */
    static final Duration FAILING_FOR = Duration.ofMinutes(5);

    private static final int DOING_SHOWN = 10;

    private JobStates() {
    }

    /** @param recentErrors the newest error records, as {@link RecentRecords} reads them */
    static List<Map<String, Object>> of(CamelContext context, List<Map<String, Object>> recentErrors, Instant now) {
        // A job of several routes (a route group, such as csv: one change source and a route per kind of change)
        // is one entry, named after the group as its error records are.
        Map<String, List<String>> routesByJob = new TreeMap<>();
        for (Route route : context.getRoutes()) {
            if (!route.isCreatedByKamelet()) {
                routesByJob.computeIfAbsent(Jobs.of(context, route.getRouteId()), job -> new ArrayList<>())
                        .add(route.getRouteId());
            }
        }
        List<Map<String, Object>> jobs = new ArrayList<>();
        InflightRepository inflight = context.getInflightRepository();
        routesByJob.forEach((id, routeIds) -> {
            boolean started = false;
            int inflightCount = 0;
            List<String> doing = new ArrayList<>();
            for (String routeId : routeIds) {
                ServiceStatus status = context.getRouteController().getRouteStatus(routeId);
                started |= status != null && status.isStarted();
                if (!inflight.isInflightBrowseEnabled()) {
                    inflightCount += inflight.size(routeId);
                    continue;
                }
                // Listed under the route each exchange came from: one handed on to another route of the job (a
                // direct: call) is counted once, where size(routeId) counts it in every route it is in.
                for (InflightRepository.InflightExchange exchange : inflight.browse(routeId, -1, true)) {
                    inflightCount++;
                    if (doing.size() < DOING_SHOWN) {
                        doing.add(subjectOf(exchange.getExchange()) + " (" + exchange.getElapsed() / 1000 + " s)");
                    }
                }
            }
            String lastError = lastErrorOf(id, recentErrors, now);
            String state;
            if (!started) {
                state = "stopped";
            } else if (lastError != null) {
                state = "failing";
            } else if (!doing.isEmpty()) {
                state = "running";
            } else {
                state = "waiting";
            }
            Map<String, Object> job = new LinkedHashMap<>();
            job.put("id", id);
            job.put("state", state);
            job.put("doing", doing);
            job.put("inflight", inflightCount);
            if (lastError != null) {
                job.put("lastError", lastError);
            }
            jobs.add(job);
        });
        return jobs;
    }

    private static String subjectOf(Exchange exchange) {
        for (String header : new String[] {"FilesyncWatchPath", Exchange.FILE_NAME, "FilesyncSource"}) {
            String value = exchange.getMessage().getHeader(header, String.class);
            if (value != null) {
                return value;
            }
        }
        return "exchange " + exchange.getExchangeId();
    }

    private static String lastErrorOf(String job, List<Map<String, Object>> newestFirst, Instant now) {
        for (Map<String, Object> error : newestFirst) {
            if (job.equals(error.get("job")) && recent(error.get("occurred_at"), now)) {
                return (error.get("source") == null ? "" : error.get("source") + ": ") + error.get("reason");
            }
        }
        return null;
    }

    private static boolean recent(Object occurredAt, Instant now) {
        try {
            return occurredAt != null && Instant.parse(occurredAt.toString()).isAfter(now.minus(FAILING_FOR));
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
