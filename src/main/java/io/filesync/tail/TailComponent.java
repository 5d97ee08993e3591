package io.filesync.tail;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.filesync.core.NumberOptions;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

/**
 * The {@code filesync-tail:<folder>} component: emits the complete lines appended to the files of a folder, in
 * batches, exactly where reading stopped last time. See {@link TailEndpoint} for the options.
 * <p>
 * It also knows the positions store of each running source by its state key, so that a sink can commit a batch's
 * position in its own transaction (see {@link TailRowWriter}) while the message itself carries only data.
 */
@Component(TailComponent.SCHEME)
public final class TailComponent extends DefaultComponent {

    public static final String SCHEME = "filesync-tail";

    private final Map<String, TailOffsets> running = new ConcurrentHashMap<>();

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException("filesync-tail needs a folder: filesync-tail:data/tail?stateKey=...");
        }
        TailEndpoint endpoint = new TailEndpoint(uri, this, remaining);
        NumberOptions.check(endpoint, parameters);
        setProperties(endpoint, parameters);
        endpoint.validate();
        return endpoint;
    }

    /** The positions store of the running source with this state key, or null when none runs in this context. */
    public TailOffsets offsets(String stateKey) {
        return stateKey == null ? null : running.get(stateKey);
    }

    /** Called by a starting consumer; two sources with one state key would overwrite each other's positions. */
    void started(TailOffsets offsets, String folder) {
        TailOffsets before = running.putIfAbsent(offsets.stateKey(), offsets);
        if (before != null) {
            throw new IllegalStateException(SCHEME + ":" + folder + ": stateKey '" + offsets.stateKey()
                    + "' is already used by another running filesync-tail source; give each source its own");
        }
    }

    void stopped(TailOffsets offsets) {
        running.remove(offsets.stateKey(), offsets);
    }
}
