package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorQueueTest {

    @TempDir
    Path dir;

    private HikariDataSource db;
    private ActionQueue queue;

    @BeforeEach
    void open() {
        db = DataSources.pooled("jdbc:sqlite:" + dir.resolve("q.db"), null, null, 2);
        queue = new ActionQueue(db, "photos");
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aThousandRewritesWhileOneSendRunsGiveOneMoreSendWithTheLatestVersion() throws Exception {
        assertThat(queue.enqueue(ActionKind.SEND, "a.jpg", null, "1|1", false)).isEqualTo(ActionQueue.Outcome.QUEUED);
        MirrorAction running = queue.due(Long.MAX_VALUE, 10).get(0);
        queue.start(running.id());
        for (int i = 2; i <= 1001; i++) {
            queue.enqueue(ActionKind.SEND, "a.jpg", null, i + "|" + i, false);
        }
        assertThat(queue.pending()).isEqualTo(2);
        // The waiting send may not overtake the running one on the same path.
        assertThat(queue.due(Long.MAX_VALUE, 10)).isEmpty();
        queue.complete(running.id());
        List<MirrorAction> next = queue.due(Long.MAX_VALUE, 10);
        assertThat(next).singleElement().satisfies(action -> assertThat(action.version()).isEqualTo("1001|1001"));
    }

    @Test
    void actionsOnOnePathRunInOrderAndOtherPathsAreNotHeldUp() throws Exception {
        queue.enqueue(ActionKind.SEND, "a.txt", null, "1|1", false);
        long sending = queue.due(Long.MAX_VALUE, 10).get(0).id();
        queue.start(sending);
        queue.enqueue(ActionKind.SEND, "b.txt", null, "1|1", false);
        queue.enqueue(ActionKind.MOVE, "c.txt", "a.txt", "1|1", false);
        queue.enqueue(ActionKind.DELETE, "c.txt", null, null, false);
        // The move waits for the send of its source; the delete waits for the move.
        assertThat(queue.due(Long.MAX_VALUE, 10)).extracting(MirrorAction::path).containsExactly("b.txt");
        queue.complete(sending);
        assertThat(queue.due(Long.MAX_VALUE, 10)).extracting(MirrorAction::kind).containsExactly(ActionKind.SEND, ActionKind.MOVE);
    }

    @Test
    void aSendAfterAMoveOfTheSameVersionIsSkippedNotReUploaded() throws Exception {
        queue.enqueue(ActionKind.SEND, "a.txt", null, "5|9", false);
        queue.complete(queue.due(Long.MAX_VALUE, 1).get(0).id());
        queue.enqueue(ActionKind.MOVE, "b.txt", "a.txt", "5|9", false);
        assertThat(queue.enqueue(ActionKind.SEND, "b.txt", null, "5|9", false)).isEqualTo(ActionQueue.Outcome.SKIPPED);
        assertThat(queue.enqueue(ActionKind.SEND, "b.txt", null, "6|10", false)).isEqualTo(ActionQueue.Outcome.QUEUED);
    }

    @Test
    void whatWasRunningWhenTheProcessDiedRunsAgainAfterARestart() throws Exception {
        queue.enqueue(ActionKind.SEND, "a.txt", null, "1|1", false);
        queue.start(queue.due(Long.MAX_VALUE, 1).get(0).id());
        // A new queue over the same database is what a restart after kill -9 sees.
        ActionQueue restarted = new ActionQueue(db, "photos");
        assertThat(restarted.due(Long.MAX_VALUE, 10)).isEmpty();
        assertThat(restarted.requeueRunning()).isEqualTo(1);
        assertThat(restarted.due(Long.MAX_VALUE, 10)).extracting(MirrorAction::path).containsExactly("a.txt");
    }

    @Test
    void aFailedActionWaitsForItsDueTimeAndBadInputIsSupersededByTheNextChange() throws Exception {
        queue.enqueue(ActionKind.SEND, "a.txt", null, "1|1", false);
        queue.enqueue(ActionKind.SEND, "b.txt", null, "1|1", false);
        List<MirrorAction> due = queue.due(0, 10);
        queue.retryAt(due.get(0).id(), 5_000, true, "unreadable");
        queue.fail(due.get(1).id(), "name refused");
        assertThat(queue.due(4_999, 10)).isEmpty();
        assertThat(queue.due(5_000, 10)).singleElement().satisfies(a -> assertThat(a.attempts()).isEqualTo(1));
        assertThat(queue.pending()).isEqualTo(1);
        queue.enqueue(ActionKind.SEND, "b.txt", null, "2|2", false);
        assertThat(queue.due(0, 10)).extracting(MirrorAction::path).containsExactly("b.txt");
    }

    @Test
    void mappingsDoNotSeeEachOthersActions() throws Exception {
        queue.enqueue(ActionKind.SEND, "a.txt", null, "1|1", false);
        assertThat(new ActionQueue(db, "videos").due(Long.MAX_VALUE, 10)).isEmpty();
    }

    @Test
    void backoffDoublesWithJitterUpToTheCap() {
        Backoff backoff = new Backoff(100, 1_000);
        for (int attempt = 0; attempt < 40; attempt++) {
            long delay = backoff.delayMillis(attempt);
            long ceiling = Math.min(1_000, 100L << Math.min(attempt, 30));
            assertThat(delay).isBetween(ceiling / 2, ceiling);
        }
    }
}
