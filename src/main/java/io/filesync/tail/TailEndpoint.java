package io.filesync.tail;

import java.nio.charset.Charset;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

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
 * Emits the complete lines appended to the files of a folder, in batches of plain lines, each file from where
 * reading stopped last time. Consumer only. Each option has a default an experienced user would pick; only stateKey
 * must be given, because positions of different sources must never mix.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = TailComponent.SCHEME, title = "filesync tail",
        syntax = "filesync-tail:directory", consumerOnly = true, category = {Category.FILE, Category.DATABASE},
        headersClass = TailHeaders.class)
public final class TailEndpoint extends DefaultEndpoint {

    @UriPath(description = "The folder whose files are tailed; created if missing")
    @Metadata(required = true)
    private final String directory;
    @UriParam(defaultValue = "*", description = "Comma-separated glob patterns matched against file names; every file by default")
    private String include = "*";
    @UriParam(defaultValue = "false", description = "Whether files in subfolders are tailed too")
    private boolean recursive;
    @UriParam(defaultValue = "beginning", enums = "beginning,end",
            description = "Where files present at the first start begin: at their first line or at their end")
    private String startAt = "beginning";
    @UriParam(defaultValue = "UTF-8", description = "Charset of the files; ASCII-compatible ones only")
    private String charset = "UTF-8";
    @UriParam(defaultValue = "1048576", description = "Longer lines, in bytes, become error records instead of rows")
    private int maxLineBytes = 1024 * 1024;
    @UriParam(defaultValue = "5000", description = "Most lines of one file per exchange (and per transaction)")
    private int maxBatchLines = 5000;
    @UriParam(defaultValue = "1000", description = "Milliseconds between full scans, the fallback for missed change notifications")
    private long pollInterval = 1000;
    @UriParam(label = "advanced", defaultValue = "2", description = "Threads reading and storing batches")
    private int workers = 2;
    @UriParam(label = "advanced", defaultValue = "60000",
            description = "Cap, in milliseconds, of the per-file delay between attempts while storing fails")
    private long maxRetryDelay = 60_000;
    @UriParam(defaultValue = "30000", description = "Milliseconds a file renamed away or deleted is still read after it"
            + " last grew, because a program writes to its old log until it reopens it after a rotation")
    private long rotationGrace = 30_000;
    @UriParam(description = "Names this source in the offsets table; give each source its own and keep it stable")
    @Metadata(required = true)
    private String stateKey;
    @UriParam(defaultValue = "filesyncDataSource", description = "Registry name of the DataSource where positions are kept")
    private String dataSource = "filesyncDataSource";

    TailEndpoint(String uri, TailComponent component, String directory) {
        super(uri, component);
        this.directory = directory;
    }

    void validate() {
        if (stateKey == null || stateKey.isBlank()) {
            throw new IllegalArgumentException("filesync-tail:" + directory + " needs stateKey: it names the source in "
                    + TailOffsets.TABLE + "; give each source its own and keep it stable");
        }
        if (!startAt.equals("beginning") && !startAt.equals("end")) {
            throw new IllegalArgumentException("filesync-tail startAt must be 'beginning' or 'end', not '" + startAt + "'");
        }
        Charset.forName(charset);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        TailConsumer consumer = new TailConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("filesync-tail is a source: use it in from:, not to:");
    }

    Path root() {
        return Path.of(directory);
    }

    /** Matches the file name against the comma-separated globs of {@code include}. */
    Predicate<Path> fileFilter() {
        List<PathMatcher> matchers = Arrays.stream(include.split(","))
                .map(String::strip).filter(glob -> !glob.isEmpty())
                .map(glob -> FileSystems.getDefault().getPathMatcher("glob:" + glob)).toList();
        return relative -> matchers.stream().anyMatch(matcher -> matcher.matches(relative.getFileName()));
    }

    public String getDirectory() {
        return directory;
    }

    public String getInclude() {
        return include;
    }

    /** Comma-separated globs matched against file names, e.g. {@code *.log,*.txt}; default all files. */
    public void setInclude(String include) {
        this.include = include;
    }

    public boolean isRecursive() {
        return recursive;
    }

    /** Whether files in subfolders are tailed too; default false. */
    public void setRecursive(boolean recursive) {
        this.recursive = recursive;
    }

    public String getStartAt() {
        return startAt;
    }

    /** Where files present at the first start begin: {@code beginning} (default) or {@code end}. */
    public void setStartAt(String startAt) {
        this.startAt = startAt;
    }

    public String getCharset() {
        return charset;
    }

    /** Charset of the files; ASCII-compatible ones only (UTF-8 default). */
    public void setCharset(String charset) {
        this.charset = charset;
    }

    public int getMaxLineBytes() {
        return maxLineBytes;
    }

    /** Longer lines become error records instead of rows; default 1 MiB. */
    public void setMaxLineBytes(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    public int getMaxBatchLines() {
        return maxBatchLines;
    }

    /** Most lines of one file per exchange (and per transaction); default 5000. */
    public void setMaxBatchLines(int maxBatchLines) {
        this.maxBatchLines = maxBatchLines;
    }

    public long getPollInterval() {
        return pollInterval;
    }

    /** Milliseconds between full scans, the fallback for missed change notifications; default 1000. */
    public void setPollInterval(long pollInterval) {
        this.pollInterval = pollInterval;
    }

    public int getWorkers() {
        return workers;
    }

    /** Threads reading and storing batches; default 2. */
    public void setWorkers(int workers) {
        this.workers = workers;
    }

    public long getMaxRetryDelay() {
        return maxRetryDelay;
    }

    /** Cap of the per-file delay between attempts while storing fails; default 60000 ms. */
    public void setMaxRetryDelay(long maxRetryDelay) {
        this.maxRetryDelay = maxRetryDelay;
    }

    public long getRotationGrace() {
        return rotationGrace;
    }

    /**
     * Milliseconds a file renamed away or deleted is still read after it last grew, because a program writes to its
     * old log until it reopens it after a rotation; default 30000.
     */
    public void setRotationGrace(long rotationGrace) {
        this.rotationGrace = rotationGrace;
    }

    public String getStateKey() {
        return stateKey;
    }

    /** Names this source in the offsets table; required. */
    public void setStateKey(String stateKey) {
        this.stateKey = stateKey;
    }

    public String getDataSource() {
        return dataSource;
    }

    /** Registry name of the database bean where positions are kept; default {@code filesyncDataSource}. */
    public void setDataSource(String dataSource) {
        this.dataSource = dataSource;
    }
}
