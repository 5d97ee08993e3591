package io.filesync.watch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a detected change into a {@link ChangeEvent}, with the file's content when configured, and delivers it. A
 * listener that throws did not take the event: the caller undoes the change in its model so it is reported again.
 */
final class EventEmitter {

    private static final Logger LOG = LoggerFactory.getLogger(EventEmitter.class);

    private final WatchOptions options;
    private final ChangeListener listener;

    EventEmitter(WatchOptions options, ChangeListener listener) {
        this.options = options;
        this.listener = listener;
    }

    /** Returns whether the listener took the event. */
    boolean emit(ChangeType type, Path root, Path path, Path previous, FileState state) {
        Path absolute = root.resolve(path);
        boolean fileEvent = !state.directory();
        ChangeEvent event = ChangeEvent.of(type, path.toString(), absolute.toString(), SnapshotPaths.uriOf(absolute),
                previous == null ? null : previous.toString(), state.directory(), System.currentTimeMillis(),
                fileEvent ? state.size() : null);
        if (fileEvent && options.contentMode() != ContentMode.NONE && !type.isDeletion() && type != ChangeType.FILE_MOVED) {
            event = withContent(event, absolute);
        }
        try {
            listener.onEvent(event);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("{} {} was not delivered ({}); it will be reported again", event.type(), absolute, e.getMessage());
            return false;
        }
    }

    private ChangeEvent withContent(ChangeEvent event, Path file) {
        int cap = options.maxContentBytes();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(cap);
            boolean truncated = in.read() >= 0;
            return options.contentMode() == ContentMode.BYTES ? event.withBytes(head, truncated)
                    : event.withText(options.charset().decode(ByteBuffer.wrap(head)).toString(),
                    options.charset().name(), truncated);
        } catch (IOException e) {
            listener.onProblem(file, "content not included: " + TreeKeys.describe(e));
            return event;
        }
    }
}
