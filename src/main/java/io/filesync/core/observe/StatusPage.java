package io.filesync.core.observe;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;

/**
 * The status page at {@value #PATH}: one HTML page, its script and its style sheet, read from the jar once. The script
 * draws the page from {@link FactsEndpoint}'s JSON every few seconds; nothing is loaded from elsewhere, so the page
 * works offline. The policy header allows only this server's own script and style, so even a value that slipped past
 * the script's escaping could not run as code.
 */
final class StatusPage {

    static final String PATH = "/filesync/";

    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final Map<String, String> FILES = Map.of(
            "", "index.html",
            "status.js", "status.js",
            "status.css", "status.css");

    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "status.js", "text/javascript; charset=utf-8",
            "status.css", "text/css; charset=utf-8");

    private StatusPage() {
    }

    static void install(Router router) {
        // Without the slash the page's relative links would resolve against the root.
        // Vert.x matches this route for the path with the slash too: that one goes on to the page.
        router.route(HttpMethod.GET, PATH.substring(0, PATH.length() - 1)).handler(request -> {
            if (request.request().path().endsWith("/")) {
                request.next();
            } else {
                request.response().setStatusCode(301).putHeader("Location", PATH).end();
            }
        });
        FILES.forEach((path, file) -> {
            Buffer body = Buffer.buffer(read(file));
            router.route(HttpMethod.GET, PATH + path).handler(request -> secured(request.response())
                    .putHeader("Content-Type", TYPES.get(file))
                    // Revalidated each load: a new filesync version's page replaces the old one at once.
                    .putHeader("Cache-Control", "no-cache")
                    .end(body));
        });
    }

    /** The headers every answer of the page and its facts carries. */
    static io.vertx.core.http.HttpServerResponse secured(io.vertx.core.http.HttpServerResponse response) {
        return response.putHeader("Content-Security-Policy", POLICY)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer");
    }

    private static byte[] read(String file) {
        try (InputStream in = StatusPage.class.getResourceAsStream("status/" + file)) {
            if (in == null) {
                throw new IllegalStateException("The jar lacks the status page's " + file);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
