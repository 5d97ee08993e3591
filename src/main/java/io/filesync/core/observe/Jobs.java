package io.filesync.core.observe;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;

/**
 * Which job a route belongs to. A job of several routes (one change source and a route per kind of change) gives
 * them one route group, and shows as that one job on the status page and in error records and metrics.
 */
public final class Jobs {

    private Jobs() {
    }

    /** The route's group when it has one, else its id; the id itself when no such route is known. */
    public static String of(CamelContext context, String routeId) {
        Route route = routeId == null || context == null ? null : context.getRoute(routeId);
        String group = route == null ? null : route.getGroup();
        return group == null || group.isBlank() ? routeId : group;
    }
}
