package io.filesync.watch;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * Changes waiting for time to pass: files waiting for their settle time, and vanished paths waiting the move
 * window for their reappearance under another name. One timer queue serves both; timers are never removed, a timer
 * whose entry moved on is simply ignored when it comes due.
 */
final class PendingChanges {

    /** A file waiting to settle, or a vanished path waiting to be paired. */
    static final class Entry {
        FileState state;
        long due;
        /** When the wait began, for the longest settle time. */
        final long since;

        Entry(FileState state, long due, long since) {
            this.state = state;
            this.due = due;
            this.since = since;
        }
    }

    record Timer(long due, long sequence, Path path, boolean disappearance) {
    }

    private final Map<Path, Entry> settling = new HashMap<>();
    private final Map<Path, Entry> vanished = new LinkedHashMap<>();
    /** Index of {@link #vanished} by identity; may hold stale entries, so every hit is checked against the map. */
    private final Map<String, Path> vanishedByIdentity = new HashMap<>();
    /** Due first; equal deadlines in scheduling order, so changes settle in the order they were seen. */
    private final PriorityQueue<Timer> timers =
            new PriorityQueue<>(Comparator.comparingLong(Timer::due).thenComparingLong(Timer::sequence));
    private long sequence;

    Entry settling(Path path) {
        return settling.get(path);
    }

    boolean isSettling(Path path) {
        return settling.containsKey(path);
    }

    Entry stopSettling(Path path) {
        return settling.remove(path);
    }

    /** (Re)starts the settle wait of a file with its latest state. */
    void settle(Path path, FileState state, long now, long settleMs, long maxSettleMs) {
        long due = now + settleMs;
        Entry entry = settling.get(path);
        if (entry == null) {
            settling.put(path, new Entry(state, due, now));
            if (maxSettleMs > 0) {
                timers.add(new Timer(now + maxSettleMs, sequence++, path, false));
            }
        } else {
            entry.state = state;
            entry.due = due;
        }
        timers.add(new Timer(due, sequence++, path, false));
    }

    void retainSettling(Predicate<Path> keep) {
        settling.keySet().removeIf(keep.negate());
    }

    Entry vanished(Path path) {
        return vanished.get(path);
    }

    void vanish(Path path, FileState state, long due) {
        vanished.put(path, new Entry(state, due, due));
        vanishedByIdentity.put(state.identity(), path);
        timers.add(new Timer(due, sequence++, path, true));
    }

    Entry unvanish(Path path) {
        return vanished.remove(path);
    }

    /** The vanished path with this identity, if one waits. */
    Path vanishedWithIdentity(String identity) {
        if (vanished.isEmpty()) {
            vanishedByIdentity.clear();
            return null;
        }
        Path path = vanishedByIdentity.get(identity);
        Entry entry = path == null ? null : vanished.get(path);
        return entry != null && entry.state.identity().equals(identity) ? path : null;
    }

    void clearVanished() {
        vanished.clear();
    }

    /** A folder moved: what waits below it now waits below its new name. */
    void moveUnder(Path from, Path to) {
        rekey(settling, from, to);
        rekey(vanished, from, to);
    }

    /** A folder is gone: nothing below it waits any more (the folder's own vanishing entry is kept). */
    void dropUnder(Path dir) {
        settling.keySet().removeIf(p -> p.startsWith(dir));
        vanished.keySet().removeIf(p -> p.startsWith(dir) && !p.equals(dir));
    }

    void clear() {
        settling.clear();
        vanished.clear();
        vanishedByIdentity.clear();
        timers.clear();
    }

    long nextDue() {
        Timer next = timers.peek();
        return next == null ? Long.MAX_VALUE : next.due();
    }

    /** The next timer due at {@code now}, or null. */
    Timer pollDue(long now) {
        return !timers.isEmpty() && timers.peek().due() <= now ? timers.poll() : null;
    }

    private static void rekey(Map<Path, Entry> map, Path from, Path to) {
        Map<Path, Entry> moved = new HashMap<>();
        map.entrySet().removeIf(entry -> {
            if (entry.getKey().startsWith(from)) {
                moved.put(to.resolve(from.relativize(entry.getKey())), entry.getValue());
                return true;
            }
            return false;
        });
        map.putAll(moved);
    }
}
