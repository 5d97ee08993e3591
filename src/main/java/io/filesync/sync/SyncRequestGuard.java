package io.filesync.sync;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.apache.camel.component.netty.http.handlers.HttpInboundStreamHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards one connection of the sync server: judges each request on its head (token, operation, method, media type,
 * announced length) before any body byte is buffered, counts the body as it arrives (chunked or not), and times the
 * request's parts. A refused request is answered at once with a reason, a log line and an audit row, its connection
 * closed; the route never sees it. It sits after Netty's request decoder, so heads and body pieces reach it as they
 * are decoded, and the aggregator behind it only ever buffers the body of an admitted request, up to the cap.
 * Every method runs on the connection's event loop.
 */
final class SyncRequestGuard extends ChannelDuplexHandler {

    private static final Logger LOG = LoggerFactory.getLogger(SyncRequestGuard.class);
    /** How long a refused connection stays half-closed before it is closed: time for the client to read the answer. */
    private static final long LINGER_MS = 1000;

    private enum State { IDLE, RECEIVING, PROCESSING, REFUSED }

    private final SyncToken token;
    private final long maxRequestBytes;
    private final long idleTimeoutMs;
    private final long requestTimeoutMs;
    private final BiConsumer<String, String> audit;
    private State state = State.IDLE;
    private long received;
    private String client = "unnamed";
    private ScheduledFuture<?> idle;
    private ScheduledFuture<?> deadline;

    SyncRequestGuard(SyncToken token, long maxRequestBytes, long idleTimeoutMs, long requestTimeoutMs,
                     BiConsumer<String, String> audit) {
        this.audit = audit;
        this.token = token;
        this.maxRequestBytes = maxRequestBytes;
        this.idleTimeoutMs = idleTimeoutMs;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        // With the stream cache off, camel-netty-http pipes a chunked body to the route instead of aggregating it,
        // without any cap; the sync server wants every body aggregated, so the aggregator's cap holds as well.
        if (ctx.pipeline().get(HttpInboundStreamHandler.class) != null) {
            ctx.pipeline().remove(HttpInboundStreamHandler.class);
        }
        idle = schedule(ctx, idleTimeoutMs, () -> idleTimedOut(ctx));
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.REFUSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest head) {
            Refusal refusal = judge(head);
            if (refusal != null) {
                ReferenceCountUtil.release(msg);
                refuse(ctx, refusal);
                return;
            }
            state = State.RECEIVING;
            received = 0;
            cancel(deadline);
            deadline = schedule(ctx, requestTimeoutMs, () -> deadlinePassed(ctx));
        }
        if (msg instanceof HttpContent content) {
            Refusal refusal = content.decoderResult().isFailure() ? malformed(content.decoderResult())
                    : (received += content.content().readableBytes()) > maxRequestBytes
                    ? new Refusal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body larger than "
                            + maxRequestBytes + " bytes (sync.server.max-request-bytes)", null)
                    : null;
            if (refusal != null) {
                ReferenceCountUtil.release(msg);
                refuse(ctx, refusal);
                return;
            }
        }
        cancel(idle);
        if (msg instanceof LastHttpContent) {
            // Complete: the answer may take as long as the work does; the timers start again once it is written.
            state = State.PROCESSING;
            cancel(deadline);
        } else {
            idle = schedule(ctx, idleTimeoutMs, () -> idleTimedOut(ctx));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (state == State.PROCESSING) {
            // The answer is on its way: the connection now waits for the client's next request.
            state = State.IDLE;
            idle = schedule(ctx, idleTimeoutMs, () -> idleTimedOut(ctx));
        }
        ctx.write(msg, promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        // Once refused, nothing more is read, whoever asks: the aggregator asks for more of a body it holds in part.
        if (state != State.REFUSED) {
            ctx.read();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (state == State.REFUSED) {
            // The client reset a connection that was refused and is being closed anyway: nothing to answer or report.
            LOG.debug("Sync server: refused connection from {} ended: {}", client, cause.toString());
            ctx.close();
            return;
        }
        super.exceptionCaught(ctx, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel(idle);
        cancel(deadline);
        super.channelInactive(ctx);
    }

    /** Why the request with this head is refused, or null when it may proceed to its body. */
    private Refusal judge(HttpRequest head) {
        if (head.decoderResult().isFailure()) {
            return malformed(head.decoderResult());
        }
        String named = head.headers().get(SyncHeaders.CLIENT);
        client = named == null || named.isBlank() ? "unnamed" : SyncOperation.shown(named);
        String unauthorised = token.refusal(head.headers().get(SyncHeaders.AUTHORIZATION));
        if (unauthorised != null) {
            return new Refusal(HttpResponseStatus.UNAUTHORIZED, "unauthorised: " + unauthorised, null);
        }
        SyncOperation operation = SyncOperation.of(head.uri());
        String name = SyncOperation.shown(SyncOperation.name(head.uri()));
        if (operation == null) {
            return new Refusal(HttpResponseStatus.NOT_FOUND, "no such operation: " + name, null);
        }
        if (!operation.method.equals(head.method().name())) {
            return new Refusal(HttpResponseStatus.METHOD_NOT_ALLOWED, "operation " + name + " takes " + operation.method
                    + ", not " + SyncOperation.shown(head.method().name()), operation.method);
        }
        String contentType = head.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (!operation.accepts(contentType)) {
            return new Refusal(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "operation " + name + " takes a body of "
                    + operation.mediaType + ", not " + SyncOperation.shown(contentType), null);
        }
        long announced = HttpUtil.getContentLength(head, -1L);
        if (announced > maxRequestBytes) {
            return new Refusal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body of " + announced
                    + " bytes larger than " + maxRequestBytes + " bytes (sync.server.max-request-bytes)", null);
        }
        return null;
    }

    private static Refusal malformed(DecoderResult result) {
        Throwable cause = result.cause();
        if (cause instanceof TooLongHttpLineException) {
            return new Refusal(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long: " + cause.getMessage(), null);
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new Refusal(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request head too large: "
                    + cause.getMessage(), null);
        }
        return new Refusal(HttpResponseStatus.BAD_REQUEST, "malformed request: " + cause.getMessage(), null);
    }

    private void idleTimedOut(ChannelHandlerContext ctx) {
        if (state == State.RECEIVING) {
            refuse(ctx, new Refusal(HttpResponseStatus.REQUEST_TIMEOUT, "no part of the request arrived for "
                    + idleTimeoutMs + " ms (sync.server.idle-timeout-ms)", null));
        } else if (state == State.IDLE) {
            // Between requests nothing was asked, so nothing is answered (an unasked 408 would be read as the answer to
            // the client's next request); this also ends a head that never completes.
            LOG.debug("Sync server closes the connection from {} ({}): no request within {} ms",
                    client, ctx.channel().remoteAddress(), idleTimeoutMs);
            ctx.close();
        }
    }

    private void deadlinePassed(ChannelHandlerContext ctx) {
        if (state == State.RECEIVING) {
            refuse(ctx, new Refusal(HttpResponseStatus.REQUEST_TIMEOUT, "request not complete within "
                    + requestTimeoutMs + " ms (sync.server.request-timeout-ms)", null));
        }
    }

    /**
     * Answers a refused request and closes its connection. Nothing more is read: what the client still sends waits in
     * its socket buffers, which bounds it. The answer is followed by the end of the stream; the connection itself is
     * closed a moment later, so a close with unread bytes (which resets the connection) cannot discard the answer.
     */
    private void refuse(ChannelHandlerContext ctx, Refusal refusal) {
        if (state == State.RECEIVING && ctx.pipeline().get(HttpObjectAggregator.class) != null) {
            // The aggregator holds the refused request's head and body so far: removed, it releases them now, and
            // does not report the close as a request cut short.
            ctx.pipeline().remove(HttpObjectAggregator.class);
        }
        state = State.REFUSED;
        cancel(idle);
        cancel(deadline);
        Channel channel = ctx.channel();
        channel.config().setAutoRead(false);
        LOG.warn("Sync request from {} ({}) refused with {}: {}", client, channel.remoteAddress(),
                refusal.status().code(), refusal.reason());
        audit.accept(client, refusal.status().code() + " " + refusal.reason());
        FullHttpResponse answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, refusal.status(),
                Unpooled.wrappedBuffer(SyncRequests.errorJson(refusal.reason())));
        answer.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, answer.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (refusal.allow() != null) {
            answer.headers().set(HttpHeaderNames.ALLOW, refusal.allow());
        }
        channel.writeAndFlush(answer).addListener((ChannelFuture written) -> {
            if (written.isSuccess() && channel instanceof SocketChannel socket && channel.pipeline().get(SslHandler.class) == null) {
                socket.shutdownOutput();
                ctx.executor().schedule(() -> channel.close(), LINGER_MS, TimeUnit.MILLISECONDS);
            } else {
                channel.close();
            }
        });
    }

    private static ScheduledFuture<?> schedule(ChannelHandlerContext ctx, long delayMs, Runnable task) {
        return ctx.executor().schedule(task, delayMs, TimeUnit.MILLISECONDS);
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** A refusal: its status, the reason given in the answer and the log, and the method to allow instead (or null). */
    private record Refusal(HttpResponseStatus status, String reason, String allow) {
    }
}
