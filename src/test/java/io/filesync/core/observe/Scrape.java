package io.filesync.core.observe;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;

/** Reads filesync's management server the way an operator's curl or Prometheus would. */
public final class Scrape {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;

    public Scrape(int port) {
        this.port = port;
    }

    /**
     * The management server of a running context. Tests run it on port 0 (the pom sets camel.management.port for every
     * test JVM), so each gets a free port from the kernel, and this reads which one.
     */
    public static Scrape of(CamelContext context) {
        ManagementHttpServer server = context.hasService(ManagementHttpServer.class);
        if (server == null) {
            throw new IllegalStateException("the management server is off");
        }
        return new Scrape(server.getRouter().getServer().getPort());
    }

    public int port() {
        return port;
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public String metrics() throws IOException, InterruptedException {
        return get("/observe/metrics").body();
    }

    /**
     * The value of one Prometheus sample, e.g. {@code value("filesync_csv_rows_written_total", "table=\"sales\"")}, or
     * -1 when the endpoint does not list it.
     *
     * @param labels label matchers that must all appear in the sample's label set
     */
    public double value(String name, String... labels) throws IOException, InterruptedException {
        Matcher lines = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$").matcher(metrics());
        while (lines.find()) {
            boolean all = true;
            for (String label : labels) {
                all &= lines.group(1).contains(label);
            }
            if (all) {
                return Double.parseDouble(lines.group(2));
            }
        }
        return -1;
    }
}
