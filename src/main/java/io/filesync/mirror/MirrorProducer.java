package io.filesync.mirror;

import java.nio.file.Path;

import io.filesync.watch.ChangeType;
import io.filesync.watch.WatchHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultProducer;

/**
 * Records one change as an action of the mapping's durable queue, before the exchange completes: so the source
 * (the file source's idempotent repository, the watcher's snapshot) acknowledges a change only once it is safe.
 * Two kinds of exchange come in: a change event of {@code filesync-watch:} (deletes and moves; created and updated
 * files too), or a file of the file source (sends).
 */
public class MirrorProducer extends DefaultProducer {

    private MirrorEngine engine;

    public MirrorProducer(MirrorEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public MirrorEndpoint getEndpoint() {
        return (MirrorEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (getEndpoint().isEnabled()) {
            engine = ((MirrorComponent) getEndpoint().getComponent()).acquire(getEndpoint());
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (engine != null) {
            ((MirrorComponent) getEndpoint().getComponent()).release(getEndpoint());
            engine = null;
        }
        super.doStop();
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        if (engine == null) {
            throw new IllegalStateException(MirrorComponent.SCHEME + ":" + getEndpoint().getMapping() + " is off (enabled=false)");
        }
        Message in = exchange.getMessage();
        String type = in.getHeader(WatchHeaders.EVENT_TYPE, String.class);
        String recorded;
        String path;
        if (type != null) {
            path = in.getHeader(WatchHeaders.PATH, String.class);
            boolean directory = Boolean.TRUE.equals(in.getHeader(WatchHeaders.DIRECTORY, Boolean.class));
            switch (ChangeType.valueOf(type)) {
                case FILE_CREATED, FILE_UPDATED -> {
                    engine.fileChanged(path);
                    recorded = "send";
                }
                case FILE_DELETED, DIRECTORY_DELETED -> {
                    engine.deleted(path, directory);
                    recorded = "delete";
                }
                case FILE_MOVED, DIRECTORY_MOVED -> {
                    engine.moved(in.getHeader(WatchHeaders.PREVIOUS_PATH, String.class), path, directory);
                    recorded = "move";
                }
                // A new folder needs no action (its files come as their own events); the root's own events are
                // not deletions to mirror: the mass-delete guard handles a vanished root.
                default -> recorded = "ignored";
            }
        } else {
            String absolute = in.getHeader(Exchange.FILE_PATH, String.class);
            if (absolute == null) {
                throw new IllegalArgumentException(MirrorComponent.SCHEME + ": expects a file exchange or a filesync-watch event");
            }
            path = engine.mapping().relative(Path.of(absolute));
            engine.fileChanged(path);
            recorded = "send";
        }
        in.setHeader(MirrorHeaders.RECORDED, recorded);
        in.setHeader(MirrorHeaders.PATH, path);
    }
}
