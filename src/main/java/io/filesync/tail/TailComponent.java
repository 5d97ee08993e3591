package io.filesync.tail;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

/**
 * The {@code filesync-tail:<folder>} component: emits the complete lines appended to the files of a folder, in
 * batches, exactly where reading stopped last time. See {@link TailEndpoint} for the options.
 */
@Component(TailComponent.SCHEME)
public final class TailComponent extends DefaultComponent {

    public static final String SCHEME = "filesync-tail";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException("filesync-tail needs a folder: filesync-tail:data/tail?stateKey=...");
        }
        TailEndpoint endpoint = new TailEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.validate();
        return endpoint;
    }
}
