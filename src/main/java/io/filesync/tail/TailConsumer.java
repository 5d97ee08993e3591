package io.filesync.tail;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.filesync.core.retry.Backoff;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.support.CamelContextHelper;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link TailEngine}: change notifications from the JDK's WatchService (inotify on Linux) wake the workers
 * within milliseconds of an append, and a periodic scan catches whatever a notification missed (a queue overflow,
 * a file system without notifications). Each worker claims a file with unread bytes, emits one batch, and records
 * the position once the route succeeded; a failed batch is retried with exponential backoff, and nothing after it
 * advances meanwhile.
 * <p>
 * The body is the batch's lines, plain records, and the position reached travels in headers. Positions are committed
 * by {@link TailRowWriter} in the rows' own transaction when it can (exactly once); otherwise this consumer stores
 * them when the exchange completed successfully (at least once), as camel-file commits a file on completion.
 */
final class TailConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(TailConsumer.class);
    private static final long FIRST_RETRY_DELAY_MS = 1000;

    private final TailEndpoint endpoint;
    private final Map<String, Integer> failedAttempts = new ConcurrentHashMap<>();
    private volatile TailEngine engine;
    private volatile TailOffsets offsets;
    private TailMeters meters;
    private volatile boolean running;
    private volatile boolean paused;
    private WatchService watchService;
    private ScheduledExecutorService poller;
    private ExecutorService watcher;
    private ExecutorService workers;

    TailConsumer(TailEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    /** The engine once started, for monitoring and tests; null while positions are still being loaded. */
    TailEngine engine() {
        return engine;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        DataSource dataSource = CamelContextHelper.mandatoryLookup(getEndpoint().getCamelContext(),
                endpoint.getDataSource(), DataSource.class);
        offsets = new TailOffsets(dataSource, endpoint.getStateKey());
        ((TailComponent) endpoint.getComponent()).started(offsets, endpoint.getDirectory());
        meters = new TailMeters(getEndpoint().getCamelContext(), endpoint.getStateKey(), endpoint.root());
        running = true;
        ExecutorServiceManager executors = getEndpoint().getCamelContext().getExecutorServiceManager();
        poller = executors.newSingleThreadScheduledExecutor(this, "filesync-tail-scan");
        watcher = executors.newSingleThreadExecutor(this, "filesync-tail-watch");
        workers = executors.newFixedThreadPool(this, "filesync-tail", Math.max(1, endpoint.getWorkers()));
        // Positions load in the background, retried while the database is down, so that filesync starts anyway.
        poller.execute(this::initialise);
    }

    private void initialise() {
        Map<String, TailPosition> stored = null;
        int attempt = 0;
        while (running && stored == null) {
            try {
                stored = offsets.load();
            } catch (Exception e) {
                long delay = backoff().delayMillis(attempt++);
                LOG.warn("{}: cannot read positions from {} ({}); retrying in {} ms", endpoint.getStateKey(),
                        TailOffsets.TABLE, e.getMessage(), delay);
                sleepQuietly(delay);
            }
        }
        if (!running) {
            return;
        }
        try {
            Files.createDirectories(endpoint.root());
            LineReader reader = new LineReader(Charset.forName(endpoint.getCharset()), endpoint.getMaxLineBytes(),
                    endpoint.getMaxBatchLines());
            TailEngine started = new TailEngine(endpoint.root(), endpoint.fileFilter(), endpoint.isRecursive(), reader,
                    offsets, stored, endpoint.getStartAt().equals("end"), endpoint.getRotationGrace());
            watchService = FileSystems.getDefault().newWatchService();
            registerFolders(started.root());
            started.scan();
            engine = started;
            watcher.execute(this::watchLoop);
            for (int i = 0; i < Math.max(1, endpoint.getWorkers()); i++) {
                workers.execute(this::workLoop);
            }
            poller.scheduleWithFixedDelay(this::scan, endpoint.getPollInterval(), endpoint.getPollInterval(),
                    TimeUnit.MILLISECONDS);
            LOG.info("{}: tailing {} ({} files)", endpoint.getStateKey(), started.root(), started.followedCount());
        } catch (IOException e) {
            LOG.error("{}: cannot tail {}: {}", endpoint.getStateKey(), endpoint.root(), e.getMessage(), e);
        }
    }

    private void workLoop() {
        while (running) {
            try {
                String fileKey = paused ? null : engine.nextReady(250);
                if (fileKey == null) {
                    if (paused) {
                        sleepQuietly(100);
                    }
                    continue;
                }
                emit(fileKey);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("{}: unexpected failure while tailing: {}", endpoint.getStateKey(), e.getMessage(), e);
            }
        }
    }

    private void emit(String fileKey) {
        TailBatch batch;
        try {
            batch = engine.read(fileKey);
        } catch (IOException e) {
            LOG.warn("{}: cannot read a followed file: {}", endpoint.getStateKey(), e.getMessage());
            engine.failed(fileKey, nextRetryDelay(fileKey));
            return;
        }
        if (batch == null) {
            return;
        }
        Exchange exchange = createExchange(false);
        Message message = exchange.getMessage();
        message.setBody(batch.lines());
        message.setHeader(TailHeaders.FILE, batch.to().path());
        message.setHeader(TailHeaders.FIRST_LINE, batch.from().lineNumber() + 1);
        message.setHeader(TailHeaders.LAST_LINE, batch.to().lineNumber());
        message.setHeader(TailHeaders.LINE_COUNT, batch.lines().size());
        message.setHeader(TailHeaders.OFFSET, batch.from().offset());
        message.setHeader(TailHeaders.END_OFFSET, batch.to().offset());
        message.setHeader(TailHeaders.STATE_KEY, endpoint.getStateKey());
        message.setHeader(TailHeaders.POSITION, batch.to());
        BatchCompletion completion = new BatchCompletion(fileKey, batch);
        // As camel-file commits on completion: the position is stored once the exchange's unit of work is done.
        exchange.getExchangeExtension().addOnCompletion(completion);
        try {
            getProcessor().process(exchange);
        } catch (Exception e) {
            // Thrown before the route's unit of work began, so the completion will not run: settle the batch here.
            exchange.setException(e);
            completion.settle(exchange);
        }
        // Otherwise the completion settles it, when the unit of work is done: here for a synchronous route, later
        // when the route hands the exchange (and its completions) over to another thread, as seda: does.
        releaseExchange(exchange, false);
    }

    /**
     * Settles one batch exactly once: on success its position is stored (unless a sink committed it with the rows)
     * and the file advances; on failure nothing advances and the file is retried after a growing delay.
     */
    private final class BatchCompletion extends SynchronizationAdapter {

        private final String fileKey;
        private final TailBatch batch;
        private final AtomicBoolean settled = new AtomicBoolean();

        BatchCompletion(String fileKey, TailBatch batch) {
            this.fileKey = fileKey;
            this.batch = batch;
        }

        @Override
        public void onDone(Exchange exchange) {
            settle(exchange);
        }

        void settle(Exchange exchange) {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            Exception failure = exchange.getException();
            if (failure == null && !offsets.isCommitted(batch.to())) {
                try {
                    offsets.save(batch.to());
                } catch (Exception e) {
                    failure = e;
                }
            }
            if (failure != null) {
                // The shared error handling already recorded the route's failure; this line says what waits for it.
                long delay = nextRetryDelay(fileKey);
                LOG.warn("{}: lines {}..{} of {} not stored ({}); nothing after them advances; retrying in {} ms",
                        endpoint.getStateKey(), batch.from().lineNumber() + 1, batch.to().lineNumber(), batch.to().path(),
                        failure.getMessage(), delay);
                engine.failed(fileKey, delay);
            } else {
                failedAttempts.remove(fileKey);
                engine.advanced(fileKey, batch.to());
                meters.stored(batch);
            }
        }
    }

    private long nextRetryDelay(String fileKey) {
        int attempt = failedAttempts.merge(fileKey, 1, Integer::sum) - 1;
        return backoff().delayMillis(attempt);
    }

    private Backoff backoff() {
        return Backoff.clamped(FIRST_RETRY_DELAY_MS, endpoint.getMaxRetryDelay());
    }

    private void watchLoop() {
        while (running) {
            WatchKey key;
            try {
                key = watchService.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            Path folder = (Path) key.watchable();
            try {
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        engine.scan();
                        continue;
                    }
                    Path changed = folder.resolve((Path) event.context());
                    if (endpoint.isRecursive() && event.kind() == StandardWatchEventKinds.ENTRY_CREATE
                            && Files.isDirectory(changed)) {
                        registerFolders(changed);
                        engine.scan();
                    } else {
                        engine.touched(engine.root().relativize(changed));
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: change notification for {} failed ({}); the next scan catches up", endpoint.getStateKey(),
                        folder, e.getMessage());
            }
            key.reset();
        }
    }

    private void scan() {
        try {
            if (Files.isDirectory(engine.root())) {
                registerFolders(engine.root());
            }
            engine.scan();
            meters.lag(engine.lagBytes());
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: scan of {} failed: {}", endpoint.getStateKey(), endpoint.root(), e.getMessage());
        }
    }

    /** Registers a folder (and its subfolders when recursive); registering twice is harmless. */
    private void registerFolders(Path folder) throws IOException {
        if (!endpoint.isRecursive()) {
            register(folder);
            return;
        }
        try (Stream<Path> folders = Files.walk(folder)) {
            for (Path each : (Iterable<Path>) folders.filter(Files::isDirectory)::iterator) {
                register(each);
            }
        }
    }

    private void register(Path folder) throws IOException {
        folder.toAbsolutePath().normalize().register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
    }

    @Override
    protected void doSuspend() throws Exception {
        paused = true;
    }

    @Override
    protected void doResume() throws Exception {
        paused = false;
    }

    @Override
    protected void doStop() throws Exception {
        running = false;
        if (offsets != null) {
            ((TailComponent) endpoint.getComponent()).stopped(offsets);
        }
        ExecutorServiceManager executors = getEndpoint().getCamelContext().getExecutorServiceManager();
        if (watchService != null) {
            watchService.close();
        }
        for (ExecutorService executor : new ExecutorService[] {poller, watcher, workers}) {
            if (executor != null) {
                executors.shutdownGraceful(executor);
            }
        }
        if (engine != null) {
            engine.close();
            engine = null;
        }
        if (meters != null) {
            meters.close();
        }
        super.doStop();
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
