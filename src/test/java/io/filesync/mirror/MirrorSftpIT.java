package io.filesync.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import io.filesync.servers.SftpServer.SftpRoot;
import io.filesync.servers.TestServers;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.apache.sshd.sftp.server.SftpSubsystemProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The mirror against the real SFTP server: bytes on the server's disk and audit rows. */
@ExtendWith(TestServers.class)
class MirrorSftpIT {

    @TempDir
    Path dir;

    private MirrorFixture fixture;
    private SftpRoot server;

    @BeforeEach
    void setUp() throws IOException {
        fixture = new MirrorFixture(dir);
        server = TestServers.sftp().newRoot();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    /** Four sessions, checkpoints of large uploads in the fixture's database. */
    private SftpRemote remote(int port, String password) {
        return new SftpRemote(new SftpSettings("127.0.0.1", port, server.user(), password, null, null, null, false,
                "/upload/base", 10_000), 4, new SftpCheckpoints(fixture.db, "sftp"));
    }

    @Test
    void aBrokenLargeUploadSendsOnlyItsUnconfirmedPartsAndStartsOverWhenAConfirmedPartNoLongerMatches() throws Exception {
        long size = 120L * 1024 * 1024 + 5;
        Path big = fixture.root.resolve("video.bin");
        byte[] content = new byte[(int) size];
        new java.util.Random(11).nextBytes(content);
        Files.write(big, content);
        Path target = server.root().resolve("upload/base/video.bin");
        Path temporary = server.root().resolve("upload/base/.video.bin.filesync-part");

        MirrorEngine first = fixture.start("sftp", false, remote(server.port(), server.password()));
        first.fileChanged("video.bin");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .until(() -> fixture.audit("sftp", "video.bin").stream().anyMatch(r -> r.startsWith("PROGRESS part 2 ")));
        fixture.stop(first);
        assertThat(target).doesNotExist();
        SftpCheckpoints.Checkpoint checkpoint = new SftpCheckpoints(fixture.db, "sftp").find("video.bin").orElseThrow();
        long confirmed = checkpoint.confirmedBytes(size);
        assertThat(checkpoint.parts()).hasSizeGreaterThanOrEqualTo(2).hasSizeLessThan(16);
        assertThat(Files.size(temporary)).as("given its full size before the parts").isEqualTo(size);

        SftpRemote resumed = remote(server.port(), server.password());
        MirrorEngine second = fixture.start("sftp", false, resumed);
        await().atMost(Duration.ofSeconds(60)).until(() -> second.queue().pending() == 0);
        assertThat(target).hasBinaryContent(content);
        assertThat(temporary).doesNotExist();
        assertThat(resumed.bytesSent()).isEqualTo(size - confirmed);
        assertThat(fixture.audit("sftp", "video.bin")).last().asString().isEqualTo("COMPLETED uploaded " + size
                + " bytes in 16 parts, resumed with " + checkpoint.parts().size() + " parts already on the server");
        fixture.stop(second);

        // Broken again, then the local file's first byte changes behind an unchanged size and time: the first part's
        // checksum no longer matches, so the upload starts over instead of splicing old and new bytes.
        Files.write(big, content);
        java.nio.file.attribute.FileTime stamp = Files.getLastModifiedTime(big);
        MirrorEngine third = fixture.start("sftp", false, remote(server.port(), server.password()));
        int rows = fixture.audit("sftp", "video.bin").size();
        third.fileChanged("video.bin");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
            List<String> audit = fixture.audit("sftp", "video.bin"); // one read: rows keep arriving meanwhile
            return audit.subList(rows, audit.size()).stream().anyMatch(r -> r.startsWith("PROGRESS part 2 "));
        });
        fixture.stop(third);
        content[0] ^= 1;
        Files.write(big, content);
        Files.setLastModifiedTime(big, stamp);
        SftpRemote restarted = remote(server.port(), server.password());
        MirrorEngine fourth = fixture.start("sftp", false, restarted);
        await().atMost(Duration.ofSeconds(60)).until(() -> fourth.queue().pending() == 0);
        assertThat(target).hasBinaryContent(content);
        assertThat(restarted.bytesSent()).isEqualTo(size);
        assertThat(fixture.audit("sftp", "video.bin")).last().asString().isEqualTo("COMPLETED uploaded " + size + " bytes in 16 parts");
    }

    @Test
    void uploadsNestedFilesWithAwkwardNamesRenamesAndDeletesInCompleteSync() throws Exception {
        MirrorEngine engine = fixture.start("sftp", true, remote(server.port(), server.password()));
        List<String> names = List.of("plain.txt", "with space/and #hash %25.txt", "ünïcødé/日本語.txt", "deep/a/b/c/d.txt",
                "odd/star*?question[x].txt", "odd/back\\slash.txt");
        for (String name : names) {
            fixture.write(name, "content of " + name);
            engine.fileChanged(name);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        Path base = server.root().resolve("upload/base");
        for (String name : names) {
            assertThat(base.resolve(name)).hasContent("content of " + name);
        }
        try (Stream<Path> all = Files.walk(base)) {
            assertThat(all.map(Path::toString)).noneMatch(path -> path.endsWith(".filesync-part"));
        }

        fixture.write("plain.txt", "second version");
        engine.fileChanged("plain.txt");
        Files.move(fixture.root.resolve("deep"), fixture.root.resolve("shallow"));
        engine.moved("deep", "shallow", true);
        Files.move(fixture.root.resolve("odd/star*?question[x].txt"), fixture.root.resolve("odd/renamed.txt"));
        engine.moved("odd/star*?question[x].txt", "odd/renamed.txt", false);
        Files.delete(fixture.root.resolve("with space/and #hash %25.txt"));
        engine.deleted("with space/and #hash %25.txt", false);
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        assertThat(base.resolve("plain.txt")).hasContent("second version");
        assertThat(base.resolve("shallow/a/b/c/d.txt")).hasContent("content of deep/a/b/c/d.txt");
        assertThat(base.resolve("deep")).doesNotExist();
        assertThat(base.resolve("odd/renamed.txt")).hasContent("content of odd/star*?question[x].txt");
        assertThat(base.resolve("odd/star*?question[x].txt")).doesNotExist();
        assertThat(base.resolve("with space/and #hash %25.txt")).doesNotExist();
        assertThat(fixture.audit("sftp", "shallow")).extracting(row -> row.split(" ")[0]).containsExactly("QUEUED", "STARTED", "COMPLETED");

        Files.delete(fixture.root.resolve("shallow/a/b/c/d.txt"));
        try (Stream<Path> folders = Files.walk(fixture.root.resolve("shallow"))) {
            folders.sorted((a, b) -> b.compareTo(a)).forEach(path -> path.toFile().delete());
        }
        engine.deleted("shallow", true);
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        assertThat(base.resolve("shallow")).doesNotExist();
        assertThat(fixture.allAudit("sftp")).doesNotContain(server.password());
    }

    @Test
    void aLargeUploadReportsProgressAndArrivesWhole() throws Exception {
        MirrorEngine engine = fixture.start("sftp", false, remote(server.port(), server.password()));
        byte[] content = new byte[20 * 1024 * 1024 + 17];
        new java.util.Random(3).nextBytes(content);
        Files.write(fixture.root.resolve("big.bin"), content);
        engine.fileChanged("big.bin");
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.queue().pending() == 0);
        assertThat(server.root().resolve("upload/base/big.bin")).hasBinaryContent(content);
        assertThat(fixture.audit("sftp", "big.bin")).filteredOn(row -> row.startsWith("PROGRESS"))
                .containsExactly("PROGRESS part 1 of 3", "PROGRESS part 2 of 3");
    }

    @Test
    void theQueuePausesWhileTheServerIsDownAndDrainsByItselfWhenItIsBack() throws Exception {
        int port = MirrorFixture.freePort();
        Path home = Files.createDirectories(dir.resolve("second-sftp"));
        SshServer second = startServer(port, home);
        SftpRemote remote = new SftpRemote(new SftpSettings("127.0.0.1", port, "mirror", "secret-pw", null, null, null, false,
                "in", 5_000));
        MirrorEngine engine = fixture.start("sftp", false, remote);
        fixture.write("before.txt", "before");
        engine.fileChanged("before.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0);
        second.stop(true);
        for (int i = 0; i < 10; i++) {
            fixture.write("during/" + i + ".txt", "during " + i);
            engine.fileChanged("during/" + i + ".txt");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.audit("sftp", "during/0.txt").stream()
                .anyMatch(r -> r.startsWith("FAILED")));
        assertThat(engine.queue().pending()).isEqualTo(10);
        second = startServer(port, home);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> engine.queue().pending() == 0);
            for (int i = 0; i < 10; i++) {
                assertThat(home.resolve("in/during/" + i + ".txt")).hasContent("during " + i);
            }
            assertThat(fixture.audit("sftp", "during/0.txt")).anyMatch(r -> r.startsWith("RETRIED")).last().asString().startsWith("COMPLETED");
        } finally {
            second.stop(true);
        }
    }

    @Test
    void wrongCredentialsPauseTheQueueWithAClearReasonAndNoPasswordAnywhere() throws Exception {
        fixture.write("a.txt", "a");
        MirrorEngine refused = fixture.start("sftp", false, remote(server.port(), "wrong-password-456"));
        refused.fileChanged("a.txt");
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.audit("sftp", "a.txt").stream()
                .anyMatch(r -> r.startsWith("FAILED cannot open sftp://" + server.user())));
        assertThat(fixture.allAudit("sftp")).doesNotContain("wrong-password-456");
        fixture.stop(refused);
        MirrorEngine fixed = fixture.start("sftp", false, remote(server.port(), server.password()));
        await().atMost(Duration.ofSeconds(20)).until(() -> fixed.queue().pending() == 0);
        assertThat(server.root().resolve("upload/base/a.txt")).hasContent("a");
    }

    @Test
    void aServerStoppedWhileTheQueueDrainsLosesNothingAndTheRestFlowsWhenItIsBack() throws Exception {
        int port = MirrorFixture.freePort();
        Path home = Files.createDirectories(dir.resolve("midway-sftp"));
        SshServer second = startServer(port, home);
        int files = 300;
        MirrorEngine engine = fixture.create("sftp", false, new SftpRemote(new SftpSettings("127.0.0.1", port, "mirror",
                "secret-pw", null, null, null, false, "in", 5_000)));
        for (int i = 0; i < files; i++) {
            fixture.write("queued/" + i + ".txt", "queued " + i);
            engine.fileChanged("queued/" + i + ".txt");
        }
        fixture.start(engine);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(2)).until(() -> engine.queue().pending() < files);
        second.stop(true);
        assertThat(engine.queue().pending()).as("the server went away mid-queue").isPositive();
        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.auditCount("sftp", "RETRIED") > 0);

        second = startServer(port, home);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> engine.queue().pending() == 0);
            for (int i = 0; i < files; i++) {
                assertThat(home.resolve("in/queued/" + i + ".txt")).hasContent("queued " + i);
            }
            try (Stream<Path> left = Files.walk(home)) {
                assertThat(left.filter(p -> p.getFileName().toString().contains("filesync-part")).toList())
                        .as("no temporary upload left behind").isEmpty();
            }
            assertThat(fixture.auditCount("sftp", "COMPLETED")).isEqualTo(files);
        } finally {
            second.stop(true);
        }
    }

    @Test
    void aPathTheServerRefusesIsAFailedRowAndTheRestOfTheQueueGoesOn() throws Exception {
        // On the server a plain file stands where the mirror needs a folder.
        Files.createDirectories(server.root().resolve("upload/base"));
        Files.writeString(server.root().resolve("upload/base/blocked"), "a file, not a folder");
        fixture.write("blocked/x.txt", "cannot go");
        fixture.write("fine.txt", "fine");
        MirrorEngine engine = fixture.start("sftp", false, remote(server.port(), server.password()));
        engine.fileChanged("blocked/x.txt");
        engine.fileChanged("fine.txt");

        await().atMost(Duration.ofSeconds(20)).until(() -> fixture.audit("sftp", "blocked/x.txt").stream()
                .anyMatch(r -> r.startsWith("RETRIED")));
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(server.root().resolve("upload/base/fine.txt")));
        assertThat(server.root().resolve("upload/base/fine.txt")).hasContent("fine");
        assertThat(server.root().resolve("upload/base/blocked")).hasContent("a file, not a folder");
        assertThat(fixture.audit("sftp", "blocked/x.txt")).filteredOn(r -> r.startsWith("FAILED")).first().asString()
                .contains("the server has a file where the folder /upload/base/blocked should be");

        // Kept for retry: once the server's file is out of the way, the upload goes.
        Files.delete(server.root().resolve("upload/base/blocked"));
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.queue().pending() == 0);
        assertThat(server.root().resolve("upload/base/blocked/x.txt")).hasContent("cannot go");
    }

    @Test
    void aPathTheServerDeniesIsKeptAsFailedWithTheReasonWhileTheRestGoes() throws Exception {
        Path home = Files.createDirectories(dir.resolve("denying-sftp"));
        SshServer denying = startServer(MirrorFixture.freePort(), home);
        // The server's own policy: nothing may be written below in/denied (as a server-side permission would say).
        SftpSubsystemFactory sftp = (SftpSubsystemFactory) denying.getSubsystemFactories().get(0);
        sftp.setFileSystemAccessor(new SftpFileSystemAccessor() {
            @Override
            public SeekableByteChannel openFile(SftpSubsystemProxy subsystem, FileHandle handle, Path file, String id,
                                                Set<? extends OpenOption> options, FileAttribute<?>... attributes) throws IOException {
                if (file.toString().contains("/denied/")) {
                    throw new AccessDeniedException(file.toString());
                }
                return SftpFileSystemAccessor.super.openFile(subsystem, handle, file, id, options, attributes);
            }
        });
        try {
            MirrorEngine engine = fixture.start("sftp", false, new SftpRemote(new SftpSettings("127.0.0.1", denying.getPort(),
                    "mirror", "secret-pw", null, null, null, false, "in", 5_000)));
            fixture.write("denied/x.txt", "not allowed");
            fixture.write("fine.txt", "fine");
            engine.fileChanged("denied/x.txt");
            engine.fileChanged("fine.txt");

            await().atMost(Duration.ofSeconds(20)).until(() -> engine.queue().pending() == 0
                    && fixture.audit("sftp", "denied/x.txt").stream().anyMatch(r -> r.startsWith("FAILED")));
            assertThat(home.resolve("in/fine.txt")).hasContent("fine");
            assertThat(fixture.audit("sftp", "denied/x.txt")).filteredOn(r -> r.startsWith("FAILED")).singleElement().asString()
                    .contains("the SFTP server refused denied/x.txt: permission denied").endsWith("kept as failed until the path changes");
            assertThat(fixture.audit("sftp", "denied/x.txt")).noneMatch(r -> r.startsWith("RETRIED"));
        } finally {
            denying.stop(true);
        }
    }

    private static SshServer startServer(int port, Path home) throws IOException {
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(port);
        server.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(home.resolveSibling("second-host-key.ser")));
        server.setPasswordAuthenticator((user, password, session) -> "mirror".equals(user) && "secret-pw".equals(password));
        server.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        server.setFileSystemFactory(new VirtualFileSystemFactory(home));
        server.start();
        return server;
    }
}
