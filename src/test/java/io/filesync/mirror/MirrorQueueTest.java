package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import io.filesync.core.retry.Backoff;
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
        claim(running);
        for (int i = 2; i <= 1001; i++) {
            queue.enqueue(ActionKind.SEND, "a.jpg", null, i + "|" + i, false);
        }
        assertThat(queue.pending()).isEqualTo(2);
        // The waiting send may not overtake the running one on the same path.
        assertThat(queue.due(Long.MAX_VALUE, 10)).isEmpty();
        settle(running, Settlement.Disposition.DONE, 0, null);
        List<MirrorAction> next = queue.due(Long.MAX_VALUE, 10);
        assertThat(next).singleElement().satisfies(action -> assertThat(action.version()).isEqualTo("1001|1001"));
    }

    @Test
    void aSendBelowAFolderBeingMovedWaitsForTheMoveAndAFolderActionWaitsForEarlierActionsBelowIt() throws Exception {
        queue.enqueue(ActionKind.MOVE, "album-2024", "album", null, true);
        claim(queue.due(Long.MAX_VALUE, 10).get(0));
        queue.enqueue(ActionKind.SEND, "album-2024/nested/1.jpg", null, "1|1", false);
        queue.enqueue(ActionKind.SEND, "album/2.jpg", null, "1|1", false);
        queue.enqueue(ActionKind.SEND, "album-2024.txt", null, "1|1", false);
        // Only the file beside the folder may run while the folder is renamed.
        assertThat(queue.due(Long.MAX_VALUE, 10)).extracting(MirrorAction::path).containsExactly("album-2024.txt");

        queue.enqueue(ActionKind.SEND, "docs/a.txt", null, "1|1", false);
        queue.enqueue(ActionKind.DELETE, "docs", null, null, true);
        assertThat(queue.due(Long.MAX_VALUE, 10)).extracting(MirrorAction::path).containsExactly("album-2024.txt", "docs/a.txt");
    }

    @Test
    void aSendOfTheVersionASendIsAlreadySendingIsSkippedAndANewerOneQueued() throws Exception {
        queue.enqueue(ActionKind.SEND, "a.jpg", null, "1|1", false);
        claim(queue.due(Long.MAX_VALUE, 10).get(0));
        assertThat(queue.enqueue(ActionKind.SEND, "a.jpg", null, "1|1", false)).isEqualTo(ActionQueue.Outcome.SKIPPED);
        assertThat(queue.pending()).isEqualTo(1);
        assertThat(queue.enqueue(ActionKind.SEND, "a.jpg", null, "2|2", false)).isEqualTo(ActionQueue.Outcome.QUEUED);
        assertThat(queue.pending()).isEqualTo(2);
    }

    @Test
    void actionsOnOnePathRunInOrderAndOtherPathsAreNotHeldUp() throws Exception {
        queue.enqueue(ActionKind.SEND, "a.txt", null, "1|1", false);
        MirrorAction sending = queue.due(Long.MAX_VALUE, 10).get(0);
        claim(sending);
        queue.enqueue(ActionKind.SEND, "b.txt", null, "1|1", false);
        queue.enqueue(ActionKind.MOVE, "c.txt", "a.txt", "1|1", false);
        queue.enqueue(ActionKind.DELETE, "c.txt", null, null, false);
        // The move waits for the send of its source; the delete waits for the move.
        assertThat(queue.due(Long.MAX_VALUE, 10)).extracting(MirrorAction::path).containsExactly("b.txt");
        settle(sending, Settlement.Disposition.DONE, 0, null);
        assertThat(queue.due(Long.MAX_VALUE, 10)).extracting(MirrorAction::kind).containsExactly(ActionKind.SEND, ActionKind.MOVE);
    }

    @Test
    void aSendAfterAMoveOfTheSameVersionIsSkippedNotReUploaded() throws Exception {
        queue.enqueue(ActionKind.SEND, "a.txt", null, "5|9", false);
        MirrorAction sent = queue.due(Long.MAX_VALUE, 1).get(0);
        claim(sent);
        settle(sent, Settlement.Disposition.DONE, 0, null);
        queue.enqueue(ActionKind.MOVE, "b.txt", "a.txt", "5|9", false);
        assertThat(queue.enqueue(ActionKind.SEND, "b.txt", null, "5|9", false)).isEqualTo(ActionQueue.Outcome.SKIPPED);
        assertThat(queue.enqueue(ActionKind.SEND, "b.txt", null, "6|10", false)).isEqualTo(ActionQueue.Outcome.QUEUED);
    }

    @Test
    void aMoveReplacesAWaitingSendOfItsDestinationOnlyWhenItBringsTheSameVersion() throws Exception {
        queue.enqueue(ActionKind.SEND, "b.txt", null, "5|9", false);
        assertThat(queue.enqueue(ActionKind.MOVE, "b.txt", "a.txt", "5|9", false)).isEqualTo(ActionQueue.Outcome.REPLACED_SEND);
        assertThat(queue.due(Long.MAX_VALUE, 10)).extracting(MirrorAction::kind).containsExactly(ActionKind.MOVE);

        queue.enqueue(ActionKind.SEND, "d.txt", null, "7|7", false);
        assertThat(queue.enqueue(ActionKind.MOVE, "d.txt", "c.txt", "6|6", false)).isEqualTo(ActionQueue.Outcome.QUEUED);
        queue.enqueue(ActionKind.SEND, "f.txt", null, "8|8", false);
        MirrorAction running = queue.due(Long.MAX_VALUE, 10).stream().filter(a -> a.path().equals("f.txt")).findFirst().orElseThrow();
        claim(running);
        // A send already under way is not replaced: the move then renames over what it sent.
        assertThat(queue.enqueue(ActionKind.MOVE, "f.txt", "e.txt", "8|8", false)).isEqualTo(ActionQueue.Outcome.QUEUED);
        assertThat(queue.pending()).isEqualTo(5);
    }

    @Test
    void whatWasRunningWhenTheProcessDiedRunsAgainAfterARestart() throws Exception {
        queue.enqueue(ActionKind.SEND, "a.txt", null, "1|1", false);
        claim(queue.due(Long.MAX_VALUE, 1).get(0));
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
        claim(due.get(0));
        claim(due.get(1));
        settle(due.get(0), Settlement.Disposition.RETRY_COUNTED, 5_000, "unreadable");
        settle(due.get(1), Settlement.Disposition.FAILED, 0, "name refused");
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
    void everyStatementOnOnePathSearchesByThatPathNotThroughTheWholeQueue() throws Exception {
        // A queue as an initial sync leaves it: many queued sends, one running, in the same mapping.
        for (int i = 0; i < 200; i++) {
            queue.enqueue(ActionKind.SEND, "d/f" + i, null, "1|1", false);
        }
        claim(queue.due(Long.MAX_VALUE, 1).get(0));
        for (String template : List.of(ActionQueue.PATH_ACTIONS, ActionQueue.PATH_PENDING, ActionQueue.DROP_FAILED,
                ActionQueue.DROP_WAITING_SEND)) {
            List<String> plan = new ArrayList<>();
            try (Connection connection = db.getConnection();
                 PreparedStatement explain = connection.prepareStatement("EXPLAIN QUERY PLAN "
                         + String.format(template, ActionQueue.TABLE))) {
                for (int i = 1; i <= explain.getParameterMetaData().getParameterCount(); i++) {
                    explain.setString(i, i % 2 == 1 ? "photos" : "d/f7");
                }
                try (ResultSet rows = explain.executeQuery()) {
                    while (rows.next()) {
                        plan.add(rows.getString("detail"));
                    }
                }
            }
            List<String> lookups = plan.stream().filter(step -> step.startsWith("SEARCH") || step.startsWith("SCAN")).toList();
            assertThat(lookups).as(template).isNotEmpty()
                    .allSatisfy(step -> assertThat(step).as(template).containsPattern("\\((mapping=\\? AND )(previous_)?path=\\?"));
        }
        // And they still find what they look for.
        assertThat(queue.hasPending("d/f7")).isTrue();
        assertThat(queue.hasPending("d/nothing")).isFalse();
        assertThat(queue.enqueue(ActionKind.MOVE, "e/f7", "d/f7", "1|1", false)).isEqualTo(ActionQueue.Outcome.QUEUED);
        assertThat(queue.hasPending("d/f7")).as("a move from the path").isTrue();
        assertThat(queue.pending()).isEqualTo(200);
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

    /** Marks an action running, as the dispatcher's claim does. */
    private void claim(MirrorAction action) throws SQLException {
        queue.write(connection -> queue.claim(connection, List.of(action)));
    }

    /** Records how an action ended, as the dispatcher's batch commit does. */
    private void settle(MirrorAction action, Settlement.Disposition disposition, long dueAtMillis, String error) throws SQLException {
        queue.write(connection -> {
            queue.settle(connection, List.of(new Settlement(action, disposition, dueAtMillis, error, List.of(), Map.of())));
            return null;
        });
    }
}
