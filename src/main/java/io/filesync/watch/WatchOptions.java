package io.filesync.watch;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link TreeWatcher} watches its target. Immutable; build with {@link #builder(Path)}, whose setters document
 * each default.
 */
public final class WatchOptions {

    private final Path target;
    private final boolean recursive;
    private final Duration settleTime;
    private final Duration moveWindow;
    private final Duration maxSettleTime;
    private final ContentMode contentMode;
    private final Charset charset;
    private final int maxContentBytes;
    private final boolean emitExisting;
    private final Duration rescanDelay;
    private final Duration verifyInterval;
    private final Duration redeliveryDelay;

    private WatchOptions(Builder b) {
        this.target = b.target.toAbsolutePath().normalize();
        this.recursive = b.recursive;
        this.settleTime = b.settleTime;
        this.moveWindow = b.moveWindow;
        this.maxSettleTime = b.maxSettleTime;
        this.contentMode = b.contentMode;
        this.charset = b.charset;
        this.maxContentBytes = b.maxContentBytes;
        this.emitExisting = b.emitExisting;
        this.rescanDelay = b.rescanDelay;
        this.verifyInterval = b.verifyInterval;
        this.redeliveryDelay = b.redeliveryDelay;
    }

    public static Builder builder(Path target) {
        return new Builder(target);
    }

    /** The watched file or folder, absolute and normalised. */
    public Path target() {
        return target;
    }

    public boolean recursive() {
        return recursive;
    }

    public Duration settleTime() {
        return settleTime;
    }

    public Duration moveWindow() {
        return moveWindow;
    }

    public Duration maxSettleTime() {
        return maxSettleTime;
    }

    public ContentMode contentMode() {
        return contentMode;
    }

    public Charset charset() {
        return charset;
    }

    public int maxContentBytes() {
        return maxContentBytes;
    }

    public boolean emitExisting() {
        return emitExisting;
    }

    public Duration rescanDelay() {
        return rescanDelay;
    }

    public Duration verifyInterval() {
        return verifyInterval;
    }

    public Duration redeliveryDelay() {
        return redeliveryDelay;
    }

    /** Builds {@link WatchOptions}; every setter names its default. */
    public static final class Builder {
        private final Path target;
        private boolean recursive = true;
        private Duration settleTime = Duration.ofMillis(250);
        private Duration moveWindow = Duration.ofMillis(30);
        private Duration maxSettleTime = Duration.ZERO;
        private ContentMode contentMode = ContentMode.NONE;
        private Charset charset = StandardCharsets.UTF_8;
        private int maxContentBytes = 64 * 1024;
        private boolean emitExisting;
        private Duration rescanDelay = Duration.ofMillis(50);
        private Duration verifyInterval = Duration.ofSeconds(1);
        private Duration redeliveryDelay = Duration.ofSeconds(5);

        private Builder(Path target) {
            this.target = Objects.requireNonNull(target, "target");
        }

        /** Whether sub-folders are watched too. Default true; false watches the folder's direct entries only. */
        public Builder recursive(boolean recursive) {
            this.recursive = recursive;
            return this;
        }

        /**
         * How long a file must go unchanged before its created or updated event is emitted. Default 250 ms. A file
         * written more slowly than that (a gap longer than the settle time) gives a created and then updated events.
         */
        public Builder settleTime(Duration settleTime) {
            this.settleTime = requireNotNegative(settleTime, "settleTime");
            return this;
        }

        /**
         * The longest a file that never stops changing (a busy log) waits for its event: after this long it is
         * reported as it is, and settles again for what follows. Default zero: wait until it is quiet, however long.
         */
        public Builder maxSettleTime(Duration maxSettleTime) {
            this.maxSettleTime = requireNotNegative(maxSettleTime, "maxSettleTime");
            return this;
        }

        /**
         * How long a disappeared path waits for its reappearance under another name (same device and inode) before it
         * counts as deleted. Default 30 ms: the kernel reports both halves of a rename together, so this only covers
         * scheduling delays; it is also the latency of delete events.
         */
        public Builder moveWindow(Duration moveWindow) {
            this.moveWindow = requireNotNegative(moveWindow, "moveWindow");
            return this;
        }

        /** Whether created and updated file events carry the content. Default {@link ContentMode#NONE}. */
        public Builder contentMode(ContentMode contentMode) {
            this.contentMode = Objects.requireNonNull(contentMode, "contentMode");
            return this;
        }

        /** Charset for {@link ContentMode#TEXT}. Default UTF-8. */
        public Builder charset(Charset charset) {
            this.charset = Objects.requireNonNull(charset, "charset");
            return this;
        }

        /** Longest content carried, in bytes; a longer file is cut and flagged truncated. Default 64 KiB. */
        public Builder maxContentBytes(int maxContentBytes) {
            if (maxContentBytes < 0) {
                throw new IllegalArgumentException("maxContentBytes must be >= 0, was " + maxContentBytes);
            }
            this.maxContentBytes = maxContentBytes;
            return this;
        }

        /**
         * Whether the very first start (no snapshot known for this target yet) emits TARGET_CREATED and a created event
         * for everything already there, as if it all just appeared. Default false: the first start takes a silent baseline, later starts report what changed.
         */
        public Builder emitExisting(boolean emitExisting) {
            this.emitExisting = emitExisting;
            return this;
        }

        /** How long after a kernel queue overflow the rescan runs, so a storm of overflows costs one rescan. Default 50 ms. */
        public Builder rescanDelay(Duration rescanDelay) {
            this.rescanDelay = requireNotNegative(rescanDelay, "rescanDelay");
            return this;
        }

        /**
         * How often the target and the folder watched for it are checked by identity, a safety net for changes no
         * watch reports (an ancestor folder renamed). Default 1 s.
         */
        public Builder verifyInterval(Duration verifyInterval) {
            this.verifyInterval = requireNotNegative(verifyInterval, "verifyInterval");
            return this;
        }

        /**
         * How long after an event the listener did not take (it threw: in Camel, the route failed after its own
         * retries) the tree is rescanned to report the change again; doubled after each failure in a row, up to
         * {@link TreeWatcher#MAX_REDELIVERY_DELAY}. Default 5 s.
         */
        public Builder redeliveryDelay(Duration redeliveryDelay) {
            this.redeliveryDelay = requireNotNegative(redeliveryDelay, "redeliveryDelay");
            return this;
        }

        public WatchOptions build() {
            return new WatchOptions(this);
        }

        private static Duration requireNotNegative(Duration value, String name) {
            if (value == null || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be zero or positive, was " + value);
            }
            return value;
        }
    }
}
