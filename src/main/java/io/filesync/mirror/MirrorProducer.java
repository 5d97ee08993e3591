package io.filesync.mirror;

import java.nio.file.Path;

import io.filesync.watch.ChangeType;
import io.filesync.watch.WatchHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultProducer;

/**
 * Records one change as an action of the mapping's durable queue, before the exchange completes: so the source
 * (the watcher's snapshot, a file consumer's idempotent repository) acknowledges a change only once it is safe.
 * Two kinds of exchange come in: a change event of {@code filesync-watch:} (the mirror routes' one change source:
 * sends, deletes and moves), or a file exchange of a file consumer (a send; see {@link MirrorEngine#fileChanged}).
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
            recorded = switch (ChangeType.valueOf(type)) {
                case FILE_CREATED, FILE_UPDATED -> {
                    if (RemoteSweep.hidden(path)) {
                        yield "ignored";
                    }
                    engine.fileWritten(path);
                    yield "send";
                }
                case FILE_DELETED, DIRECTORY_DELETED -> {
                    if (RemoteSweep.hidden(path)) {
                        yield "ignored";
                    }
                    engine.deleted(path, directory);
                    yield "delete";
                }
                case FILE_MOVED, DIRECTORY_MOVED -> moved(in.getHeader(WatchHeaders.PREVIOUS_PATH, String.class), path, directory);
                // A new folder needs no action (its files come as their own events); the root's own events are
                // not deletions to mirror: the mass-delete guard handles a vanished root.
                default -> "ignored";
            };
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

    /**
     * Hidden files and folders are not the mirror's (see {@link RemoteSweep#hidden}): a move out of hidden is a new
     * file or folder (the engine sends what the remote never had), a move into hidden takes the path off the mirror
     * like a deletion (editors rename a file to a hidden backup before writing its new version).
     */
    private String moved(String from, String to, boolean directory) throws Exception {
        boolean fromHidden = RemoteSweep.hidden(from);
        if (RemoteSweep.hidden(to)) {
            if (fromHidden) {
                return "ignored";
            }
            engine.deleted(from, directory);
            return "delete";
        }
        engine.moved(from, to, directory);
        return "move";
    }
}
