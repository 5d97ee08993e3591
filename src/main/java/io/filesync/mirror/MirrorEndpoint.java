package io.filesync.mirror;

import java.net.URI;
import java.nio.file.Path;

import javax.sql.DataSource;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * {@code filesync-mirror:<mapping>?root=...&remote=s3|sftp&...}: records file exchanges (from the file source) and
 * change events (from {@code filesync-watch:}) as actions of one mapping, which its {@link MirrorEngine} carries out
 * against the remote. Producer only. Every endpoint of one mapping name shares one engine, held by the component.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = MirrorComponent.SCHEME, title = "filesync mirror",
        syntax = "filesync-mirror:mapping", producerOnly = true, category = {Category.FILE, Category.CLOUD},
        headersClass = MirrorHeaders.class)
public class MirrorEndpoint extends DefaultEndpoint {

    @UriPath(description = "Names the mapping in the queue, audit and state tables; keep it stable")
    @Metadata(required = true)
    private final String mapping;
    @UriParam(defaultValue = "true", description = "Whether the mapping runs. Camel starts the producers of a route that is"
            + " not started, so a mapping that is off must say so here too: it then opens no connection and needs no settings")
    private boolean enabled = true;
    @UriParam(defaultValue = "4", description = "How many actions on different paths run at once (SFTP: one session each)")
    private int concurrency = 4;
    @UriParam(description = "The local folder mirrored (required)")
    private String root;

    @UriParam(description = "s3 or sftp (required)")
    private String remote;

    @UriParam(description = "Whether local deletions are mirrored; without it, remote copies of deleted files are kept", defaultValue = "false")
    private boolean completeSync = false;

    @UriParam(description = "First retry delay after a failure, in milliseconds; doubled with jitter on each failure", defaultValue = "1000")
    private long initialBackoff = 1000;

    @UriParam(description = "Cap on the retry delay, in milliseconds", defaultValue = "60000")
    private long maxBackoff = 60000;

    @UriParam(description = "Registry name of the DataSource keeping the queue, audit and state", defaultValue = "filesyncDataSource")
    private String dataSource = "filesyncDataSource";

    @UriParam(description = "Registry name of the ErrorRecorder failures are also recorded with; ignored if absent", defaultValue = "filesyncErrors")
    private String errorRecorder = "filesyncErrors";

    @UriParam(description = "S3: the bucket (must exist)")
    private String bucket;

    @UriParam(description = "S3: key prefix the relative paths are appended to", defaultValue = "")
    private String prefix = "";

    @UriParam(description = "S3: region", defaultValue = "us-east-1")
    private String region = "us-east-1";

    @UriParam(description = "S3: endpoint of an S3-compatible service; path-style addressing is used with it")
    private String endpointOverride;

    @UriParam(description = "S3: access key; empty to use the standard AWS credential chain", secret = true)
    private String accessKey;

    @UriParam(description = "S3: secret key", secret = true)
    private String secretKey;

    @UriParam(description = "S3: files of at least this many bytes are uploaded in resumable parts", defaultValue = "16 MiB")
    private long multipartThreshold = 16L * 1024 * 1024;

    @UriParam(description = "S3: bytes per part (at least 5 MiB); the memory an upload needs", defaultValue = "8 MiB")
    private int partSize = 8 * 1024 * 1024;

    @UriParam(description = "S3: unfinished multipart uploads older than this many milliseconds are aborted", defaultValue = "24 h")
    private long abandonedUploadAge = 24L * 3600 * 1000;

    @UriParam(description = "SFTP: server host")
    private String host;

    @UriParam(description = "SFTP: server port", defaultValue = "22")
    private int port = 22;

    @UriParam(description = "SFTP: login")
    private String username;

    @UriParam(description = "SFTP: password", secret = true)
    private String password;

    @UriParam(description = "SFTP: private key file")
    private String privateKeyFile;

    @UriParam(description = "SFTP: passphrase of the private key", secret = true)
    private String passphrase;

    @UriParam(description = "SFTP: known-hosts file; default ~/.ssh/known_hosts")
    private String knownHostsFile;

    @UriParam(description = "SFTP: whether the host key must be in the known-hosts file", defaultValue = "true")
    private boolean strictHostKeyChecking = true;

    @UriParam(description = "SFTP: base folder on the server", defaultValue = ".")
    private String directory = ".";

    @UriParam(description = "SFTP: connect and read timeout in milliseconds", defaultValue = "30000")
    private int timeout = 30000;

    public MirrorEndpoint(String uri, MirrorComponent component, String mapping) {
        super(uri, component);
        this.mapping = mapping;
    }

    @Override
    public Producer createProducer() {
        return new MirrorProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException(MirrorComponent.SCHEME + ": is a producer only; read changes with filesync-watch: or the file source");
    }

    @Override
    public boolean isRemote() {
        return true;
    }

    public String getMapping() {
        return mapping;
    }

    /** The mapping these options describe. */
    MirrorMapping mappingSettings() {
        require(root, "root");
        return new MirrorMapping(mapping, Path.of(root), completeSync, initialBackoff, maxBackoff, concurrency);
    }

    /** A new client for the configured remote, keeping its upload progress in {@code dataSource}; the caller closes it. */
    Remote newRemote(DataSource dataSource) {
        require(remote, "remote");
        switch (remote.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "s3":
                require(bucket, "bucket");
                return new S3Remote(new S3Settings(bucket, prefix, region,
                        endpointOverride == null || endpointOverride.isBlank() ? null : URI.create(endpointOverride),
                        accessKey, secretKey, multipartThreshold, partSize, abandonedUploadAge),
                        new MultipartUploads(dataSource, mapping));
            case "sftp":
                require(host, "host");
                require(username, "username");
                return new SftpRemote(new SftpSettings(host, port, username, password, privateKeyFile, passphrase,
                        knownHostsFile, strictHostKeyChecking, directory, timeout), concurrency,
                        new SftpCheckpoints(dataSource, mapping));
            default:
                throw new IllegalArgumentException(MirrorComponent.SCHEME + ":" + mapping + ": remote must be s3 or sftp, not " + remote);
        }
    }

    private void require(String value, String option) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(MirrorComponent.SCHEME + ":" + mapping + ": option " + option + " is not set");
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public int getConcurrency() {
        return concurrency;
    }

    public void setConcurrency(int concurrency) {
        this.concurrency = concurrency;
    }

    public String getRoot() {
        return root;
    }

    public void setRoot(String root) {
        this.root = root;
    }

    public String getRemote() {
        return remote;
    }

    public void setRemote(String remote) {
        this.remote = remote;
    }

    public boolean getCompleteSync() {
        return completeSync;
    }

    public void setCompleteSync(boolean completeSync) {
        this.completeSync = completeSync;
    }

    public long getInitialBackoff() {
        return initialBackoff;
    }

    public void setInitialBackoff(long initialBackoff) {
        this.initialBackoff = initialBackoff;
    }

    public long getMaxBackoff() {
        return maxBackoff;
    }

    public void setMaxBackoff(long maxBackoff) {
        this.maxBackoff = maxBackoff;
    }

    public String getDataSource() {
        return dataSource;
    }

    public void setDataSource(String dataSource) {
        this.dataSource = dataSource;
    }

    public String getErrorRecorder() {
        return errorRecorder;
    }

    public void setErrorRecorder(String errorRecorder) {
        this.errorRecorder = errorRecorder;
    }

    public String getBucket() {
        return bucket;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket;
    }

    public String getPrefix() {
        return prefix;
    }

    public void setPrefix(String prefix) {
        this.prefix = prefix;
    }

    public String getRegion() {
        return region;
    }

    public void setRegion(String region) {
        this.region = region;
    }

    public String getEndpointOverride() {
        return endpointOverride;
    }

    public void setEndpointOverride(String endpointOverride) {
        this.endpointOverride = endpointOverride;
    }

    public String getAccessKey() {
        return accessKey;
    }

    public void setAccessKey(String accessKey) {
        this.accessKey = accessKey;
    }

    public String getSecretKey() {
        return secretKey;
    }

    public void setSecretKey(String secretKey) {
        this.secretKey = secretKey;
    }

    public long getMultipartThreshold() {
        return multipartThreshold;
    }

    public void setMultipartThreshold(long multipartThreshold) {
        this.multipartThreshold = multipartThreshold;
    }

    public int getPartSize() {
        return partSize;
    }

    public void setPartSize(int partSize) {
        this.partSize = partSize;
    }

    public long getAbandonedUploadAge() {
        return abandonedUploadAge;
    }

    public void setAbandonedUploadAge(long abandonedUploadAge) {
        this.abandonedUploadAge = abandonedUploadAge;
    }

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }

    public int getPort() {
        return port;
    }

    public void setPort(int port) {
        this.port = port;
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public String getPrivateKeyFile() {
        return privateKeyFile;
    }

    public void setPrivateKeyFile(String privateKeyFile) {
        this.privateKeyFile = privateKeyFile;
    }

    public String getPassphrase() {
        return passphrase;
    }

    public void setPassphrase(String passphrase) {
        this.passphrase = passphrase;
    }

    public String getKnownHostsFile() {
        return knownHostsFile;
    }

    public void setKnownHostsFile(String knownHostsFile) {
        this.knownHostsFile = knownHostsFile;
    }

    public boolean getStrictHostKeyChecking() {
        return strictHostKeyChecking;
    }

    public void setStrictHostKeyChecking(boolean strictHostKeyChecking) {
        this.strictHostKeyChecking = strictHostKeyChecking;
    }

    public String getDirectory() {
        return directory;
    }

    public void setDirectory(String directory) {
        this.directory = directory;
    }

    public int getTimeout() {
        return timeout;
    }

    public void setTimeout(int timeout) {
        this.timeout = timeout;
    }
}
