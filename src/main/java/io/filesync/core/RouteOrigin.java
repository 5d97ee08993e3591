package io.filesync.core;

import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;
import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.FailedToStartRouteException;
import org.apache.camel.NoSuchEndpointException;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.model.EndpointRequiredDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.OptionalIdentifiedDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.spi.RestConfiguration;

/**
 * The route a start failure belongs to, as the user wrote it: its file, the line of the step at fault, and the
 * endpoint URIs whose placeholders may have fed the bad value. A Kamelet's route is an internal copy with a generated
 * id ({@code filesync-csv-table-sink-2}); Camel records the route and step that used the Kamelet as template
 * parameters, so the failure is reported there instead.
 *
 * @param routeId the user's route id
 * @param file    the route file as Camel names it (scheme removed), or null when unknown
 * @param line    line of the step at fault, or -1
 * @param uris    raw endpoint URIs (placeholders unresolved) of that step, or of the whole route when the step is
 *                unknown
 */
record RouteOrigin(String routeId, String file, int line, List<String> uris) {

    private static final String PARENT_ROUTE_ID = "parentRouteId";
    private static final String PARENT_PROCESSOR_ID = "parentProcessorId";
    private static final Pattern LISTEN_ADDRESS = Pattern.compile("://([^/:?]+):(\\d+)");
    private static final Pattern REST_CONFIGURATION = Pattern.compile("-\\s+restConfiguration:\\s*");
    private static final Pattern REST_SETTING = Pattern.compile("\\s+(host|port):\\s*\"?([^\"#]*?)\"?\\s*(#.*)?");
    /** Route files are small; one that is not is read only this far. */
    private static final int MAX_ROUTE_FILE_LINES = 10_000;

    /** The origin of this failure, or null when it belongs to no route (a bean, a YAML file that does not parse). */
    static RouteOrigin of(FailureChain chain, CamelContext context) {
        Model model = context == null ? null : context.getCamelContextExtension().getContextPlugin(Model.class);
        if (model == null) {
            return null;
        }
        String routeId = failedRouteId(chain);
        if (routeId != null) {
            RouteDefinition route = model.getRouteDefinition(routeId);
            return route == null ? new RouteOrigin(routeId, null, -1, List.of()) : userOrigin(model, route, failedUri(chain));
        }
        String kamelet = chain.failedKamelet();
        if (kamelet != null) {
            return usingKamelet(model, kamelet);
        }
        if (chain.find(BindException.class) != null) {
            return listening(model, context);
        }
        return null;
    }

    private static String failedRouteId(FailureChain chain) {
        FailedToCreateRouteException created = chain.find(FailedToCreateRouteException.class);
        if (created != null && created.getRouteId() != null) {
            return created.getRouteId();
        }
        FailedToStartRouteException started = chain.find(FailedToStartRouteException.class);
        return started == null ? null : started.getRouteId();
    }

    /** The endpoint Camel could not resolve, as it names it (placeholders resolved), or null. */
    private static String failedUri(FailureChain chain) {
        NoSuchEndpointException missing = chain.find(NoSuchEndpointException.class);
        if (missing != null) {
            return missing.getUri();
        }
        ResolveEndpointFailedException failed = chain.find(ResolveEndpointFailedException.class);
        return failed == null ? null : failed.getUri();
    }

    /**
     * Climbs from a Kamelet's internal route to the user's route and step that use the Kamelet; in a user's route,
     * narrows down to the endpoint Camel could not resolve, when it says which.
     */
    private static RouteOrigin userOrigin(Model model, RouteDefinition route, String failedUri) {
        Map<String, Object> parameters = route.getTemplateParameters();
        Object parentId = parameters == null ? null : parameters.get(PARENT_ROUTE_ID);
        RouteDefinition parent = parentId == null ? null : model.getRouteDefinition(parentId.toString());
        if (parent == null) {
            String scheme = failedUri == null ? null : failedUri.replaceFirst(":.*", "");
            for (Endpoint endpoint : endpointsOf(route)) {
                if (scheme != null && endpoint.uri() != null && endpoint.uri().startsWith(scheme + ":")) {
                    return new RouteOrigin(route.getRouteId(), fileOf(route), endpoint.line(), List.of(endpoint.uri()));
                }
            }
            return new RouteOrigin(route.getRouteId(), fileOf(route), -1, urisOf(route));
        }
        Object stepId = parameters.get(PARENT_PROCESSOR_ID);
        if (stepId != null) {
            for (ProcessorDefinition<?> step : steps(parent)) {
                if (stepId.toString().equals(step.getId()) && step instanceof EndpointRequiredDefinition endpoint) {
                    return new RouteOrigin(parent.getRouteId(), fileOf(parent), step.getLineNumber(),
                            List.of(endpoint.getEndpointUri()));
                }
            }
        }
        // A Kamelet used as the route's source: Camel records no step id for it.
        return new RouteOrigin(parent.getRouteId(), fileOf(parent), parent.getInput().getLineNumber(),
                List.of(parent.getInput().getEndpointUri()));
    }

    /** A Kamelet that could not be loaded at all: the first user route that refers to it by name. */
    private static RouteOrigin usingKamelet(Model model, String kameletName) {
        Pattern reference = Pattern.compile("kamelet:(//)?" + Pattern.quote(kameletName) + "([?/:].*)?");
        for (RouteDefinition route : model.getRouteDefinitions()) {
            for (Endpoint endpoint : endpointsOf(route)) {
                if (endpoint.uri() != null && reference.matcher(endpoint.uri()).matches()) {
                    return new RouteOrigin(route.getRouteId(), fileOf(route), endpoint.line(), List.of(endpoint.uri()));
                }
            }
        }
        return null;
    }

    /**
     * An address already in use: Camel does not say which route was starting, so the first route to be started that
     * listens on a host and port answers for it.
     */
    private static RouteOrigin listening(Model model, CamelContext context) {
        for (RouteDefinition route : model.getRouteDefinitions()) {
            String uri = route.getInput() == null ? null : route.getInput().getEndpointUri();
            if (uri == null || !startsAutomatically(route, context)) {
                continue;
            }
            if (route.getRestDefinition() != null && context.getRestConfiguration().getPort() > 0) {
                return restListening(route, context.getRestConfiguration());
            }
            Matcher address = LISTEN_ADDRESS.matcher(resolved(context, uri));
            if (address.find()) {
                return new RouteOrigin(route.getRouteId(), fileOf(route), route.getInput().getLineNumber(), List.of(uri));
            }
        }
        return null;
    }

    /**
     * A route of a {@code rest:} block listens where the {@code restConfiguration} says, and answers by the block's id.
     * Camel keeps only the resolved host and port, so the placeholders behind them are read back from the
     * configuration's own lines in the route file, to name the setting at fault.
     */
    private static RouteOrigin restListening(RouteDefinition route, RestConfiguration config) {
        String file = fileOf(route);
        Map<String, String> written = restConfigurationLines(file);
        String host = written.getOrDefault("host", config.getHost());
        String port = written.getOrDefault("port", String.valueOf(config.getPort()));
        String scheme = config.getScheme() == null ? "http" : config.getScheme();
        RestDefinition rest = route.getRestDefinition();
        String id = rest.getId() != null ? rest.getId() : route.getRouteId();
        int line = rest.getLineNumber() > 0 ? rest.getLineNumber() : route.getInput().getLineNumber();
        return new RouteOrigin(id, file, line, List.of(config.getComponent() + ":" + scheme + "://" + host + ":" + port));
    }

    /** The host and port lines of a route file's restConfiguration, as written; empty when there are none. */
    private static Map<String, String> restConfigurationLines(String file) {
        Map<String, String> values = new java.util.HashMap<>();
        if (file == null) {
            return values;
        }
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(java.nio.file.Path.of(file))) {
            boolean inside = false;
            for (String line : (Iterable<String>) lines.limit(MAX_ROUTE_FILE_LINES)::iterator) {
                if (REST_CONFIGURATION.matcher(line).matches()) {
                    inside = true;
                } else if (inside && line.startsWith("- ")) {
                    break;
                } else if (inside) {
                    Matcher setting = REST_SETTING.matcher(line);
                    if (setting.matches()) {
                        values.putIfAbsent(setting.group(1), setting.group(2));
                    }
                }
            }
        } catch (java.io.IOException | java.io.UncheckedIOException | java.nio.file.InvalidPathException e) {
            // The resolved values stand in: the address is still right, only the setting goes unnamed.
        }
        return values;
    }

    private static boolean startsAutomatically(RouteDefinition route, CamelContext context) {
        String autoStartup = route.getAutoStartup();
        return autoStartup == null || Boolean.parseBoolean(resolved(context, autoStartup));
    }

    private static String resolved(CamelContext context, String text) {
        try {
            return context.resolvePropertyPlaceholders(text);
        } catch (RuntimeException e) {
            return text;
        }
    }

    private record Endpoint(String uri, int line) {
    }

    private static List<Endpoint> endpointsOf(RouteDefinition route) {
        List<Endpoint> endpoints = new ArrayList<>();
        if (route.getInput() != null) {
            endpoints.add(new Endpoint(route.getInput().getEndpointUri(), route.getInput().getLineNumber()));
        }
        for (ProcessorDefinition<?> step : steps(route)) {
            if (step instanceof EndpointRequiredDefinition endpoint) {
                endpoints.add(new Endpoint(endpoint.getEndpointUri(), step.getLineNumber()));
            }
        }
        return endpoints;
    }

    private static List<String> urisOf(RouteDefinition route) {
        return endpointsOf(route).stream().map(Endpoint::uri).filter(uri -> uri != null).toList();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<ProcessorDefinition<?>> steps(RouteDefinition route) {
        return new ArrayList<>(ProcessorDefinitionHelper.filterTypeInOutputs((List) route.getOutputs(), ProcessorDefinition.class));
    }

    private static String fileOf(OptionalIdentifiedDefinition<?> definition) {
        String location = definition instanceof RouteDefinition route && route.getResource() != null
                ? route.getResource().getLocation() : definition.getLocation();
        return location == null ? null : withoutScheme(location);
    }

    static String withoutScheme(String location) {
        return location.startsWith("file:") ? location.substring("file:".length()) : location;
    }
}
