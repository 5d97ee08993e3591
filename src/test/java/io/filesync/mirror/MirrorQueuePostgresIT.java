package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import io.filesync.servers.PostgresServer;
import io.filesync.servers.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The durable queue's per-path statements (two index lookups joined) on the real PostgreSQL, as on SQLite. */
@ExtendWith(TestServers.class)
class MirrorQueuePostgresIT {

    private HikariDataSource db;

    @BeforeEach
    void open() {
        PostgresServer.TestDatabase database = TestServers.postgres().createDatabase();
        db = DataSources.pooled(database.jdbcUrl(), database.username(), database.password(), 2);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aPathsActionsAreFoundByItsPathAndByWhereAMoveCameFrom() throws Exception {
        ActionQueue queue = new ActionQueue(db, "photos");
        assertThat(queue.enqueue(ActionKind.SEND, "a.jpg", null, "1|1", false)).isEqualTo(ActionQueue.Outcome.QUEUED);
        assertThat(queue.enqueue(ActionKind.SEND, "a.jpg", null, "2|2", false)).isEqualTo(ActionQueue.Outcome.COALESCED);
        assertThat(queue.enqueue(ActionKind.SEND, "b.jpg", null, "1|1", false)).isEqualTo(ActionQueue.Outcome.QUEUED);
        // The move drops the waiting send of its source and is found from both of its paths.
        assertThat(queue.enqueue(ActionKind.MOVE, "c.jpg", "b.jpg", "1|1", false)).isEqualTo(ActionQueue.Outcome.QUEUED);
        assertThat(queue.hasPending("b.jpg")).isTrue();
        assertThat(queue.hasPending("c.jpg")).isTrue();
        assertThat(queue.hasPending("d.jpg")).isFalse();
        assertThat(queue.pending()).isEqualTo(2);
        assertThat(queue.due(Long.MAX_VALUE, 10)).extracting(MirrorAction::path, MirrorAction::version)
                .containsExactly(tuple("a.jpg", "2|2"), tuple("c.jpg", "1|1"));
        assertThat(indexes()).contains("filesync_mirror_queue_path_state", "filesync_mirror_queue_previous")
                .doesNotContain("filesync_mirror_queue_path");
    }

    private List<String> indexes() throws Exception {
        List<String> names = new ArrayList<>();
        try (Connection connection = db.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT indexname FROM pg_indexes WHERE tablename = '" + ActionQueue.TABLE + "'")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }
}
