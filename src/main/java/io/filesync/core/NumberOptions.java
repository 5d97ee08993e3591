package io.filesync.core;

import java.util.Map;
import java.util.regex.Pattern;

import org.apache.camel.Endpoint;
import org.apache.camel.PropertyBindingException;
import org.apache.camel.spi.PropertyConfigurerGetter;

/**
 * Refuses a word given for a number option of a filesync endpoint. The configurers camel-package-maven-plugin
 * generates read a number option as a duration too ("5s", "1h30m"), and Camel's duration parser reads a word such
 * as "plenty" as 0, so without this check a typo would silently become a size or delay of zero.
 */
public final class NumberOptions {

    /** Digits, or Camel's duration syntax such as 500ms, 5s, 1h30m. */
    private static final Pattern NUMBER_OR_DURATION = Pattern.compile("-?\\d+|(\\d+(ms|s|m|h|d))+",
            Pattern.CASE_INSENSITIVE);

    private NumberOptions() {
    }

    /** Checks the endpoint's parameters before they are set; fails as Camel does for a value it cannot bind. */
    public static void check(Endpoint endpoint, Map<String, Object> parameters) {
        if (!(endpoint.getComponent().getEndpointPropertyConfigurer() instanceof PropertyConfigurerGetter options)) {
            return;
        }
        for (Map.Entry<String, Object> parameter : parameters.entrySet()) {
            Class<?> type = options.getOptionType(parameter.getKey(), true);
            if (isWholeNumber(type) && parameter.getValue() instanceof String text
                    && !NUMBER_OR_DURATION.matcher(text.strip()).matches()) {
                throw new PropertyBindingException(endpoint, parameter.getKey(), text,
                        new NumberFormatException("'" + text + "' is not a number"));
            }
        }
    }

    private static boolean isWholeNumber(Class<?> type) {
        return type == int.class || type == long.class || type == Integer.class || type == Long.class;
    }
}
