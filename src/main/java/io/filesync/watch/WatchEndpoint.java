package io.filesync.watch;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

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
 * Watches one file or folder and emits one exchange per {@link ChangeEvent}. Consumer only.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = WatchComponent.SCHEME, title = "filesync watch",
        syntax = "filesync-watch:target", consumerOnly = true, category = {Category.FILE}, headersClass = WatchHeaders.class)
public class WatchEndpoint extends DefaultEndpoint {

    @UriPath(description = "The file or folder to watch; it may not exist yet")
    @Metadata(required = true)
    private final String target;
    @UriParam(defaultValue = "true", description = "Whether sub-folders are watched too")
    private boolean recursive = true;
    @UriParam(defaultValue = "250", description = "Milliseconds a file must go unchanged before its created or updated event")
    private long settleTime = 250;
    @UriParam(defaultValue = "0", description = "Longest wait, in milliseconds, for a file that never stops changing (a busy log); 0 waits until it is quiet")
    private long maxSettleTime;
    @UriParam(defaultValue = "30", description = "Milliseconds a vanished path waits to be paired with its new name (a move)")
    private long moveWindow = 30;
    @UriParam(defaultValue = "true", description = "Whether the snapshot is persisted, so changes made while stopped are reported on start")
    private boolean snapshot = true;
    @UriParam(description = "Names this watch in the state table; default: filesync-watch: and the absolute target")
    private String stateKey;
    @UriParam(defaultValue = "filesyncDataSource", description = "Registry name of the DataSource keeping the snapshot")
    private String dataSource = "filesyncDataSource";
    @UriParam(defaultValue = "none", enums = "none,text,bytes", description = "Whether created and updated file events carry the content")
    private String content = "none";
    @UriParam(defaultValue = "UTF-8", description = "Charset of text content")
    private String charset = "UTF-8";
    @UriParam(defaultValue = "65536", description = "Longest content carried, in bytes; longer files are cut and flagged")
    private int maxContentBytes = 64 * 1024;
    @UriParam(defaultValue = "false", description = "Whether the very first start reports everything already there as created")
    private boolean emitExisting;
    @UriParam(defaultValue = "5000", description = "Milliseconds after an event whose route failed (after its own retries) before it is reported again; doubled after each failure in a row, up to 5 minutes")
    private long redeliveryDelay = 5000;
    @UriParam(defaultValue = "filesyncErrors", description = "Registry name of the ErrorRecorder told about unwatchable paths; ignored if absent")
    private String errorRecorder = "filesyncErrors";

    public WatchEndpoint(String uri, WatchComponent component, String target) {
        super(uri, component);
        this.target = target;
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException(WatchComponent.SCHEME + " only consumes: use it in from:");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        WatchConsumer consumer = new WatchConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    /** The watcher options these endpoint options stand for. */
    public WatchOptions watchOptions() {
        return WatchOptions.builder(targetPath()).recursive(recursive).settleTime(Duration.ofMillis(settleTime))
                .moveWindow(Duration.ofMillis(moveWindow)).maxSettleTime(Duration.ofMillis(maxSettleTime)).contentMode(ContentMode.valueOf(content.toUpperCase(Locale.ROOT)))
                .charset(Charset.forName(charset)).maxContentBytes(maxContentBytes).emitExisting(emitExisting)
                .redeliveryDelay(Duration.ofMillis(redeliveryDelay)).build();
    }

    /** Where the snapshot lives: the shared database under the state key, or nowhere when snapshot=false. */
    SnapshotStore snapshotStore() {
        if (!snapshot) {
            return SnapshotStore.none();
        }
        DataSource db = getCamelContext().getRegistry().lookupByNameAndType(dataSource, DataSource.class);
        if (db == null) {
            throw new IllegalStateException(WatchComponent.SCHEME + ":" + target + ": no DataSource bean named '"
                    + dataSource + "' for the persisted snapshot; declare one, set dataSource, or set snapshot=false");
        }
        return new DatabaseSnapshotStore(db, effectiveStateKey());
    }

    public String effectiveStateKey() {
        return stateKey != null && !stateKey.isBlank() ? stateKey : WatchComponent.SCHEME + ":" + targetPath();
    }

    public Path targetPath() {
        return Path.of(target).toAbsolutePath().normalize();
    }

    public String getTarget() {
        return target;
    }

    public boolean isRecursive() {
        return recursive;
    }

    public void setRecursive(boolean recursive) {
        this.recursive = recursive;
    }

    public long getSettleTime() {
        return settleTime;
    }

    public void setSettleTime(long settleTime) {
        this.settleTime = settleTime;
    }

    public long getMaxSettleTime() {
        return maxSettleTime;
    }

    public void setMaxSettleTime(long maxSettleTime) {
        this.maxSettleTime = maxSettleTime;
    }

    public long getMoveWindow() {
        return moveWindow;
    }

    public void setMoveWindow(long moveWindow) {
        this.moveWindow = moveWindow;
    }

    public boolean isSnapshot() {
        return snapshot;
    }

    public void setSnapshot(boolean snapshot) {
        this.snapshot = snapshot;
    }

    public String getStateKey() {
        return stateKey;
    }

    public void setStateKey(String stateKey) {
        this.stateKey = stateKey;
    }

    public String getDataSource() {
        return dataSource;
    }

    public void setDataSource(String dataSource) {
        this.dataSource = dataSource;
    }

    public String getContent() {
        return content;
    }

    public void setContent(String content) {
        ContentMode.valueOf(content.toUpperCase(Locale.ROOT));
        this.content = content;
    }

    public String getCharset() {
        return charset;
    }

    public void setCharset(String charset) {
        this.charset = charset;
    }

    public int getMaxContentBytes() {
        return maxContentBytes;
    }

    public void setMaxContentBytes(int maxContentBytes) {
        this.maxContentBytes = maxContentBytes;
    }

    public boolean isEmitExisting() {
        return emitExisting;
    }

    public void setEmitExisting(boolean emitExisting) {
        this.emitExisting = emitExisting;
    }

    public String getErrorRecorder() {
        return errorRecorder;
    }

    public void setErrorRecorder(String errorRecorder) {
        this.errorRecorder = errorRecorder;
    }

    public long getRedeliveryDelay() {
        return redeliveryDelay;
    }

    public void setRedeliveryDelay(long redeliveryDelay) {
        this.redeliveryDelay = redeliveryDelay;
    }
}
