package dev.hftp.server.metrics;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Reads a connection's next HTTP request only when the reply to the one before is written and the channel is
 * writable. With auto-read off and a {@link io.netty.handler.flow.FlowControlHandler} in front (one request
 * per {@code read()}), a client that pipelines requests and reads none of the replies costs the server one
 * reply and its write buffer, not a reply per request, and what else it sent waits in the kernel.
 */
public final class ReadAfterReplyHandler extends ChannelDuplexHandler {

    /** Set from a {@code read()} until the request it asked for arrives: one request at a time. */
    private boolean awaiting;
    /** Set from a request until its reply is written. */
    private boolean answering;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            readNext(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        readNext(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        awaiting = false;
        answering = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent) {
            promise = promise.unvoid();
            promise.addListener((ChannelFuture written) -> replied(ctx, written));
        }
        ctx.write(msg, promise);
    }

    private void replied(ChannelHandlerContext ctx, ChannelFuture written) {
        answering = false;
        if (written.isSuccess()) {
            // Later, not now: a reply that the socket takes at once is written inside the dispatch of its request,
            // and reading the next request from here would nest one dispatch per pipelined request.
            ctx.executor().execute(() -> readNext(ctx));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        readNext(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    private void readNext(ChannelHandlerContext ctx) {
        if (!awaiting && !answering && ctx.channel().isActive() && ctx.channel().isWritable()) {
            awaiting = true;
            ctx.read();
        }
    }
}
