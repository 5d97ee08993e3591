package io.filesync.core;

import java.io.FileNotFoundException;
import java.net.BindException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.NoSuchEndpointException;
import org.apache.camel.PropertyBindingException;
import org.apache.camel.spi.PropertyConfigurerGetter;

/**
 * Turns the exception chain of a failed start into one sentence a user can act on: the file and line, the route, the
 * setting and its value, and what went wrong. Camel's own messages are accurate but buried several causes deep,
 * behind wrappers that name internal route ids and repeat whole URIs; secrets in them are masked here.
 */
public final class StartupProblem {

    private static final Pattern MISSING_PROPERTY = Pattern.compile("Property with key \\[([^\\]]+)\\] not found");
    private static final Pattern YAML_FILE = Pattern.compile("((?:file|classpath):[^\\s,;'\"]+\\.ya?ml)");
    /** Where the YAML parser puts a problem: the last mark of a message is the problem, earlier ones its context. */
    private static final Pattern YAML_MARK = Pattern.compile(
            "\\s*in ((?:file|classpath):[^\\s,;'\"]+\\.ya?ml), line (\\d+), column (\\d+):?(?:\\n[^\\n]*\\n\\s*\\^)?");
    private static final Pattern NO_ENUM_CONSTANT = Pattern.compile("No enum constant ([\\w.$]+)\\.(\\w+)");
    private static final String CONVERSION_PREFIX = "nor type conversion possible: ";
    private static final Pattern LISTEN_ADDRESS = Pattern.compile("://([^/:?]+:\\d+)");

    private StartupProblem() {
    }

    /**
     * Describes why filesync could not start.
     *
     * @param failure the exception camel-main threw while starting
     * @param context the context being started, used to find the file a failing route came from; may be null
     */
    public static String describe(Throwable failure, CamelContext context) {
        return describe(failure, context, null);
    }

    /**
     * Describes why filesync could not start.
     *
     * @param failure the exception camel-main threw while starting
     * @param context the context being started, used to find the file a failing route came from; may be null
     * @param lookups the settings Camel resolved during the start, which also knows those set in the environment;
     *                may be null
     */
    public static String describe(Throwable failure, CamelContext context, SettingLookups lookups) {
        try {
            return describeFully(failure, context, lookups);
        } catch (RuntimeException unexpected) {
            // The context of a failed start can be in any state; a message without file or setting beats none.
            return Secrets.of(null).mask(new FailureChain(failure).reason());
        }
    }

    private static String describeFully(Throwable failure, CamelContext context, SettingLookups lookups) {
        FailureChain chain = new FailureChain(failure);
        RouteOrigin origin = RouteOrigin.of(chain, context);
        StringBuilder text = new StringBuilder();
        String location = location(chain, origin);
        if (location != null) {
            text.append(location).append(": ");
        }
        if (origin != null) {
            text.append("route '").append(origin.routeId()).append("': ");
        }
        String missingKey = missingPropertyIn(chain);
        if (missingKey != null) {
            text.append("setting '").append(missingKey).append("' is not set. Set it in config/application.properties,")
                    .append(" as environment variable ").append(environmentName(missingKey))
                    .append(" or as -D").append(missingKey).append("=...");
        } else {
            text.append(settingsAndReason(chain, origin, context, lookups, file(location)));
        }
        return Secrets.of(context).mask(text.toString());
    }

    /** "setting 'key' = 'value' (from source): reason", or the reason alone when no setting is at fault. */
    private static String settingsAndReason(FailureChain chain, RouteOrigin origin, CamelContext context,
            SettingLookups lookups, String file) {
        // A file that does not parse is not a setting's fault, though the quoted source may contain a value.
        List<SettingBlame.Setting> settings = lastYamlMark(chain) != null ? List.of()
                : new SettingBlame(context, lookups).blame(chain, origin, file);
        StringBuilder text = new StringBuilder();
        String mismatch = null;
        for (SettingBlame.Setting setting : settings) {
            String value = Secrets.isSecret(setting.key()) ? Secrets.MASK : setting.value();
            text.append("setting '").append(setting.key()).append("' = '").append(value).append("' (from ")
                    .append(setting.source()).append("): ");
            mismatch = mismatch != null ? mismatch : setting.mismatch();
        }
        // A cause without a message ("null") says less than the comparison of the value with its default.
        boolean silent = !FailureChain.hasText(chain.innermostMessage());
        return text.append(mismatch != null && silent ? mismatch : reason(chain, origin, context)).toString();
    }

    /** The environment variable Camel's properties component reads for a key: upper case, dots and dashes as underscores. */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String location(FailureChain chain, RouteOrigin origin) {
        if (origin != null && origin.file() != null) {
            return origin.file() + (origin.line() > 0 ? ":" + origin.line() : "");
        }
        MatchResult mark = lastYamlMark(chain);
        if (mark != null) {
            return RouteOrigin.withoutScheme(mark.group(1)) + ":" + mark.group(2) + ":" + mark.group(3);
        }
        for (String message : chain.allMessages()) {
            Matcher file = YAML_FILE.matcher(message);
            if (file.find()) {
                return RouteOrigin.withoutScheme(file.group(1));
            }
        }
        return null;
    }

    private static MatchResult lastYamlMark(FailureChain chain) {
        MatchResult last = null;
        for (String message : chain.allMessages()) {
            Matcher mark = YAML_MARK.matcher(message);
            while (mark.find()) {
                last = mark.toMatchResult();
            }
        }
        return last;
    }

    private static String missingPropertyIn(FailureChain chain) {
        for (String message : chain.allMessages()) {
            Matcher matcher = MISSING_PROPERTY.matcher(message);
            if (matcher.find()) {
                return matcher.group(1);
            }
        }
        return null;
    }

    /** The file part of a location "file:line:column". */
    private static String file(String location) {
        return location == null ? null : location.replaceFirst("(:\\d+)+$", "");
    }

    private static String reason(FailureChain chain, RouteOrigin origin, CamelContext context) {
        NoSuchEndpointException noEndpoint = chain.find(NoSuchEndpointException.class);
        if (noEndpoint != null && noEndpoint.getUri() != null) {
            return "no component for scheme '" + noEndpoint.getUri().replaceFirst(":.*", "")
                    + ":' (misspelt, or its component is not on the classpath)";
        }
        String unknownOptions = chain.unknownOptions();
        if (unknownOptions != null) {
            return "unknown endpoint option " + unknownOptions + " (misspelt, or not an option of this endpoint)";
        }
        String kamelet = chain.failedKamelet();
        FileNotFoundException missing = chain.find(FileNotFoundException.class);
        if (kamelet != null && missing != null) {
            return "there is no Kamelet named '" + kamelet + "' (" + missing.getMessage() + ")";
        }
        FileSystemException file = chain.findInnermost(FileSystemException.class);
        if (file != null && chain.findInnermost(SQLException.class) == null) {
            return fileProblem(file);
        }
        Matcher enumConstant = NO_ENUM_CONSTANT.matcher(chain.reason());
        if (enumConstant.find()) {
            return notOneOf(chain, enumConstant, context);
        }
        if (chain.find(BindException.class) != null && origin != null) {
            Matcher address = LISTEN_ADDRESS.matcher(resolved(context, origin.uris().get(0)));
            if (address.find()) {
                return "cannot listen on " + address.group(1) + ": " + chain.reason();
            }
        }
        NumberFormatException number = chain.findInnermost(NumberFormatException.class);
        PropertyBindingException binding = chain.find(PropertyBindingException.class);
        if (binding != null && binding.getValue() != null && (number != null || isNumberOption(binding))) {
            return "'" + binding.getValue() + "' is not a number";
        }
        String reason = chain.reason();
        // Camel's binding message first lists the setters it tried; what the user needs comes after.
        int conversion = reason.indexOf(CONVERSION_PREFIX);
        if (conversion >= 0) {
            reason = reason.substring(conversion + CONVERSION_PREFIX.length());
        }
        return oneLine(YAML_MARK.matcher(reason).replaceAll(";"));
    }

    /**
     * Whether the option that failed to bind takes a number, as the endpoint's generated configurer says. Those
     * configurers read a number as a duration too ("5s"), so a word fails inside Camel's duration parser with a
     * message about string indexes, not with a NumberFormatException.
     */
    private static boolean isNumberOption(PropertyBindingException binding) {
        if (!(binding.getTarget() instanceof Endpoint endpoint) || endpoint.getComponent() == null
                || !(endpoint.getComponent().getEndpointPropertyConfigurer() instanceof PropertyConfigurerGetter options)) {
            return false;
        }
        Class<?> type = options.getOptionType(binding.getPropertyName(), true);
        return type != null && (Number.class.isAssignableFrom(type)
                || (type.isPrimitive() && type != boolean.class && type != char.class));
    }

    /** The JDK names only the file for most file errors; the kind of error is in the exception's type. */
    private static String fileProblem(FileSystemException e) {
        String what = e.getFile();
        String other = e.getOtherFile() == null ? "" : " (" + e.getOtherFile() + ")";
        String why = e.getReason() == null ? "" : ": " + e.getReason();
        if (e instanceof NoSuchFileException) {
            return "no such file or folder: " + what + other;
        }
        if (e instanceof FileAlreadyExistsException) {
            return what + " already exists and is not a folder" + other;
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + what + other;
        }
        if (e instanceof NotDirectoryException) {
            return what + " is not a folder";
        }
        return "cannot use " + what + other + why;
    }

    /** An enum option set to a value it does not know: the allowed values say more than the enum's class name. */
    private static String notOneOf(FailureChain chain, Matcher enumConstant, CamelContext context) {
        PropertyBindingException binding = chain.find(PropertyBindingException.class);
        String given = binding != null && binding.getValue() != null ? binding.getValue().toString() : enumConstant.group(2);
        Class<?> type = context == null ? null : context.getClassResolver().resolveClass(enumConstant.group(1));
        if (type == null || !type.isEnum()) {
            return oneLine(chain.reason());
        }
        String allowed = Arrays.stream(type.getEnumConstants()).map(Object::toString)
                .map(name -> name.toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
        return "'" + given + "' is not one of " + allowed;
    }

    private static String resolved(CamelContext context, String text) {
        try {
            return context.resolvePropertyPlaceholders(text);
        } catch (RuntimeException e) {
            return text;
        }
    }

    /** Messages of several lines (YAML parsers quote the source) become one line, without empty separators. */
    private static String oneLine(String message) {
        List<String> parts = new ArrayList<>();
        for (String part : message.split(";")) {
            String clean = part.strip().replaceAll("\\s+", " ");
            if (!clean.isEmpty()) {
                parts.add(clean);
            }
        }
        return String.join("; ", parts);
    }
}
