package io.filesync.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import io.filesync.mirror.MirrorEngine;
import io.filesync.mirror.MirrorMapping;
import io.filesync.mirror.MultipartUploads;
import io.filesync.mirror.Remote;
import io.filesync.mirror.S3Remote;
import io.filesync.mirror.S3Settings;
import io.filesync.mirror.SftpCheckpoints;
import io.filesync.mirror.SftpRemote;
import io.filesync.mirror.SftpSettings;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Driver of bench/mirror-bench.sh. Modes:
 * <ul>
 * <li>{@code servers <dir> <s3-port> <sftp-port>}: s3proxy and MINA SFTP on 127.0.0.1 until killed;</li>
 * <li>{@code sync <s3|sftp> <root> <db> <s3-port|sftp-port> <bucket|directory> <part-size>}: the mirror's engine sends
 * every file under root (an initial sync), prints "RESULT seconds bytes-sent" and exits;</li>
 * </ul>
 * Credentials are the fixed ones of these local servers unless system properties mirror.access-key, mirror.secret-key
 * (S3) or mirror.user, mirror.password (SFTP) say otherwise; mirror.prefix is the S3 key prefix (default none);
 * mirror.concurrency, mirror.upload-memory and mirror.multipart-threshold (default: the part size) set the engine's
 * concurrency, the S3 memory budget and the size from which files go in parts. Also the child JVM of MirrorLargeFileIT.
 */
public final class MirrorBench {

    static final String KEY = "bench";
    static final String SECRET = "bench-secret";
    static final String USER = "bench";
    static final String PASSWORD = "bench-password";
    /** Actions at once, as mirror.&lt;remote&gt;.concurrency. */
    static final int CONCURRENCY = Integer.getInteger("mirror.concurrency", 8);

    private MirrorBench() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "servers" -> servers(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "sync" -> sync(args[1], Path.of(args[2]), Path.of(args[3]), Integer.parseInt(args[4]), args[5], Integer.parseInt(args[6]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void servers(Path dir, int s3Port, int sftpPort) throws Exception {
        Path store = Files.createDirectories(dir.resolve("s3"));
        S3Proxy proxy = S3Proxy.builder().blobStore(new FilesystemNio2BlobStore(store.toAbsolutePath().toString()))
                .endpoint(URI.create("http://127.0.0.1:" + s3Port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY, SECRET).build();
        proxy.start();
        Path home = Files.createDirectories(dir.resolve("sftp"));
        SshServer sftp = SshServer.setUpDefaultServer();
        sftp.setHost("127.0.0.1");
        sftp.setPort(sftpPort);
        sftp.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(dir.resolve("host-key.ser")));
        sftp.setPasswordAuthenticator((user, password, session) -> USER.equals(user) && PASSWORD.equals(password));
        sftp.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        sftp.setFileSystemFactory(new VirtualFileSystemFactory(home));
        sftp.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.onSpinWait();
        }
        try (S3Client client = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:" + s3Port))
                .region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET))).build()) {
            for (String bucket : List.of("filesync", "rclone")) {
                client.createBucket(r -> r.bucket(bucket));
            }
        }
        System.out.println("ready");
        Thread.currentThread().join();
    }

    private static void sync(String kind, Path root, Path db, int port, String base, int partSize) throws Exception {
        try (HikariDataSource dataSource = DataSources.pooled("jdbc:sqlite:" + db, null, null, 4)) {
            String name = "bench-" + kind;
            Remote remote = kind.equals("s3")
                    ? new S3Remote(new S3Settings(base, System.getProperty("mirror.prefix", ""), "us-east-1", URI.create("http://127.0.0.1:" + port),
                    System.getProperty("mirror.access-key", KEY), System.getProperty("mirror.secret-key", SECRET),
                    Long.getLong("mirror.multipart-threshold", partSize), partSize,
                    86_400_000L, Long.getLong("mirror.upload-memory", S3Settings.DEFAULT_UPLOAD_MEMORY), S3Settings.MAX_COPY_SIZE),
                    new MultipartUploads(dataSource, name), null, CONCURRENCY)
                    : new SftpRemote(new SftpSettings("127.0.0.1", port, System.getProperty("mirror.user", USER),
                    System.getProperty("mirror.password", PASSWORD), null, null, null, false, base, 30_000),
                    CONCURRENCY, new SftpCheckpoints(dataSource, name));
            MirrorEngine engine = new MirrorEngine(new MirrorMapping(name, root, false, 200, 2_000,
                    CONCURRENCY, MirrorMapping.DEFAULT_MOVE_WINDOW), remote, dataSource, null);
            ExecutorService executor = Executors.newSingleThreadExecutor();
            ExecutorService workers = Executors.newFixedThreadPool(engine.concurrency());
            long start = System.nanoTime();
            engine.start(executor, workers);
            try {
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                        engine.fileChanged(engine.mapping().relative(file));
                    }
                }
                while (engine.queue().pending() > 0) {
                    Thread.sleep(50);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long sent = remote instanceof S3Remote s3 ? s3.bytesSent() : ((SftpRemote) remote).bytesSent();
                System.out.printf("RESULT %.2f %d%n", seconds, sent);
            } finally {
                engine.stop();
                executor.shutdown();
                workers.shutdown();
            }
        }
    }
}
