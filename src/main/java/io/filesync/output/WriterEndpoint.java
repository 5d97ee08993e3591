package io.filesync.output;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

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
 * Applies write commands under one output root through a {@link SandboxedWriter}. Producer only.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = WriterComponent.SCHEME, title = "filesync sandboxed writer",
        syntax = "filesync-writer:root", producerOnly = true, category = {Category.FILE}, headersClass = WriterHeaders.class)
public class WriterEndpoint extends DefaultEndpoint {

    @UriPath(description = "The output root: nothing is ever written outside it")
    @Metadata(required = true)
    private final String root;
    @UriParam(defaultValue = "10485760", description = "Largest content one write may carry, in bytes")
    private long maxBytes = 10L * 1024 * 1024;
    @UriParam(description = "Comma-separated folders or files other routes read; the root may not be, contain or lie inside any of them")
    private String watchedInputs = "";

    public WriterEndpoint(String uri, WriterComponent component, String root) {
        super(uri, component);
        this.root = root;
    }

    @Override
    public Producer createProducer() {
        return new WriterProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException(WriterComponent.SCHEME + " only writes: use it in to:");
    }

    /** A writer for these options; refuses a root that overlaps a watched input. */
    SandboxedWriter newWriter() {
        return new SandboxedWriter(Path.of(root), maxBytes, watchedInputList());
    }

    /** Fails when the root overlaps a watched input, without creating anything. */
    void refuseOverlap() {
        OutputRoots.refuseOverlap(Path.of(root).toAbsolutePath().normalize(), watchedInputList());
    }

    List<Path> watchedInputList() {
        return Arrays.stream(watchedInputs.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(Path::of).toList();
    }

    public String getRoot() {
        return root;
    }

    public long getMaxBytes() {
        return maxBytes;
    }

    public void setMaxBytes(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    public String getWatchedInputs() {
        return watchedInputs;
    }

    public void setWatchedInputs(String watchedInputs) {
        this.watchedInputs = watchedInputs == null ? "" : watchedInputs;
    }
}
