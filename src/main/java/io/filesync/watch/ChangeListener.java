package io.filesync.watch;

import java.nio.file.Path;

import org.slf4j.LoggerFactory;

/**
 * Receives the events of a {@link TreeWatcher}, one at a time, in order, on the watcher's thread. A slow listener
 * delays later events but loses none: the kernel queue may overflow meanwhile, and the rescan that follows reports
 * what changed.
 */
@FunctionalInterface
public interface ChangeListener {

    void onEvent(ChangeEvent event);

    /**
     * Something under the target cannot be watched (an unreadable folder, a watch limit reached). Watching goes on for
     * everything else and retries the path when it changes. The default logs a warning.
     *
     * @param path   the absolute path concerned
     * @param reason what is wrong, in words a user understands
     */
    default void onProblem(Path path, String reason) {
        LoggerFactory.getLogger(TreeWatcher.class).warn("{}: {}", path, reason);
    }
}
