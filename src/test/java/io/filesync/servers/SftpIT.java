package io.filesync.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.filesync.servers.SftpServer.SftpRoot;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Camel's sftp component against the real SFTP server: put through a temporary name (a rename), move, delete. */
@ExtendWith(TestServers.class)
class SftpIT {

    private static final Path KNOWN_HOSTS = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");

    private SftpRoot root;
    private CamelContext context;
    private ProducerTemplate template;
    private String knownHostsBefore;

    @BeforeEach
    void start() throws Exception {
        knownHostsBefore = Files.exists(KNOWN_HOSTS) ? Files.readString(KNOWN_HOSTS) : null;
        root = TestServers.sftp().newRoot();
        context = new DefaultCamelContext();
        context.start();
        template = context.createProducerTemplate();
    }

    @AfterEach
    void stop() throws Exception {
        context.stop();
        // Tests must never record the throwaway host key in the user's known_hosts.
        assertThat(Files.exists(KNOWN_HOSTS) ? Files.readString(KNOWN_HOSTS) : null).isEqualTo(knownHostsBefore);
    }

    private String sftp(String dir, String options) {
        return "sftp://" + root.user() + "@" + root.host() + ":" + root.port() + "/" + dir
                + "?password=RAW(" + root.password() + ")&useUserKnownHostsFile=false&strictHostKeyChecking=no"
                + "&autoCreate=true" + options;
    }

    @Test
    void putGoesThroughATemporaryNameIntoNestedFolders() throws Exception {
        template.sendBodyAndHeader(sftp("in/deep", "&tempFileName=${file:name}.part"), "report body",
                Exchange.FILE_NAME, "report.txt");

        assertThat(root.root().resolve("in/deep/report.txt")).hasContent("report body");
        assertThat(root.root().resolve("in/deep/report.txt.part")).doesNotExist();
    }

    @Test
    void consumedFilesAreRenamedAcrossFoldersOrDeleted() throws Exception {
        Files.createDirectories(root.root().resolve("inbox"));
        Files.writeString(root.root().resolve("inbox/keep.txt"), "keep me");
        Files.createDirectories(root.root().resolve("trash"));
        Files.writeString(root.root().resolve("trash/drop.txt"), "drop me");

        NotifyBuilder twoDone = new NotifyBuilder(context).whenDone(2).create();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(sftp("inbox", "&move=../archive/${file:name}&delay=100")).routeId("sftp-move").to("mock:moved");
                from(sftp("trash", "&delete=true&delay=100")).routeId("sftp-delete").to("mock:deleted");
            }
        });

        assertThat(twoDone.matches(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(root.root().resolve("archive/keep.txt")).hasContent("keep me");
            assertThat(root.root().resolve("inbox/keep.txt")).doesNotExist();
            assertThat(root.root().resolve("trash/drop.txt")).doesNotExist();
        });
    }
}
