package io.filesync.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;
import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.FailedToStartRouteException;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;

/**
 * Turns the exception chain of a failed start into one sentence a user can act on: which file, which route, which
 * setting, and what to do. Camel's own messages are accurate but buried several causes deep, behind framework
 * wrappers that name classes rather than files.
 */
public final class StartupProblem {

    private static final Pattern MISSING_PROPERTY = Pattern.compile("Property with key \\[([^\\]]+)\\] not found");
    private static final Pattern YAML_LOCATION = Pattern.compile("((?:file|classpath):[^\\s,;'\"]+\\.ya?ml)(?::(\\d+))?");
    private static final Pattern YAML_LINE = Pattern.compile("line (\\d+)");
    /** The YAML parser repeats the location and quotes the source after the reason; the location prefix says it already. */
    private static final Pattern YAML_LOCATION_SUFFIX = Pattern.compile("\\s+in (?:file|classpath):\\S+, line \\d+.*$", Pattern.DOTALL);

    private StartupProblem() {
    }

    /**
     * Describes why filesync could not start.
     *
     * @param failure the exception camel-main threw while starting
     * @param context the context being started, used to find the file a failing route came from; may be null
     */
    public static String describe(Throwable failure, CamelContext context) {
        List<Throwable> chain = chainOf(failure);
        String routeId = routeIdIn(chain);
        String location = firstNonNull(routeLocation(context, routeId), yamlLocationIn(chain));

        StringBuilder text = new StringBuilder();
        if (location != null) {
            text.append(location).append(": ");
        }
        if (routeId != null) {
            text.append("route '").append(routeId).append("': ");
        }
        String missingKey = missingPropertyIn(chain);
        if (missingKey != null) {
            text.append("setting '").append(missingKey).append("' is not set. Set it in config/application.properties,")
                    .append(" as environment variable ").append(environmentName(missingKey))
                    .append(" or as -D").append(missingKey).append("=...");
        } else {
            text.append(reasonOf(chain));
        }
        return text.toString();
    }

    /** The environment variable Camel's properties component reads for a key: upper case, dots and dashes as underscores. */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static List<Throwable> chainOf(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    private static String routeIdIn(List<Throwable> chain) {
        for (Throwable t : chain) {
            if (t instanceof FailedToCreateRouteException created && created.getRouteId() != null) {
                return created.getRouteId();
            }
            if (t instanceof FailedToStartRouteException started && started.getRouteId() != null) {
                return started.getRouteId();
            }
        }
        return null;
    }

    private static String routeLocation(CamelContext context, String routeId) {
        if (context == null || routeId == null) {
            return null;
        }
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        RouteDefinition route = model == null ? null : model.getRouteDefinition(routeId);
        Resource resource = route == null ? null : route.getResource();
        return resource == null ? null : stripScheme(resource.getLocation());
    }

    private static String yamlLocationIn(List<Throwable> chain) {
        for (Throwable t : chain) {
            String message = t.getMessage();
            if (message == null) {
                continue;
            }
            Matcher location = YAML_LOCATION.matcher(message);
            if (location.find()) {
                String line = location.group(2);
                if (line == null) {
                    Matcher lineMatcher = YAML_LINE.matcher(message);
                    line = lineMatcher.find() ? lineMatcher.group(1) : null;
                }
                return stripScheme(location.group(1)) + (line == null ? "" : ":" + line);
            }
        }
        return null;
    }

    private static String missingPropertyIn(List<Throwable> chain) {
        for (Throwable t : chain) {
            Matcher matcher = t.getMessage() == null ? null : MISSING_PROPERTY.matcher(t.getMessage());
            if (matcher != null && matcher.find()) {
                return matcher.group(1);
            }
        }
        return null;
    }

    /** The innermost message: the framework wrappers above it repeat it with less precision. */
    private static String reasonOf(List<Throwable> chain) {
        for (int i = chain.size() - 1; i >= 0; i--) {
            String message = chain.get(i).getMessage();
            if (message != null && !message.isBlank()) {
                return YAML_LOCATION_SUFFIX.matcher(message.strip()).replaceFirst("").replaceAll("\\s+", " ");
            }
        }
        return chain.get(0).getClass().getName();
    }

    private static String stripScheme(String location) {
        return location.startsWith("file:") ? location.substring("file:".length()) : location;
    }

    private static String firstNonNull(String first, String second) {
        return first != null ? first : second;
    }
}
