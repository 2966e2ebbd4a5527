package dev.hftp.server.pipeline;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;

/**
 * Stands, at the head of an embedded pipeline, for a client that reads nothing yet: flushes wait until
 * {@link #resume}, so what the server writes stays queued and the channel stops being writable after a few bytes,
 * as a socket whose peer does not read.
 */
final class StalledClient extends ChannelOutboundHandlerAdapter {

    private ChannelHandlerContext ctx;
    private boolean stalled = true;
    private boolean flushPending;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (stalled) {
            flushPending = true;
        } else {
            ctx.flush();
        }
    }

    /** The client reads again: what waited is flushed, and so is everything after it. */
    void resume() {
        stalled = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        ctx.channel().eventLoop().execute(() -> { });
    }
}
