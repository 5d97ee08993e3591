package io.filesync.core;

import java.io.IOException;
import java.io.Reader;
import java.net.BindException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.NoSuchEndpointException;
import org.apache.camel.PropertyBindingException;
import org.apache.camel.spi.PropertiesComponent;

/**
 * Finds the setting whose value made the start fail, so the message can name the key a user edits rather than the
 * route option or Kamelet parameter it flowed into. The value a failure complains about is compared with the values
 * of the settings that could have fed it: those used by the failing step, or by any route when no step is known.
 * Only settings given a value (in a file, the environment or a system property) are candidates: an inline default
 * cannot be what the user got wrong.
 */
final class SettingBlame {

    /** A placeholder {@code {{key}}}, {@code {{key:default}}}, {@code {{?key}}} or {@code {{!key}}} (negated). */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{[?!]?([^{}:]+?)(?::([^{}]*))?}}");

    private static final String NUMBER = "-?\\d+(\\.\\d+)?";
    private static final String BOOLEAN = "(?i)true|false";
    private static final int MAX_FILE_CHARS = 1 << 20;

    private static final Pattern LISTEN_PORT = Pattern.compile("://[^/:?]+:(\\d+)");

    /** Values too common to point at one setting when they merely appear in a message. */
    private static final Set<String> TOO_COMMON = Set.of("true", "false", "none", "null");

    private final CamelContext context;
    private final SettingLookups lookups;

    /** @param lookups the settings resolved during the start; may be null */
    SettingBlame(CamelContext context, SettingLookups lookups) {
        this.context = context;
        this.lookups = lookups;
    }

    /**
     * A setting, its value and where the value came from.
     *
     * @param mismatch what is wrong with the value when that was found by comparing it with its inline default
     *                 ("'lots' is not a number"), else null
     */
    record Setting(String key, String value, String source, String mismatch) {

        Setting(String key, String value, String source) {
            this(key, value, source, null);
        }
    }

    /**
     * The settings at fault, most likely first; empty when no setting explains the failure.
     *
     * @param file the file the failure was located in, or null
     */
    List<Setting> blame(FailureChain chain, RouteOrigin origin, String file) {
        // A misspelt scheme or option is the route's own text, whatever values the URI quotes.
        if (context == null || chain.find(NoSuchEndpointException.class) != null || chain.unknownOptions() != null) {
            return List.of();
        }
        List<String> candidates = origin != null ? placeholdersIn(origin.uris()) : configuredKeys();
        PropertyBindingException binding = chain.find(PropertyBindingException.class);
        if (binding != null && origin != null) {
            List<Setting> bound = boundTo(binding, origin.uris());
            if (!bound.isEmpty()) {
                return bound;
            }
        }
        List<String> messages = new ArrayList<>(chain.explainingMessages());
        if (binding != null && binding.getValue() != null) {
            messages.add(binding.getValue().toString());
        }
        messages.addAll(databaseUrls(chain));
        messages.addAll(listenPorts(chain, origin));
        FileSystemException fileProblem = chain.find(FileSystemException.class);
        List<Setting> found = new ArrayList<>();
        // A value Camel could not convert while building the routes quotes the placeholder it came from ("Error parsing
        // [yes] from property {{!sync.server.enabled:false}}"), with no route yet to narrow the candidates down: that
        // key is at fault, however short its value.
        for (String key : placeholdersIn(chain.explainingMessages().stream().filter(Objects::nonNull).toList())) {
            Optional<String> value = valueOf(key);
            if (value.isPresent() && appearsIn(value.get(), messages)) {
                found.add(new Setting(key, value.get(), sourceOf(key)));
                candidates.remove(key);
            }
        }
        for (String key : candidates) {
            Optional<String> value = valueOf(key);
            if (value.isEmpty()) {
                continue;
            }
            boolean named = appearsIn(value.get(), messages) && (origin != null || specific(value.get()));
            if (named || fileProblem != null && namesPath(value.get(), fileProblem.getFile())) {
                found.add(new Setting(key, value.get(), sourceOf(key)));
            }
        }
        // The longest value is the least likely to appear by chance. Without a step to narrow the candidates down,
        // only that one is named: a second match is more likely a word of the message than a second culprit.
        found.sort((a, b) -> Integer.compare(b.value().length(), a.value().length()));
        if (found.isEmpty()) {
            found.addAll(mismatchedDefaults(file));
        }
        int most = origin != null ? 2 : 1;
        return found.size() > most ? found.subList(0, most) : found;
    }

    /**
     * A failure that quotes no value, such as a bean whose constructor Camel could not match ("null"): the settings
     * used in the file whose value is not of the kind their inline default is, a number for a number or a boolean
     * for a boolean.
     */
    private List<Setting> mismatchedDefaults(String file) {
        String text = fileText(file);
        List<Setting> mismatched = new ArrayList<>();
        Matcher placeholder = PLACEHOLDER.matcher(text);
        while (placeholder.find()) {
            String key = placeholder.group(1).strip();
            String fallback = placeholder.group(2);
            Optional<String> value = valueOf(key);
            if (fallback == null || value.isEmpty() || mismatched.stream().anyMatch(s -> s.key().equals(key))) {
                continue;
            }
            String given = value.get().strip();
            if (fallback.matches(NUMBER) && !given.matches(NUMBER)) {
                mismatched.add(new Setting(key, given, sourceOf(key), "'" + given + "' is not a number"));
            } else if (fallback.matches(BOOLEAN) && !given.matches(BOOLEAN)) {
                mismatched.add(new Setting(key, given, sourceOf(key), "'" + given + "' is not true or false"));
            }
        }
        return mismatched.size() > 1 ? mismatched.subList(0, 1) : mismatched;
    }

    /** A route file's text; route files are small, but a file that is not is read only in part. */
    private static String fileText(String file) {
        if (file == null) {
            return "";
        }
        try (Reader reader = Files.newBufferedReader(Path.of(file))) {
            char[] buffer = new char[MAX_FILE_CHARS];
            int read = reader.read(buffer, 0, buffer.length);
            return read <= 0 ? "" : new String(buffer, 0, read);
        } catch (IOException | InvalidPathException e) {
            return "";
        }
    }

    /** The setting behind the endpoint option Camel could not set, e.g. {@code recursive={{csv.recursive}}}. */
    private List<Setting> boundTo(PropertyBindingException binding, List<String> uris) {
        String option = binding.getPropertyName();
        if (option == null) {
            return List.of();
        }
        Pattern parameter = Pattern.compile("[?&]" + Pattern.quote(option) + "=([^&]*)");
        for (String uri : uris) {
            Matcher matcher = parameter.matcher(uri);
            if (matcher.find()) {
                List<Setting> settings = new ArrayList<>();
                for (String key : placeholdersIn(List.of(matcher.group(1)))) {
                    valueOf(key).ifPresent(value -> settings.add(new Setting(key, value, sourceOf(key))));
                }
                return settings;
            }
        }
        return List.of();
    }

    /**
     * A database that refuses connections says so without its URL, and after a late failure the pool is gone from
     * the registry; the configured JDBC URLs stand in for it, so the setting that names the database is found.
     */
    private List<String> databaseUrls(FailureChain chain) {
        if (chain.find(SQLException.class) == null) {
            return List.of();
        }
        List<String> urls = new ArrayList<>();
        for (HikariDataSource pool : context.getRegistry().findByType(HikariDataSource.class)) {
            if (pool.getJdbcUrl() != null) {
                urls.add(pool.getJdbcUrl());
            }
        }
        for (String key : configuredKeys()) {
            valueOf(key).filter(value -> value.strip().startsWith("jdbc:")).ifPresent(urls::add);
        }
        return urls;
    }

    /** "Address already in use" names no address: the port the failing route listens on stands in for it. */
    private List<String> listenPorts(FailureChain chain, RouteOrigin origin) {
        if (chain.find(BindException.class) == null || origin == null) {
            return List.of();
        }
        List<String> ports = new ArrayList<>();
        for (String uri : origin.uris()) {
            Matcher address = LISTEN_PORT.matcher(resolved(uri));
            if (address.find()) {
                ports.add(address.group(1));
            }
        }
        return ports;
    }

    private String resolved(String text) {
        try {
            return context.resolvePropertyPlaceholders(text);
        } catch (RuntimeException e) {
            return text;
        }
    }

    /**
     * When no route narrows the candidates down to a few, every configured value is one: short values and numbers
     * appear in unrelated messages (a line number, a port), so only distinctive values count.
     */
    private static boolean specific(String value) {
        String trimmed = value.strip();
        return trimmed.length() >= 4 && !trimmed.matches("[\\d.]+");
    }

    private static List<String> placeholdersIn(List<String> texts) {
        Set<String> keys = new LinkedHashSet<>();
        for (String text : texts) {
            Matcher matcher = PLACEHOLDER.matcher(text);
            while (matcher.find()) {
                keys.add(matcher.group(1).strip());
            }
        }
        return new ArrayList<>(keys);
    }

    /** The keys given a value in the configuration file, or anywhere else when the start recorded its lookups. */
    private List<String> configuredKeys() {
        Set<String> keys = new LinkedHashSet<>(context.getPropertiesComponent().loadProperties().stringPropertyNames());
        if (lookups != null) {
            keys.addAll(lookups.keys());
        }
        return new ArrayList<>(keys);
    }

    private Optional<String> valueOf(String key) {
        try {
            return context.getPropertiesComponent().resolveProperty(key).filter(FailureChain::hasText);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether the value stands in a message as a word of its own, not as part of a longer word. */
    private static boolean appearsIn(String value, List<String> messages) {
        String trimmed = value.strip();
        if (trimmed.length() < 2 || TOO_COMMON.contains(trimmed.toLowerCase(Locale.ROOT))) {
            return false;
        }
        Pattern word = Pattern.compile("(?<![\\w.-])" + Pattern.quote(trimmed) + "(?![\\w-])");
        return messages.stream().anyMatch(message -> message != null && word.matcher(message).find());
    }

    private static boolean namesPath(String value, String path) {
        return path != null && !path.isBlank() && value.contains(path);
    }

    /** A path under the working folder as the user would type it; any other as it is. */
    private static String relative(String location) {
        try {
            Path path = Path.of(location);
            Path here = Path.of("").toAbsolutePath();
            return path.isAbsolute() && path.startsWith(here) ? here.relativize(path).toString() : location;
        } catch (InvalidPathException e) {
            return location;
        }
    }

    /** Where a key's value comes from, in Camel's order of precedence. */
    String sourceOf(String key) {
        String recorded = lookups == null ? null : lookups.sourceOf(key);
        if ("ENV".equals(recorded)) {
            return "environment variable " + StartupProblem.environmentName(key);
        }
        if ("SYS".equals(recorded)) {
            return "system property -D" + key;
        }
        if (recorded != null && recorded.startsWith("file:")) {
            return relative(recorded.replaceFirst(";optional=true$", "").substring("file:".length()));
        }
        if (System.getenv(StartupProblem.environmentName(key)) != null) {
            return "environment variable " + StartupProblem.environmentName(key);
        }
        if (System.getProperty(key) != null) {
            return "system property -D" + key;
        }
        PropertiesComponent properties = context.getPropertiesComponent();
        if (properties.loadProperties().getProperty(key) != null) {
            for (String location : properties.getLocations()) {
                return relative(location.replaceFirst(";optional=true$", "").replaceFirst("^file:", ""));
            }
        }
        return "an override property";
    }
}
