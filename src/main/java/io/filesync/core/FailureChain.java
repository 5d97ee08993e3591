package io.filesync.core;

import java.lang.reflect.InvocationTargetException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.FailedToStartRouteException;
import org.apache.camel.PropertyBindingException;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.VetoCamelContextStartException;
import org.apache.camel.component.kamelet.FailedToCreateKameletException;

/**
 * The causes of a failed start, outermost first, and the few questions asked of them. Camel wraps the one useful
 * message in several layers that repeat whole endpoint URIs and route dumps; those layers are told apart here so
 * that only the messages that explain the failure are shown or searched for a bad value.
 */
final class FailureChain {

    /** Exceptions whose message only wraps its cause, often with every value of a URI or route in it. */
    private static final Set<Class<? extends Throwable>> WRAPPERS = Set.of(RuntimeCamelException.class,
            FailedToCreateRouteException.class, FailedToStartRouteException.class, ResolveEndpointFailedException.class,
            VetoCamelContextStartException.class, PropertyBindingException.class, InvocationTargetException.class);

    /** Messages Camel and the YAML DSL use for a layer that only names the bean or resource being built. */
    private static final List<String> WRAPPER_PREFIXES = List.of("Error creating bean:", "Error pre-parsing resource:",
            "Cannot create bean:", "Error creating or loading Kamelet", "Failure creating route from template");

    private static final Pattern KAMELET_VETO = Pattern.compile("Failure creating route from template: (\\S+)");

    private static final Pattern UNKNOWN_OPTIONS = Pattern.compile("Unknown parameters=\\[\\{(.*?)}]");

    private final List<Throwable> causes = new ArrayList<>();

    FailureChain(Throwable failure) {
        for (Throwable t = failure; t != null && !causes.contains(t); t = t.getCause()) {
            causes.add(t);
        }
    }

    /** The options an endpoint did not know ("readLockMinAgee=500"), or null. */
    String unknownOptions() {
        for (String message : allMessages()) {
            Matcher unknown = UNKNOWN_OPTIONS.matcher(message);
            if (unknown.find()) {
                return unknown.group(1);
            }
        }
        return null;
    }

    /**
     * The Kamelet that could not be created, or null. A Kamelet that fails to load at all is named only in the
     * message of the veto that stopped the context.
     */
    String failedKamelet() {
        FailedToCreateKameletException failed = find(FailedToCreateKameletException.class);
        if (failed != null) {
            return failed.getTemplateId();
        }
        VetoCamelContextStartException veto = find(VetoCamelContextStartException.class);
        Matcher name = veto == null || veto.getMessage() == null ? null : KAMELET_VETO.matcher(veto.getMessage());
        return name != null && name.find() ? name.group(1) : null;
    }

    /** The outermost cause of this type, or null. */
    <T> T find(Class<T> type) {
        for (Throwable t : causes) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** The innermost cause of this type, or null. */
    <T> T findInnermost(Class<T> type) {
        for (int i = causes.size() - 1; i >= 0; i--) {
            if (type.isInstance(causes.get(i))) {
                return type.cast(causes.get(i));
            }
        }
        return null;
    }

    /** The message of the innermost cause, which may be null. */
    String innermostMessage() {
        return causes.get(causes.size() - 1).getMessage();
    }

    /** Every message in the chain, wrappers included: locations of files are searched in all of them. */
    List<String> allMessages() {
        List<String> messages = new ArrayList<>();
        for (Throwable t : causes) {
            if (t.getMessage() != null) {
                messages.add(t.getMessage());
            }
        }
        return messages;
    }

    /** The messages that explain the failure: the chain without the wrapping layers. */
    List<String> explainingMessages() {
        List<String> messages = new ArrayList<>();
        for (Throwable t : causes) {
            if (!isWrapper(t)) {
                messages.add(t.getMessage());
            }
        }
        return messages;
    }

    /**
     * The message to show. Usually the innermost one, since the layers above repeat it with less precision; a
     * database failure shows the driver's own message instead, which names host and port where the socket error
     * below it only says "Connection refused".
     */
    String reason() {
        SQLException database = findInnermost(SQLException.class);
        if (database != null && hasText(database.getMessage())) {
            return database.getMessage();
        }
        for (int i = causes.size() - 1; i >= 0; i--) {
            if (hasText(causes.get(i).getMessage()) && !isWrapper(causes.get(i))) {
                return causes.get(i).getMessage();
            }
        }
        for (int i = causes.size() - 1; i >= 0; i--) {
            if (hasText(causes.get(i).getMessage())) {
                return causes.get(i).getMessage();
            }
        }
        return causes.get(0).getClass().getName();
    }

    private static boolean isWrapper(Throwable t) {
        String message = t.getMessage();
        if (!hasText(message) || WRAPPERS.stream().anyMatch(type -> type == t.getClass())) {
            return true;
        }
        return WRAPPER_PREFIXES.stream().anyMatch(message::startsWith);
    }

    static boolean hasText(String text) {
        return text != null && !text.isBlank();
    }
}
