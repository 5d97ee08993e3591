package io.filesync.output;

import java.util.Map;

import io.filesync.core.NumberOptions;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

/** The {@code filesync-writer:} component: {@code filesync-writer:<output root>?options}; see {@link WriterEndpoint}. */
@Component(WriterComponent.SCHEME)
public class WriterComponent extends DefaultComponent {

    public static final String SCHEME = "filesync-writer";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException(SCHEME + ": needs an output root, e.g. " + SCHEME + ":data/output");
        }
        WriterEndpoint endpoint = new WriterEndpoint(uri, this, remaining);
        NumberOptions.check(endpoint, parameters);
        setProperties(endpoint, parameters);
        return endpoint;
    }
}
