package io.filesync.watch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects what a watcher reports, for assertions. */
final class RecordingListener implements ChangeListener {

    final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    final List<String> problems = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(ChangeEvent event) {
        events.add(event);
    }

    @Override
    public void onProblem(Path path, String reason) {
        problems.add(path + ": " + reason);
    }

    /** Events in short form, e.g. {@code FILE_MOVED a -> b}, without sizes or times. */
    List<String> described() {
        List<String> out = new ArrayList<>();
        for (ChangeEvent e : events) {
            out.add(describe(e));
        }
        return out;
    }

    static String describe(ChangeEvent e) {
        return e.type() + " " + (e.previousPath() != null ? e.previousPath() + " -> " : "") + e.path();
    }
}
