package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.BundleBoot;
import io.filesync.core.db.DataSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real sync server and a real sync client, each a full filesync CamelContext with its own database, talking HTTP
 * over loopback. Every test ends with the server's folder byte-for-byte equal to the client's; bytes on the wire
 * are counted by the server.
 */
class SyncIT {

    private static final Path BASE = Path.of("target/sync-it").toAbsolutePath();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TOKEN = "it-secret-token";

    private static int port;
    private static BundleBoot server;
    private static BundleBoot client;

    @BeforeAll
    static void start() throws Exception {
        deleteTree(BASE);
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        server = startServer();
        client = startClient("client", TOKEN);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static BundleBoot startServer() throws Exception {
        return SyncBundles.server(BASE.resolve("server"), port, TOKEN, Map.of());
    }

    private static BundleBoot startClient(String name, String token) throws Exception {
        return SyncBundles.client(BASE.resolve(name), name, port, token, Map.of());
    }

    static SyncServer syncServer(BundleBoot server) {
        return server.main().getCamelContext().getRegistry().lookupByNameAndType("syncServerHttp", SyncServerHttp.class).server();
    }

    private static SyncServer syncServer() {
        return syncServer(server);
    }

    static SyncClient syncClient(BundleBoot boot) {
        return boot.main().getCamelContext().getRegistry().lookupByNameAndType("syncClient", SyncClient.class);
    }

    private static Path local() {
        return BASE.resolve("client/folder");
    }

    private static Path remote() {
        return BASE.resolve("server/files");
    }

    @Test
    void createsModificationsDeletesRenamesMovesAndEmptyFoldersEndByteForByteEqual() throws Exception {
        Path root = local().resolve("tree");
        write(root.resolve("a/b/c/deep.bin"), random(300_000, 1));
        write(root.resolve("a/text.txt"), "hello\n".getBytes(StandardCharsets.UTF_8));
        write(root.resolve("empty-file"), new byte[0]);
        Files.createDirectories(root.resolve("empty/nested-empty"));
        write(root.resolve("doomed/one.bin"), random(70_000, 2));
        write(root.resolve("to-rename.bin"), random(900_000, 3));
        awaitInSync();

        long before = syncServer().chunkBytesReceived();
        write(root.resolve("a/text.txt"), "hello, modified\n".getBytes(StandardCharsets.UTF_8));
        Files.move(root.resolve("to-rename.bin"), root.resolve("renamed.bin"));
        Files.move(root.resolve("renamed.bin"), root.resolve("a/b/moved.bin"));
        Files.move(root.resolve("a/b/c"), root.resolve("c-renamed"));
        Files.move(root.resolve("empty"), root.resolve("a/empty-moved"));
        deleteTree(root.resolve("doomed"));
        awaitInSync();

        // The renames and moves cost no content: only the 16-byte edit crossed the wire.
        assertThat(syncServer().chunkBytesReceived() - before).isEqualTo(16);
        assertThat(syncServer().audit().entries()).anySatisfy(entry -> {
            assertThat(entry.operation()).isEqualTo("move");
            assertThat(entry.path()).isEqualTo("tree/c-renamed");
        });
        assertThat(remote().resolve("tree/a/empty-moved/nested-empty")).isEmptyDirectory();
    }

    @Test
    void twoChangesToTheSameFileInQuickSuccessionTheLastOneWins() throws Exception {
        Path file = local().resolve("quick/twice.bin");
        byte[] first = random(4_000_000, 31);
        byte[] last = random(1_500_000, 32);
        write(file, first);
        write(file, last);
        awaitInSync();
        assertThat(remote().resolve("quick/twice.bin")).hasBinaryContent(last);
    }

    @Test
    void aSymbolicLinkIsNotFollowedNorSyncedAndTheFileItReplacedIsDeletedOnTheServer() throws Exception {
        Path outside = Files.createTempDirectory("sync-outside");
        Path secret = Files.writeString(outside.resolve("secret.txt"), "not for the server");
        write(local().resolve("links/kept.bin"), random(10_000, 41));
        write(local().resolve("links/replaced.bin"), random(10_000, 42));
        awaitInSync();

        Files.delete(local().resolve("links/replaced.bin"));
        Files.createSymbolicLink(local().resolve("links/replaced.bin"), secret);
        Files.createSymbolicLink(local().resolve("links/out"), outside);
        write(local().resolve("links/after.bin"), random(10_000, 43));
        await().atMost(PATIENCE).until(() -> syncClient(client).queue().size() == 0
                && Files.exists(remote().resolve("links/after.bin"))
                && !Files.exists(remote().resolve("links/replaced.bin"), LinkOption.NOFOLLOW_LINKS));

        assertThat(tree(remote().resolve("links"))).containsOnlyKeys("kept.bin", "after.bin");
        assertThat(remote().resolve("links/kept.bin")).hasSameBinaryContentAs(local().resolve("links/kept.bin"));
        assertThat(secret).hasContent("not for the server");

        // The other tests compare whole trees, links followed: the links go, and the folder with them.
        for (String name : List.of("replaced.bin", "out", "kept.bin", "after.bin")) {
            Files.delete(local().resolve("links").resolve(name));
        }
        Files.delete(local().resolve("links"));
        awaitInSync();
    }

    @Test
    void anEmptyFolderIsCreatedAndDeletedOnTheServer() throws Exception {
        Files.createDirectories(local().resolve("hollow/inner"));
        awaitInSync();
        assertThat(remote().resolve("hollow/inner")).isEmptyDirectory();
        Files.delete(local().resolve("hollow/inner"));
        awaitInSync();
        assertThat(remote().resolve("hollow")).isEmptyDirectory();
        Files.delete(local().resolve("hollow"));
        awaitInSync();
        assertThat(remote().resolve("hollow")).doesNotExist();
    }

    @Test
    void aFolderRenameIsARenameOnTheServerWithNoContentSent() throws Exception {
        write(local().resolve("album/one.bin"), random(500_000, 33));
        write(local().resolve("album/sub/two.bin"), random(700_000, 34));
        awaitInSync();
        long before = syncServer().chunkBytesReceived();
        int rows = syncServer().audit().entries().size();

        Files.move(local().resolve("album"), local().resolve("album-renamed"));
        awaitInSync();

        assertThat(syncServer().chunkBytesReceived()).isEqualTo(before);
        List<SyncAudit.Entry> after = syncServer().audit().entries();
        List<SyncAudit.Entry> added = after.subList(rows, after.size());
        assertThat(added).extracting(SyncAudit.Entry::operation, SyncAudit.Entry::path)
                .contains(org.assertj.core.groups.Tuple.tuple("move", "album-renamed"));
        assertThat(added).extracting(SyncAudit.Entry::operation).doesNotContain("commit", "copy");
        assertThat(remote().resolve("album")).doesNotExist();
    }

    @Test
    void aDuplicateFileIsSentWithZeroContentBytes() throws Exception {
        byte[] content = random(3_000_000, 4);
        write(local().resolve("dup/original.bin"), content);
        awaitInSync();
        long before = syncServer().chunkBytesReceived();

        write(local().resolve("dup/copy-under-another-name.bin"), content);
        awaitInSync();

        assertThat(syncServer().chunkBytesReceived()).isEqualTo(before);
        assertThat(syncServer().audit().entries()).anySatisfy(entry -> {
            assertThat(entry.operation()).isEqualTo("copy");
            assertThat(entry.path()).isEqualTo("dup/copy-under-another-name.bin");
            assertThat(entry.bytesReceived()).isZero();
            assertThat(entry.bytesSaved()).isEqualTo(content.length);
        });
    }

    @Test
    void aChunkLackingInSeveralPlacesCrossesTheWireOnce() throws Exception {
        // A block repeated sixteen times (a large file: written with direct I/O), and two new copies of one content.
        byte[] block = random(150_000, 10);
        byte[] repeating = SyncChunkerTest.repeated(block, 16);
        byte[] copied = random(700_000, 11);
        long distinct = 0;
        Set<String> seen = new HashSet<>();
        for (byte[] content : List.of(repeating, copied)) {
            for (Manifest.Chunk chunk : new Chunker().chunk(content).chunks()) {
                if (seen.add(Manifest.hex(chunk.hash()))) {
                    distinct += chunk.length();
                }
            }
        }
        assertThat(distinct).isLessThan(block.length * 2L + copied.length);
        long before = syncServer().chunkBytesReceived();

        write(local().resolve("once/repeating.bin"), repeating);
        write(local().resolve("once/copy-a.bin"), copied);
        write(local().resolve("once/copy-b.bin"), copied);
        awaitInSync();

        // Each distinct chunk once: however the watcher grouped the three files, none of their chunks went twice.
        assertThat(syncServer().chunkBytesReceived() - before).isEqualTo(distinct);
    }

    @Test
    void aOneByteInsertionInALargeFileSendsOnlyTheAffectedChunks() throws Exception {
        byte[] content = random(30_000_000, 5);
        Path file = local().resolve("large/big.bin");
        write(file, content);
        awaitInSync();
        long before = syncServer().chunkBytesReceived();
        long sentBefore = syncClient(client).transport().bytesSent();

        byte[] edited = new byte[content.length + 1];
        System.arraycopy(content, 0, edited, 0, content.length / 2);
        edited[content.length / 2] = 7;
        System.arraycopy(content, content.length / 2, edited, content.length / 2 + 1, content.length - content.length / 2);
        write(file, edited);
        awaitInSync();

        long received = syncServer().chunkBytesReceived() - before;
        long onTheWire = syncClient(client).transport().bytesSent() - sentBefore;
        // One or two chunks around the insertion (each at most 256 KiB), against 30 MB for the whole file.
        assertThat(received).isBetween(1L, 2L * Chunker.DEFAULT_MAX);
        // Plus one chunk list (36 bytes per chunk) and a few small JSON requests.
        assertThat(onTheWire).isLessThan(received + 36L * 600 + 4096);
        assertThat(syncServer().audit().entries()).anySatisfy(entry -> {
            assertThat(entry.operation()).isEqualTo("commit");
            assertThat(entry.path()).isEqualTo("large/big.bin");
            assertThat(entry.bytesReceived()).isEqualTo(received);
            assertThat(entry.bytesSaved()).isEqualTo(edited.length - received);
        });
    }

    @Test
    void changesMadeWhileTheServerIsDownFlowWhenItReturns() throws Exception {
        write(local().resolve("outage/before.txt"), "before".getBytes(StandardCharsets.UTF_8));
        awaitInSync();

        server.close();
        server = null;
        write(local().resolve("outage/during-1.bin"), random(200_000, 6));
        write(local().resolve("outage/before.txt"), "changed while the server was down".getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(local().resolve("outage/empty-during"));
        await().atMost(PATIENCE).until(() -> syncClient(client).lastProblem() != null);
        write(local().resolve("outage/during-2.bin"), random(100_000, 7));
        Files.delete(local().resolve("outage/during-1.bin"));
        await().atMost(PATIENCE).until(() -> syncClient(client).queue().size() > 0);

        server = startServer();
        awaitInSync();
        await().atMost(PATIENCE).until(() -> syncClient(client).queue().size() == 0);
    }

    @Test
    void aRestartedClientReHashesAndReSendsNothingUnchangedAndCatchesUpOnOfflineChanges() throws Exception {
        write(local().resolve("restart/kept.bin"), random(2_000_000, 9));
        write(local().resolve("restart/edited.txt"), "first".getBytes(StandardCharsets.UTF_8));
        write(local().resolve("restart/removed.txt"), "bye".getBytes(StandardCharsets.UTF_8));
        awaitInSync();

        client.close();
        client = null;
        write(local().resolve("restart/edited.txt"), "edited while the client was stopped".getBytes(StandardCharsets.UTF_8));
        Files.delete(local().resolve("restart/removed.txt"));
        Files.createDirectories(local().resolve("restart/new-empty"));
        long before = syncServer().chunkBytesReceived();

        client = startClient("client", TOKEN);
        await().atMost(PATIENCE).until(() -> syncClient(client).initialSyncDone());
        awaitInSync();
        assertThat(syncClient(client).filesHashed()).isEqualTo(1);
        assertThat(syncServer().chunkBytesReceived() - before).isEqualTo("edited while the client was stopped".length());
    }

    @Test
    void clientStateSavedUnderAnotherKindOfContentIdentityIsNotTrustedEveryFileIsHashedAgainAndNoContentResent()
            throws Exception {
        write(local().resolve("legacy/a.bin"), random(1_000_000, 21));
        write(local().resolve("legacy/b.txt"), "legacy".getBytes(StandardCharsets.UTF_8));
        awaitInSync();
        assertThat(syncServer().list()).filteredOn(entry -> entry.path().equals("legacy/a.bin"))
                .extracting(SyncServer.Entry::hash).containsExactly(new Chunker().chunk(local().resolve("legacy/a.bin")).hex());

        client.close();
        client = null;
        // What an older client left: the same rows, under the key of the whole-file SHA-256 kind of identity.
        String prefix = SyncClient.stateKey("");
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + BASE.resolve("client/filesync.db"))) {
            for (String table : List.of("filesync_file_state", "sync_client_manifests")) {
                String keyColumn = table.equals("filesync_file_state") ? "state_key" : "cache_key";
                try (PreparedStatement move = db.prepareStatement("UPDATE " + table + " SET " + keyColumn + " = substr("
                        + keyColumn + ", ?) WHERE " + keyColumn + " LIKE ?")) {
                    move.setInt(1, prefix.length() + 1);
                    move.setString(2, prefix + "%");
                    assertThat(move.executeUpdate()).as(table).isPositive();
                }
            }
        }
        long files;
        try (Stream<Path> walk = Files.walk(local())) {
            files = walk.filter(Files::isRegularFile).count();
        }
        long before = syncServer().chunkBytesReceived();

        client = startClient("client", TOKEN);
        await().atMost(PATIENCE).until(() -> syncClient(client).initialSyncDone());
        awaitInSync();
        assertThat(syncClient(client).filesHashed()).isEqualTo(files);
        assertThat(syncServer().chunkBytesReceived() - before).isZero();
    }

    @Test
    void aClientWithAWrongTokenIsRejectedAndSaysSo() throws Exception {
        try (BundleBoot intruder = startClient("intruder", "not-the-token")) {
            write(BASE.resolve("intruder/folder/intrusion.txt"), "should never arrive".getBytes(StandardCharsets.UTF_8));
            await().atMost(PATIENCE).untilAsserted(() ->
                    assertThat(syncClient(intruder).lastProblem()).contains("rejected this client").contains("wrong or missing token"));
            assertThat(remote().resolve("intrusion.txt")).doesNotExist();
            assertThat(syncServer().audit().entries()).anySatisfy(entry -> {
                assertThat(entry.client()).isEqualTo("intruder");
                assertThat(entry.operation()).isEqualTo("refused");
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"../escape.txt", "/tmp/escape.txt", "a/../../escape.txt", "a//escape.txt", "a/./escape.txt",
            "nul\u0000byte.txt", "outside-link/escape.txt", "", ".", ".filesync-sync-escape"})
    void hostilePathsAreRefusedAndNothingIsWrittenOutsideTheRoot(String hostile) throws Exception {
        Path outside = BASE.resolve("outside");
        Files.createDirectories(outside);
        Files.createDirectories(remote());
        Path link = remote().resolve("outside-link");
        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, outside);
        }
        String path = hostile.replace("\\u0000", "\u0000");
        String json = "{\"path\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(path) + "}";
        for (String operation : List.of("mkdir", "delete")) {
            HttpResponse<String> response = post(operation, TOKEN, json.getBytes(StandardCharsets.UTF_8), null);
            assertThat(response.statusCode()).as(operation + " " + hostile).isEqualTo(400);
        }
        String move = "{\"from\":\"tree/a/text.txt\",\"to\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(path) + "}";
        assertThat(post("move", TOKEN, move.getBytes(StandardCharsets.UTF_8), null).statusCode()).isIn(400, 404);
        assertThat(outside).isEmptyDirectory();
        assertThat(BASE.resolve("escape.txt")).doesNotExist();
        assertThat(BASE.resolve("server/escape.txt")).doesNotExist();
        Files.delete(link);
    }

    /**
     * Paths are JSON strings, never URL-decoded, and a backslash is not a separator on Linux: these are names inside
     * the root like any other, created and deleted there, and nothing reaches outside.
     */
    @ParameterizedTest
    @ValueSource(strings = {"%2e%2e/escape.txt", "%252e%252e%252fescape.txt", "..%2fescape.txt", "a\\..\\..\\escape.txt",
            "new\nline/escape.txt"})
    void pathsThatOnlyLookLikeTraversalAreLiteralNamesInsideTheRoot(String literal) throws Exception {
        String json = "{\"path\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(literal) + "}";
        assertThat(post("mkdir", TOKEN, json.getBytes(StandardCharsets.UTF_8), null).statusCode()).isEqualTo(200);
        String top = literal.split("/")[0];
        try (Stream<Path> inside = Files.walk(remote().resolve(top))) {
            assertThat(inside.map(path -> remote().relativize(path).toString())).contains(literal);
        }
        assertThat(BASE.resolve("escape.txt")).doesNotExist();
        assertThat(BASE.resolve("server/escape.txt")).doesNotExist();
        String delete = "{\"path\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(top) + "}";
        assertThat(post("delete", TOKEN, delete.getBytes(StandardCharsets.UTF_8), null).statusCode()).isEqualTo(200);
        assertThat(remote().resolve(top)).doesNotExist();
    }

    @Test
    void aTruncatedOrCorruptedChunkIsRefusedAndNotStored() throws Exception {
        byte[] chunk = random(60_000, 8);
        String hash = Manifest.hex(Chunker.sha256().digest(chunk));
        byte[] truncated = java.util.Arrays.copyOf(chunk, chunk.length - 10);
        byte[] corrupted = chunk.clone();
        corrupted[500] ^= 1;
        for (byte[] bad : List.of(truncated, corrupted)) {
            // 409, not 400: the client reads its file again instead of giving it up.
            HttpResponse<String> response = post("chunk", TOKEN, bad, hash);
            assertThat(response.statusCode()).isEqualTo(409);
            assertThat(response.body()).contains("do not match its hash").contains("\"chunk\":\"" + hash + "\"");
        }
        assertThat(syncServer().store().read(Manifest.parseHash(hash))).isNull();
        assertThat(post("chunk", TOKEN, chunk, hash).statusCode()).isEqualTo(200);
        assertThat(syncServer().store().read(Manifest.parseHash(hash))).isEqualTo(chunk);
        assertThat(post("chunk", "wrong", chunk, hash).statusCode()).isEqualTo(401);

        // The same in a batch: a chunk cut short in transit, and a chunk whose bytes were altered.
        byte[] other = random(20_000, 9);
        String otherHash = Manifest.hex(Chunker.sha256().digest(other));
        java.nio.ByteBuffer cut = java.nio.ByteBuffer.allocate(36 + other.length - 100);
        cut.put(Chunker.sha256().digest(other)).putInt(other.length).put(other, 0, other.length - 100);
        HttpResponse<String> truncatedBatch = post("chunks", TOKEN, cut.array(), null);
        assertThat(truncatedBatch.statusCode()).isEqualTo(400);
        assertThat(truncatedBatch.body()).contains("truncated or corrupted");
        byte[] altered = other.clone();
        altered[0] ^= 1;
        java.nio.ByteBuffer wrong = java.nio.ByteBuffer.allocate(36 + other.length);
        wrong.put(Chunker.sha256().digest(other)).putInt(other.length).put(altered);
        assertThat(post("chunks", TOKEN, wrong.array(), null).statusCode()).isEqualTo(409);
        assertThat(syncServer().store().has(Manifest.parseHash(otherHash))).isFalse();
    }

    @Test
    void aLargeFileChangedBetweenChunkingAndUploadIsNeverStoredHalfOldHalfNewNorGivenUp() throws Exception {
        Path folder = BASE.resolve("sender");
        byte[] content = random(FileSender.RETAIN_BYTES + (4 << 20), 41);
        Path file = folder.resolve("big.bin");
        write(file, content);
        try (HikariDataSource state = DataSources.pooled("jdbc:sqlite:" + folder.resolve("state.db"), null, null, 2);
             SyncTransport transport = SyncTransport.builder().serverUrl("http://127.0.0.1:" + port + "/sync").token(TOKEN).clientName("sender").build()) {
            try {
                FileSender sender = new FileSender(transport, new Chunker(), new ManifestCache(state, "sender"), 8 << 20);
                // Chunked, then rewritten in place with the same size before its chunks are re-read for upload: the
                // server refuses the chunk that no longer matches, and the check the sender then runs names the file.
                FileSender.Described described = sender.describe(List.of(new FileSender.Candidate("sender/big.bin", file, Files.size(file), "1|1|", null)));
                byte[] edited = content.clone();
                edited[content.length / 2] ^= 1;
                Files.write(file, edited);
                assertThatThrownBy(() -> sender.finish(sender.prepare(described)))
                        .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("changed while being sent");
                assertThat(remote().resolve("sender/big.bin")).doesNotExist();
                assertThat(syncServer().audit().entries()).anySatisfy(entry -> {
                    assertThat(entry.client()).isEqualTo("sender");
                    assertThat(entry.operation()).isEqualTo("refused");
                });

                // Its next version goes through whole.
                List<FileSender.Outcome> outcomes = sender.send(List.of(new FileSender.Candidate("sender/big.bin", file, Files.size(file), "2|2|", null)));
                assertThat(outcomes).singleElement().satisfies(outcome -> assertThat(outcome.sent()).isTrue());
                assertThat(remote().resolve("sender/big.bin")).hasBinaryContent(edited);
            } finally {
                // The other tests compare the server's folder with the client's, which never had it.
                transport.delete("sender");
            }
        }
    }

    @Test
    void theGroupsOfOneUploaderAreStoredOrRefusedEachOnItsOwnWhileTheNextIsQueued() throws Exception {
        Path folder = Files.createDirectories(BASE.resolve("pipeline"));
        Chunker chunker = new Chunker();
        // The first group claims a chunk list the bytes it sends do not match (its first byte differs); the second is
        // sound. Both are sealed before either is waited for, as the groups of an initial sync are.
        byte[] sent = random(300_000, 61);
        byte[] claimed = sent.clone();
        claimed[0] ^= 1;
        Path first = folder.resolve("refused.bin");
        write(first, sent);
        byte[] good = random(300_000, 62);
        Path second = folder.resolve("stored.bin");
        write(second, good);
        Manifest goodList = chunker.chunk(good);
        List<Integer> all = IntStream.range(0, goodList.chunks().size()).boxed().toList();
        try (SyncTransport transport = SyncTransport.builder().serverUrl("http://127.0.0.1:" + port + "/sync").token(TOKEN).clientName("pipeline").build()) {
            ChunkUploader uploads = new ChunkUploader(transport, 8 << 20, false);
            uploads.add(first, chunker.chunk(claimed), List.of(0), ByteBuffer.wrap(sent));
            CompletableFuture<Void> refused = uploads.seal();
            uploads.add(second, goodList, all, ByteBuffer.wrap(good));
            CompletableFuture<Void> stored = uploads.seal();
            uploads.release();

            assertThatThrownBy(() -> ChunkUploader.join(refused, transport.base()))
                    .isInstanceOf(SyncTransport.ChunkRefused.class).hasMessageContaining("do not match");
            ChunkUploader.join(stored, transport.base());
        }
        assertThat(goodList.chunks()).allSatisfy(chunk -> assertThat(syncServer().store().has(chunk.hash())).isTrue());
        assertThat(syncServer().store().has(chunker.chunk(claimed).chunks().get(0).hash())).isFalse();
    }

    @Test
    void aRequestAboveTheSizeLimitIsRefused() throws Exception {
        byte[] huge = new byte[33 * 1024 * 1024];
        HttpResponse<String> response = post("chunks", TOKEN, huge, null);
        assertThat(response.statusCode()).isEqualTo(413);
        // A chunk above the largest chunk size, even within the request limit and with its true hash, is refused too.
        byte[] oversized = random(Chunker.DEFAULT_MAX + 1, 10);
        HttpResponse<String> chunk = post("chunk", TOKEN, oversized, Manifest.hex(Chunker.sha256().digest(oversized)));
        assertThat(chunk.statusCode()).isEqualTo(400);
        assertThat(chunk.body()).contains("chunks hold 1 to " + Chunker.DEFAULT_MAX + " bytes");
    }

    private static HttpResponse<String> post(String operation, String token, byte[] body, String chunkHash) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sync/" + operation))
                .header("Authorization", "Bearer " + token).header("X-Filesync-Client", "hostile-test")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (chunkHash != null) {
            request.header("X-Filesync-Chunk", chunkHash);
        }
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitInSync() {
        await().atMost(PATIENCE).until(() -> syncClient(client).queue().size() == 0);
        // The server may be renaming a file into place while the tree is read: such a snapshot is simply taken again.
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(IOException.class)
                .ignoreExceptionsInstanceOf(java.io.UncheckedIOException.class)
                .untilAsserted(() -> assertThat(tree(remote())).isEqualTo(tree(local())));
    }

    /** Path to content hash (or "dir") of everything under a folder. */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> tree = new TreeMap<>();
        if (!Files.isDirectory(root)) {
            return tree;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                if (path.equals(root)) {
                    continue;
                }
                String relative = root.relativize(path).toString();
                tree.put(relative, Files.isDirectory(path) ? "dir" : Manifest.hex(Chunker.sha256().digest(Files.readAllBytes(path))));
            }
        }
        return tree;
    }

    static void write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling("." + file.getFileName() + ".writing");
        Files.write(temp, content);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }
}
