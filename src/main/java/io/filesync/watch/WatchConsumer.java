package io.filesync.watch;

import java.nio.file.Path;
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
 * order. An exchange that fails (after the route's own redeliveries, unhandled) is not acknowledged: the watcher
 * reports the change again later, and after a restart, so a change is never lost to a database or remote that was
 * down; a failure the route handles (bad input, recorded) is not reported again. Suspending the route pauses watching
 * but keeps the model, so resuming reports what changed meanwhile, even without a persisted snapshot. Paths that
 * cannot be watched are logged and, when the shared {@link ErrorRecorder} is present, recorded in the error table.
 */
public class WatchConsumer extends DefaultConsumer implements ChangeListener, Suspendable {

    private static final Logger LOG = LoggerFactory.getLogger(WatchConsumer.class);

    private ExecutorService executor;
    private TreeWatcher watcher;
    private volatile WatchMeters meters;

    public WatchConsumer(WatchEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public WatchEndpoint getEndpoint() {
        return (WatchEndpoint) super.getEndpoint();
    }

    /**
     * Watching starts once the CamelContext has fully started: the first scan reports changes made while stopped, and
     * the routes and Kamelets those events go to may not run before then (sending to them would wait on a consumer
     * that cannot start until this one has).
     */
    @Override
    protected void doStart() throws Exception {
        super.doStart();
        WatchEndpoint endpoint = getEndpoint();
        CamelContext context = endpoint.getCamelContext();
        executor = context.getExecutorServiceManager()
                .newSingleThreadExecutor(this, "FilesyncWatch[" + endpoint.getTarget() + "]");
        watcher = new TreeWatcher(endpoint.watchOptions(), endpoint.snapshotStore(), this, executor);
        meters = new WatchMeters(context, endpoint.effectiveStateKey(), endpoint.targetPath());
        if (context.isStarted()) {
            startWatching();
        } else {
            context.addStartupListener(new ExtendedStartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                    // Routes are still starting here; watching waits for onCamelContextFullyStarted.
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) {
                    if (isRunAllowed() && !isSuspendingOrSuspended()) {
                        startWatching();
                    }
                }
            });
        }
    }

    private void startWatching() {
        TreeWatcher current = watcher;
        if (current == null) {
            return;
        }
        ServiceHelper.startService(current);
        WatchEndpoint endpoint = getEndpoint();
        LOG.info("Watching {} ({}recursive, settle {} ms, {})", endpoint.targetPath(), endpoint.isRecursive() ? "" : "not ",
                endpoint.getSettleTime(), endpoint.isSnapshot() ? "snapshot key '" + endpoint.effectiveStateKey() + "'" : "no snapshot");
    }

    @Override
    protected void doStop() throws Exception {
        ServiceHelper.stopService(watcher);
        watcher = null;
        if (meters != null) {
            meters.close();
            meters = null;
        }
        if (executor != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(executor);
            executor = null;
        }
        super.doStop();
    }

    @Override
    protected void doSuspend() throws Exception {
        if (watcher.isStarted()) {
            watcher.suspend();
        }
    }

    @Override
    protected void doResume() throws Exception {
        if (watcher.isSuspended()) {
            watcher.resume();
        } else if (!watcher.isStarted()) {
            startWatching();
        }
    }

    /** Delivers one event; throws when the route failed with it, so the watcher reports it again. */
    @Override
    public void onEvent(ChangeEvent event) {
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
        }
        Exception failure = exchange.getException();
        releaseExchange(exchange, false);
        if (failure != null) {
            throw new EventNotDeliveredException(event, failure);
        }
        WatchMeters counted = meters;
        if (counted != null) {
            counted.emitted(event);
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
