package io.filesync.sync;

import java.util.function.BiConsumer;

import io.netty.channel.ChannelHandler;
import org.apache.camel.component.netty.DefaultChannelHandlerFactory;

/**
 * What the sync server's HTTP listener lets in, as the settings of a {@link SyncRequestGuard} per connection. Route
 * {@code sync-server} names this bean in its endpoint's {@code decoders}: camel-netty-http places a fresh guard from it
 * right after Netty's request decoder, before the aggregator that would buffer a body whole. (camel-netty-http 4.18
 * ignores an endpoint's {@code serverInitializerFactory}; its decoders are the place it offers in the pipeline.)
 */
public final class SyncServerGuard extends DefaultChannelHandlerFactory {

    private SyncToken token = new SyncToken(null);
    private long maxRequestBytes = 32L * 1024 * 1024;
    private long idleTimeoutMs = 60_000;
    private long requestTimeoutMs = 300_000;
    private BiConsumer<String, String> audit = (client, reason) -> { };

    /** The shared secret every request must carry; blank refuses every request. */
    public void setToken(String token) {
        this.token = new SyncToken(token);
    }

    /** Largest request body, announced or streamed (chunked or not); a larger one is answered 413 when the cap passes. */
    public void setMaxRequestBytes(long maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Longest wait for the next part of a request (the rest of a head, a piece of a body) or, on a kept-alive
     * connection, for the next request. A request that stalls is answered 408; an idle connection is closed.
     */
    public void setIdleTimeoutMs(long idleTimeoutMs) {
        this.idleTimeoutMs = idleTimeoutMs;
    }

    /** Longest time from a request's head to the end of its body, however steadily it trickles in; beyond it, 408. */
    public void setRequestTimeoutMs(long requestTimeoutMs) {
        this.requestTimeoutMs = requestTimeoutMs;
    }

    /** Where each refusal is recorded besides the log: the server's audit table. */
    public void setAudit(SyncServerHttp server) {
        this.audit = server::refusedOnHead;
    }

    @Override
    public ChannelHandler newChannelHandler() {
        return new SyncRequestGuard(token, maxRequestBytes, idleTimeoutMs, requestTimeoutMs, audit);
    }
}
