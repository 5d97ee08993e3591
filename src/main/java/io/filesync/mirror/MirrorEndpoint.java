package io.filesync.mirror;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;

import javax.sql.DataSource;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * {@code filesync-mirror:<mapping>?root=...&remote=s3|sftp&...}: records file exchanges (from the file source) and
 * change events (from {@code filesync-watch:}) as actions of one mapping, which its {@link MirrorEngine} carries out
 * against the remote. Producer only. Every endpoint of one mapping name shares one engine, held by the component.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = MirrorComponent.SCHEME, title = "filesync mirror",
        syntax = "filesync-mirror:mapping", producerOnly = true, category = {Category.FILE, Category.CLOUD},
        headersClass = MirrorHeaders.class)
public class MirrorEndpoint extends DefaultEndpoint {

    @UriPath(description = "Names the mapping in the queue, audit and state tables; keep it stable")
    @Metadata(required = true)
    private final String mapping;
    @UriParam(defaultValue = "true", description = "Whether the mapping runs. Camel starts the producers of a route that is"
            + " not started, so a mapping that is off must say so here too: it then opens no connection and needs no settings")
    private boolean enabled = true;
    @UriParam(defaultValue = "8", description = "How many actions on different paths run at once (SFTP: one session each)")
    private int concurrency = 8;
    @UriParam(description = "The local folder mirrored (required)")
    private String root;

    @UriParam(description = "s3 or sftp (required)")
    private String remote;

    @UriParam(description = "Whether local deletions are mirrored; without it, remote copies of deleted files are kept", defaultValue = "false")
    private boolean completeSync = false;

    @UriParam(description = "In complete-sync mode, only audit and log what would be deleted on the remote, never delete",
            defaultValue = "false")
    private boolean dryRun = false;

    @UriParam(description = "First retry delay after a failure, in milliseconds; doubled with jitter on each failure", defaultValue = "1000")
    private long initialBackoff = 1000;

    @UriParam(description = "Cap on the retry delay, in milliseconds", defaultValue = "60000")
    private long maxBackoff = 60000;

    @UriParam(description = "How long, in milliseconds, a deletion the complete-sync comparison queues at start (or a file"
            + " exchange of a file just renamed) waits, so that the watcher's report of a rename replaces it", defaultValue = "2000")
    private long moveWindow = MirrorMapping.DEFAULT_MOVE_WINDOW;

    @UriParam(description = "Registry name of the DataSource keeping the queue, audit and state", defaultValue = "filesyncDataSource")
    private String dataSource = "filesyncDataSource";

    @UriParam(description = "Registry name of the ErrorRecorder failures are also recorded with; ignored if absent", defaultValue = "filesyncErrors")
    private String errorRecorder = "filesyncErrors";

    @UriParam(description = "Options of an S3 remote")
    private final S3Options s3 = new S3Options();

    @UriParam(description = "Options of an SFTP remote")
    private final SftpOptions sftp = new SftpOptions();

    public MirrorEndpoint(String uri, MirrorComponent component, String mapping) {
        super(uri, component);
        this.mapping = mapping;
    }

    @Override
    public Producer createProducer() {
        return new MirrorProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException(MirrorComponent.SCHEME + ": is a producer only; read changes with filesync-watch: or the file source");
    }

    @Override
    public boolean isRemote() {
        return true;
    }

    /** The S3 options, bound by the component from the endpoint URI. */
    public S3Options getS3() {
        return s3;
    }

    /** The SFTP options, bound by the component from the endpoint URI. */
    public SftpOptions getSftp() {
        return sftp;
    }

    public String getMapping() {
        return mapping;
    }

    /** The mapping these options describe. */
    MirrorMapping mappingSettings() {
        require(root, "root");
        return new MirrorMapping(mapping, Path.of(root), completeSync, initialBackoff, maxBackoff, concurrency, moveWindow, dryRun);
    }

    /** Whether this endpoint mirrors to S3 (else SFTP). */
    boolean isS3() {
        require(remote, "remote");
        return switch (remote.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "s3" -> true;
            case "sftp" -> false;
            default -> throw new IllegalArgumentException(MirrorComponent.SCHEME + ":" + mapping + ": remote must be s3 or sftp, not " + remote);
        };
    }

    /**
     * A new client for the configured remote, keeping its upload progress in {@code dataSource}; the caller closes it.
     *
     * @param partSenders runs the parts in flight of large uploads (at least {@link #partsInFlight()} threads)
     */
    Remote newRemote(DataSource dataSource, ExecutorService partSenders) {
        if (isS3()) {
            return new S3Remote(s3.settings(mapping), new MultipartUploads(dataSource, mapping), partSenders, concurrency);
        }
        return new SftpRemote(sftp.settings(mapping), concurrency, new SftpCheckpoints(dataSource, mapping), partSenders);
    }

    /**
     * How many parts of large uploads may be in flight at once: for S3 what the memory budget holds, for SFTP one per
     * connection.
     */
    int partsInFlight() {
        return isS3() ? S3Remote.partsInFlight(s3.settings(mapping)) : Math.max(1, concurrency);
    }

    private void require(String value, String option) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(MirrorComponent.SCHEME + ":" + mapping + ": option " + option + " is not set");
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public int getConcurrency() {
        return concurrency;
    }

    public void setConcurrency(int concurrency) {
        this.concurrency = concurrency;
    }

    public String getRoot() {
        return root;
    }

    public void setRoot(String root) {
        this.root = root;
    }

    public String getRemote() {
        return remote;
    }

    public void setRemote(String remote) {
        this.remote = remote;
    }

    public boolean isCompleteSync() {
        return completeSync;
    }

    public void setCompleteSync(boolean completeSync) {
        this.completeSync = completeSync;
    }

    public boolean isDryRun() {
        return dryRun;
    }

    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    public long getInitialBackoff() {
        return initialBackoff;
    }

    public void setInitialBackoff(long initialBackoff) {
        this.initialBackoff = initialBackoff;
    }

    public long getMoveWindow() {
        return moveWindow;
    }

    public void setMoveWindow(long moveWindow) {
        this.moveWindow = moveWindow;
    }

    public long getMaxBackoff() {
        return maxBackoff;
    }

    public void setMaxBackoff(long maxBackoff) {
        this.maxBackoff = maxBackoff;
    }

    public String getDataSource() {
        return dataSource;
    }

    public void setDataSource(String dataSource) {
        this.dataSource = dataSource;
    }

    public String getErrorRecorder() {
        return errorRecorder;
    }

    public void setErrorRecorder(String errorRecorder) {
        this.errorRecorder = errorRecorder;
    }

}
