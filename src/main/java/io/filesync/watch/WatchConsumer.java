package io.filesync.watch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Instant;
import java.util.concurrent.ExecutorService;

import io.filesync.core.FilesyncHeaders;
import io.filesync.core.error.ErrorRecord;
import io.filesync.core.error.ErrorRecorder;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.Suspendable;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link TreeWatcher} on a thread from Camel's ExecutorServiceManager and turns each event into an exchange
 * (body: the {@link ChangeEvent}, headers: {@link WatchHeaders}). Exchanges are processed one at a time, in event
 * order; a failed exchange goes to the route's error handling and watching goes on. Suspending the route pauses
 * watching but keeps the model, so resuming reports what changed meanwhile, even without a persisted snapshot. Paths that cannot be watched are
 * logged and, when the shared {@link ErrorRecorder} is present, recorded in the error table.
 */
public class WatchConsumer extends DefaultConsumer implements ChangeListener, Suspendable {

    private static final Logger LOG = LoggerFactory.getLogger(WatchConsumer.class);

    private ExecutorService executor;
    private TreeWatcher watcher;
    /** Keeps events in order across the hand-over below. */
    private final Object dispatchOrder = new Object();
    /**
     * Events seen while the CamelContext is still starting, or null once it has started. The first scan replays
     * offline changes during start, when the routes and Kamelets an event goes to may not be running yet: sending
     * then would wait on a consumer that cannot start until this one has.
     */
    private List<ChangeEvent> heldUntilStarted;

    public WatchConsumer(WatchEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public WatchEndpoint getEndpoint() {
        return (WatchEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        WatchEndpoint endpoint = getEndpoint();
        CamelContext context = endpoint.getCamelContext();
        synchronized (dispatchOrder) {
            heldUntilStarted = context.isStarted() ? null : new ArrayList<>();
        }
        if (!context.isStarted()) {
            context.addStartupListener(new ExtendedStartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                    // Routes are still starting here; the release waits for onCamelContextFullyStarted.
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) {
                    releaseHeldEvents();
                }
            });
        }
        executor = context.getExecutorServiceManager()
                .newSingleThreadExecutor(this, "FilesyncWatch[" + endpoint.getTarget() + "]");
        watcher = new TreeWatcher(endpoint.watchOptions(), endpoint.snapshotStore(), this, executor);
        ServiceHelper.startService(watcher);
        LOG.info("Watching {} ({}recursive, settle {} ms, {})", endpoint.targetPath(), endpoint.isRecursive() ? "" : "not ",
                endpoint.getSettleTime(), endpoint.isSnapshot() ? "snapshot key '" + endpoint.effectiveStateKey() + "'" : "no snapshot");
    }

    @Override
    protected void doStop() throws Exception {
        ServiceHelper.stopService(watcher);
        if (executor != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(executor);
            executor = null;
        }
        super.doStop();
    }

    @Override
    protected void doSuspend() throws Exception {
        watcher.suspend();
    }

    @Override
    protected void doResume() throws Exception {
        watcher.resume();
    }

    @Override
    public void onEvent(ChangeEvent event) {
        synchronized (dispatchOrder) {
            if (heldUntilStarted != null) {
                heldUntilStarted.add(event);
                return;
            }
            dispatch(event);
        }
    }

    private void releaseHeldEvents() {
        synchronized (dispatchOrder) {
            List<ChangeEvent> held = heldUntilStarted;
            heldUntilStarted = null;
            if (held != null) {
                held.forEach(this::dispatch);
            }
        }
    }

    private void dispatch(ChangeEvent event) {
        Exchange exchange = createExchange(false);
        Message message = exchange.getMessage();
        message.setBody(event);
        message.setHeader(WatchHeaders.EVENT_TYPE, event.type().name());
        message.setHeader(WatchHeaders.PATH, event.path());
        message.setHeader(WatchHeaders.ABSOLUTE_PATH, event.absolutePath());
        message.setHeader(WatchHeaders.URI, event.uri());
        if (event.previousPath() != null) {
            message.setHeader(WatchHeaders.PREVIOUS_PATH, event.previousPath());
        }
        message.setHeader(WatchHeaders.DIRECTORY, event.directory());
        message.setHeader(WatchHeaders.TIMESTAMP, event.timestamp());
        if (event.size() != null) {
            message.setHeader(WatchHeaders.SIZE, event.size());
        }
        message.setHeader(WatchHeaders.TARGET, getEndpoint().targetPath().toString());
        message.setHeader(FilesyncHeaders.SOURCE, event.absolutePath());
        try {
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        } finally {
            if (exchange.getException() != null) {
                getExceptionHandler().handleException("Failed to process " + event, exchange, exchange.getException());
            }
            releaseExchange(exchange, false);
        }
    }

    @Override
    public void onProblem(Path path, String reason) {
        String job = getRouteId() != null ? getRouteId() : getEndpoint().getEndpointUri();
        ErrorRecorder recorder = getEndpoint().getCamelContext().getRegistry()
                .lookupByNameAndType(getEndpoint().getErrorRecorder(), ErrorRecorder.class);
        if (recorder != null) {
            recorder.record(new ErrorRecord(Instant.now(), job, path.toString(), null, null, null, reason,
                    "io.filesync.watch.WatchProblem", true));
        } else {
            LOG.warn("{}: {}: {}", job, path, reason);
        }
    }
}
