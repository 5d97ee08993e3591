package io.filesync.core.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@link FactsJson} at {@value #PATH} on Camel's management server, beside {@code /observe/health} and
 * {@code /observe/metrics}, the way camel-micrometer-prometheus adds its scrape path. Nothing happens when the
 * management server is off. Also installs the {@link StatusPage} drawn from these facts.
 */
public final class FactsEndpoint extends MainListenerSupport {

    public static final String PATH = "/observe/filesync";

    private static final Logger LOG = LoggerFactory.getLogger(FactsEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void afterConfigure(BaseMainSupport main) {
        // The management server's router exists once the context has started.
        CamelContext context = main.getCamelContext();
        try {
            context.addStartupListener((started, alreadyStarted) -> install(started));
        } catch (Exception e) {
            LOG.warn("Could not add {} to the management server: {}", PATH, e.getMessage(), e);
        }
    }

    /** Adds the path to the context's management server, if it runs one. */
    public static void install(CamelContext context) {
        ManagementHttpServer server = context.hasService(ManagementHttpServer.class);
        if (server == null || server.getRouter() == null) {
            return;
        }
        // What each job is doing (JobStates) is read from the exchanges in flight, which Camel lists only when asked to.
        context.getInflightRepository().setInflightBrowseEnabled(true);
        // Blocking: health checks wait for their probes (bounded by each check's timeout), off the event loop.
        server.getRouter().route(HttpMethod.GET, PATH).blockingHandler(request -> answer(context, request));
        StatusPage.install(server.getRouter());
        LOG.info("filesync facts as JSON on the management server at {}, the status page at {}", PATH, StatusPage.PATH);
    }

    private static void answer(CamelContext context, RoutingContext request) {
        try {
            byte[] body = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(FactsJson.of(context));
            StatusPage.secured(request.response()).putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store").end(io.vertx.core.buffer.Buffer.buffer(body));
        } catch (Exception e) {
            LOG.warn("Could not answer {}: {}", PATH, e.getMessage(), e);
            request.response().setStatusCode(500).end();
        }
    }
}
