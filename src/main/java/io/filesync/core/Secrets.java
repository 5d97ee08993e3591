package io.filesync.core;

import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;

/**
 * Keeps secrets out of start-up messages. A message may quote a JDBC URL or an endpoint URI with its password, or a
 * setting whose value is a secret; whatever a failure says, the values of secret settings and the passwords inside
 * URLs are replaced by {@code ****} before it is shown.
 */
final class Secrets {

    static final String MASK = "****";

    /** Settings whose value is never shown, by name: filesync.db.password, SYNC_SERVER_TOKEN, mirror.s3.access-key... */
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|passphrase|secret|token|key).*");

    /**
     * Settings whose value is also masked wherever it appears in a message. Narrower than {@link #SECRET_KEY}: the
     * values of keys such as watch.state-key or mirror.sftp.strict-host-key-checking are ordinary words that
     * messages need.
     */
    private static final Pattern CREDENTIAL_KEY = Pattern.compile(
            "(?i).*(password|passphrase|secret|token).*|.*(access|api|private|auth|encryption)[._-]?key");

    /** A password in a URL's user information: {@code //user:password@host}. */
    private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(//[^/:@\\s]*:)[^@\\s/]+(@)");

    /** A password given as a URL parameter: {@code ?password=...}, {@code &passphrase=RAW(...)}, {@code ;password=...}. */
    private static final Pattern PARAMETER_PASSWORD = Pattern.compile(
            "(?i)([?&;](?:password|passphrase|secret[\\w-]*|[\\w-]*token|[\\w-]*secret-?key)=)(RAW\\([^)]*\\)|[^&;\\s'\"]*)");

    private final Set<String> secretValues;

    private Secrets(Set<String> secretValues) {
        this.secretValues = secretValues;
    }

    /** The secrets known to this context's configuration, the environment and the system properties. */
    static Secrets of(CamelContext context) {
        Set<String> values = new LinkedHashSet<>();
        if (context != null) {
            try {
                collect(context.getPropertiesComponent().loadProperties(), values);
            } catch (RuntimeException e) {
                // The configuration file itself may be what failed to load; the other sources still count.
            }
        }
        collect(System.getProperties(), values);
        for (Map.Entry<String, String> variable : System.getenv().entrySet()) {
            if (isCredential(variable.getKey())) {
                add(variable.getValue(), values);
            }
        }
        return new Secrets(values);
    }

    /** Whether a setting's value is never shown. */
    static boolean isSecret(String key) {
        return key != null && SECRET_KEY.matcher(key).matches();
    }

    private static boolean isCredential(String key) {
        return key != null && CREDENTIAL_KEY.matcher(key).matches();
    }

    /** The text with every known secret and every password in a URL replaced by {@code ****}. */
    String mask(String text) {
        String masked = USER_INFO_PASSWORD.matcher(text).replaceAll("$1" + MASK + "$2");
        masked = PARAMETER_PASSWORD.matcher(masked).replaceAll("$1" + MASK);
        // Longest first, so a secret that contains another is masked whole.
        for (String secret : secretValues.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            masked = masked.replace(secret, MASK);
        }
        return masked;
    }

    private static void collect(Properties properties, Set<String> values) {
        for (String key : properties.stringPropertyNames()) {
            if (isCredential(key)) {
                add(properties.getProperty(key), values);
            }
        }
    }

    /** Values too short to be told apart from ordinary words are left alone: masking them would garble the message. */
    private static void add(String value, Set<String> values) {
        if (value != null && value.strip().length() >= 4) {
            values.add(value.strip());
        }
    }
}
