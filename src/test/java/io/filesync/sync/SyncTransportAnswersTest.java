package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bodies the client writes and the answers it reads for the requests of every group (offer, chunk lists,
 * commit), through Jackson's streaming generator and parser, against a loopback server answering exact bytes: what
 * a real server cannot be made to send (answers with fields the client does not know, malformed or cut answers). The
 * exchanges with the real server are in {@code SyncIT}.
 */
class SyncTransportAnswersTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ScriptedServer server;
    private SyncTransport transport;

    @AfterEach
    void tearDown() throws IOException {
        if (transport != null) {
            transport.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void offerAndCommitBodiesCarryEveryPathExactlyHoweverItIsSpelt() throws IOException {
        start(request -> ok(request.contains("POST /sync/offer") ? "{\"copied\":[false,true,false,true]}"
                : "{\"missing\":[[],[],[],[]]}"));
        List<SyncServer.FileRef> files = List.of(
                new SyncServer.FileRef("plain/file.txt", "a".repeat(64)),
                new SyncServer.FileRef("quote \" and back\\slash", "b".repeat(64)),
                new SyncServer.FileRef("tab\tnew\nline\u0001control", "c".repeat(64)),
                new SyncServer.FileRef("día/数据/😀.bin", "d".repeat(64)));

        assertThat(transport.offer(files)).containsExactly(false, true, false, true);
        assertThat(transport.commit(files)).containsExactly(List.of(), List.of(), List.of(), List.of());

        assertThat(server.requests).hasSize(2);
        for (String request : server.requests) {
            JsonNode body = JSON.readTree(request.substring(request.indexOf("\r\n\r\n") + 4));
            assertThat(body.path("files")).hasSize(4);
            for (int i = 0; i < files.size(); i++) {
                assertThat(body.path("files").get(i).path("path").asText()).isEqualTo(files.get(i).path());
                assertThat(body.path("files").get(i).path("hash").asText()).isEqualTo(files.get(i).hash());
            }
        }
    }

    @Test
    void missingChunksAreReadPerFileWithUnknownBasesAsNullAndUnknownFieldsSkipped() throws IOException {
        start(request -> ok("{\"note\":{\"nested\":[1,{\"a\":[2]}]},\"missing\":[[0,2,65535],null,[]],\"later\":true}"));

        List<List<Integer>> missing = transport.missing(List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}));

        assertThat(missing).containsExactly(List.of(0, 2, 65535), null, List.of());
    }

    @Test
    void anAnswerOfTheWrongShapeOrCutShortIsAClearFailureToRetryNeverAWrongAnswer() throws IOException {
        for (String answer : Arrays.asList("{\"missing\":[[0,\"one\"]]}", "{\"missing\":[[0,1],", "{\"missing\":[7]}",
                "[\"missing\"]", "not json at all")) {
            start(request -> ok(answer));
            assertThatThrownBy(() -> transport.commit(List.of(new SyncServer.FileRef("f", "e".repeat(64)))))
                    .as(answer).isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("malformed JSON");
            tearDown();
        }
        start(request -> ok("{\"copied\":[true,7]}"));
        assertThatThrownBy(() -> transport.offer(List.of(new SyncServer.FileRef("f", "e".repeat(64)),
                new SyncServer.FileRef("g", "e".repeat(64)))))
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("offer with malformed JSON");
    }

    @Test
    void aFileRefusedOnItsOwnIsAnsweredByItsReasonAndTheOthersAsUsual() throws IOException {
        start(request -> ok(request.contains("POST /sync/offer") ? "{\"copied\":[\"no such name here\",true]}"
                : "{\"missing\":[[],\"no such name here\",[3]]}"));
        List<SyncServer.FileRef> files = List.of(new SyncServer.FileRef("f", "e".repeat(64)),
                new SyncServer.FileRef("g", "e".repeat(64)), new SyncServer.FileRef("h", "e".repeat(64)));

        java.util.Map<Integer, String> refused = new java.util.TreeMap<>();
        assertThat(transport.offer(files.subList(0, 2), refused)).containsExactly(false, true);
        assertThat(refused).containsExactly(java.util.Map.entry(0, "no such name here"));
        refused.clear();
        assertThat(transport.commit(files, refused)).containsExactly(List.of(), List.of(), List.of(3));
        assertThat(refused).containsExactly(java.util.Map.entry(1, "no such name here"));
        // A caller with no place for refusals gets the first one as the server's refusal of that file.
        assertThatThrownBy(() -> transport.commit(files)).isInstanceOf(io.filesync.core.error.BadInputException.class)
                .hasMessageContaining("no such name here");
    }

    @Test
    void anAnswerForFewerFilesThanAskedIsRefused() throws IOException {
        start(request -> ok(request.contains("POST /sync/offer") ? "{\"copied\":[true]}" : "{\"other\":1}"));
        List<SyncServer.FileRef> two = List.of(new SyncServer.FileRef("f", "e".repeat(64)),
                new SyncServer.FileRef("g", "e".repeat(64)));

        assertThatThrownBy(() -> transport.offer(two)).isInstanceOf(SyncTransport.Unavailable.class)
                .hasMessageContaining("answered 1 results to offer for 2 files");
        assertThatThrownBy(() -> transport.commit(two)).isInstanceOf(SyncTransport.Unavailable.class)
                .hasMessageContaining("answered 0 results to commit for 2 files");
    }

    private void start(Function<String, String> script) throws IOException {
        server = new ScriptedServer(script);
        transport = SyncTransport.builder().serverUrl(server.uri() + "/sync").token("token").clientName("test").build();
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }
}
