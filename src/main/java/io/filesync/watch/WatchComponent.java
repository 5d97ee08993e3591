package io.filesync.watch;

import java.util.Map;

import io.filesync.core.NumberOptions;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

/**
 * The {@code filesync-watch:} component: {@code filesync-watch:<file or folder>?options}. See {@link WatchEndpoint}
 * for the options and {@link WatchHeaders} for what each exchange carries.
 */
@Component(WatchComponent.SCHEME)
public class WatchComponent extends DefaultComponent {

    public static final String SCHEME = "filesync-watch";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException(SCHEME + ": needs a file or folder to watch, e.g. " + SCHEME + ":data/watch");
        }
        WatchEndpoint endpoint = new WatchEndpoint(uri, this, remaining);
        NumberOptions.check(endpoint, parameters);
        setProperties(endpoint, parameters);
        return endpoint;
    }
}
