package io.filesync.mirror;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;

import javax.sql.DataSource;

import io.filesync.core.NumberOptions;
import io.filesync.core.error.ErrorRecorder;
import io.filesync.core.observe.Progress;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

/**
 * The {@code filesync-mirror:} component. It owns one {@link MirrorEngine} per mapping name, started when the first
 * producer of that mapping starts and stopped with the last, so the send, delete and move routes of one mapping share
 * one queue, one dispatcher and one set of workers, and a mapping whose routes are off opens no connection at all.
 * Each mapping has its own engine: several mappings run side by side.
 */
@Component(MirrorComponent.SCHEME)
public class MirrorComponent extends DefaultComponent {

    public static final String SCHEME = "filesync-mirror";

    private final Map<String, Running> engines = new HashMap<>();

    private record Running(MirrorEngine engine, ExecutorService executor, ExecutorService workers, ExecutorService partSenders,
                           int users, MirrorObserver observer) {
        Running withUsers(int count) {
            return new Running(engine, executor, workers, partSenders, count, observer);
        }
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException(SCHEME + ": needs a mapping name, e.g. " + SCHEME + ":photos?root=...&remote=s3");
        }
        MirrorEndpoint endpoint = new MirrorEndpoint(uri, this, remaining);
        NumberOptions.check(endpoint, parameters);
        setProperties(endpoint, parameters);
        // The remote's options live in their own objects; whatever none of them takes is reported as unknown.
        setProperties(endpoint.getS3(), parameters);
        setProperties(endpoint.getSftp(), parameters);
        return endpoint;
    }

    /** The running engine of the endpoint's mapping, started on first use. */
    synchronized MirrorEngine acquire(MirrorEndpoint endpoint) {
        Running running = engines.get(endpoint.getMapping());
        if (running == null) {
            DataSource dataSource = getCamelContext().getRegistry().lookupByNameAndType(endpoint.getDataSource(), DataSource.class);
            if (dataSource == null) {
                throw new IllegalStateException(SCHEME + ":" + endpoint.getMapping() + ": no DataSource named " + endpoint.getDataSource());
            }
            ErrorRecorder errors = endpoint.getErrorRecorder() == null ? null
                    : getCamelContext().getRegistry().lookupByNameAndType(endpoint.getErrorRecorder(), ErrorRecorder.class);
            MirrorMapping mapping = endpoint.mappingSettings();
            ExecutorService partSenders = getCamelContext().getExecutorServiceManager()
                    .newFixedThreadPool(this, SCHEME + "-" + mapping.name() + "-part", endpoint.partsInFlight());
            MirrorEngine engine = new MirrorEngine(mapping, endpoint.newRemote(dataSource, partSenders), dataSource, errors,
                    Progress.of(getCamelContext()));
            ExecutorService executor = getCamelContext().getExecutorServiceManager()
                    .newSingleThreadExecutor(this, SCHEME + "-" + mapping.name());
            ExecutorService workers = getCamelContext().getExecutorServiceManager()
                    .newFixedThreadPool(this, SCHEME + "-" + mapping.name() + "-worker", engine.concurrency());
            engine.start(executor, workers);
            running = new Running(engine, executor, workers, partSenders, 0, new MirrorObserver(getCamelContext(), engine));
        }
        engines.put(endpoint.getMapping(), running.withUsers(running.users() + 1));
        return running.engine();
    }

    /** Stops the mapping's engine when its last producer stops. */
    synchronized void release(MirrorEndpoint endpoint) {
        Running running = engines.get(endpoint.getMapping());
        if (running == null) {
            return;
        }
        if (running.users() > 1) {
            engines.put(endpoint.getMapping(), running.withUsers(running.users() - 1));
            return;
        }
        engines.remove(endpoint.getMapping());
        running.observer().close();
        running.engine().stop();
        getCamelContext().getExecutorServiceManager().shutdown(running.executor());
        getCamelContext().getExecutorServiceManager().shutdown(running.workers());
        getCamelContext().getExecutorServiceManager().shutdown(running.partSenders());
    }

    /** The engine of a running mapping, or null: for tests and monitoring. */
    public synchronized MirrorEngine engine(String mapping) {
        Running running = engines.get(mapping);
        return running == null ? null : running.engine();
    }
}
