package io.filesync.tail;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the engine picks up files at start, given what earlier runs stored. */
class TailEngineTest {

    @TempDir
    Path dir;

    private HikariDataSource dataSource;
    private TailOffsets offsets;
    private final LineReader reader = new LineReader(StandardCharsets.UTF_8, 1024, 100);

    @BeforeEach
    void open() {
        dataSource = DataSources.pooled("jdbc:sqlite:" + dir.resolve("state.db"), null, null, 2);
        offsets = new TailOffsets(dataSource, "engine-test");
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    private TailBatch firstBatch(TailEngine engine) throws Exception {
        engine.scan();
        String key = engine.nextReady(1000);
        assertThat(key).as("a file with unread lines").isNotNull();
        return engine.read(key);
    }

    @Test
    void aReusedInodeWithOtherContentIsReadFromItsStart() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("logs"));
        Path log = Files.writeString(folder.resolve("app.log"), "new file, line 1\nnew file, line 2\n");
        String fileKey = FileIdentity.fileKey(log);
        // What an earlier run stored for the file that had this inode before: read up to byte 20, other first bytes.
        TailPosition stale = new TailPosition(fileKey, "old.log", 20, "00".repeat(32), 20, 3);

        try (TailEngine engine = new TailEngine(folder, path -> true, false, reader, offsets, Map.of(fileKey, stale), false, 1000)) {
            TailBatch batch = firstBatch(engine);
            assertThat(batch.lines()).extracting(TailLine::text).containsExactly("new file, line 1", "new file, line 2");
            assertThat(batch.lines().get(0).lineNumber()).isEqualTo(1);
        }
    }

    @Test
    void theSameFileContinuesWhereTheStoredPositionSays() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("logs"));
        Path log = Files.writeString(folder.resolve("app.log"), "one\ntwo\nthree\n");
        String fileKey = FileIdentity.fileKey(log);
        TailPosition stored;
        try (var channel = java.nio.channels.FileChannel.open(log)) {
            stored = new TailPosition(fileKey, "app.log", 8, FileIdentity.fingerprint(channel, 8), 8, 2);
        }
        try (TailEngine engine = new TailEngine(folder, path -> true, false, reader, offsets, Map.of(fileKey, stored), false, 1000)) {
            TailBatch batch = firstBatch(engine);
            assertThat(batch.lines()).extracting(TailLine::text).containsExactly("three");
            assertThat(batch.lines().get(0).lineNumber()).isEqualTo(3);
        }
    }

    @Test
    void startAtEndSkipsWhatFilesHeldAtTheFirstStartButNotWhatFollows() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("logs"));
        Path log = Files.writeString(folder.resolve("app.log"), "old 1\nold 2\nhalf");
        try (TailEngine engine = new TailEngine(folder, path -> true, false, reader, offsets, Map.of(), true, 1000)) {
            engine.scan();
            String key = engine.nextReady(1000);
            assertThat(engine.read(key)).as("only the unfinished line follows the start position").isNull();

            Files.writeString(log, " done\nnew\n", java.nio.file.StandardOpenOption.APPEND);
            engine.scan();
            TailBatch batch = engine.read(engine.nextReady(1000));
            assertThat(batch.lines()).extracting(TailLine::text).containsExactly("half done", "new");
            assertThat(batch.lines()).as("line numbers as in the file").extracting(TailLine::lineNumber).containsExactly(3L, 4L);
        }
    }
}
