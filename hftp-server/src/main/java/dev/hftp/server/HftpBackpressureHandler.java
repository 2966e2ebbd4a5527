package dev.hftp.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.stream.ChunkedInput;

import java.util.ArrayDeque;

/**
 * Holds requests back while a file transfer is being written, and stops reading from the socket while a
 * transfer runs or while the client does not take its replies (the channel is not writable).
 *
 * <p>Requests are then served one after the other, each when it is reached, as a sequential server does:
 * a pipelined request sees the files as they are when the replies before it are done, and a client that
 * pipelines many slices holds only the requests of one socket read, not an open file for each.
 */
final class HftpBackpressureHandler extends ChannelDuplexHandler {

    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private boolean transferring;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (transferring || !held.isEmpty()) {
            held.add(msg);
            updateAutoRead(ctx);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ChunkedInput || msg instanceof FileRegion) {
            transferring = true;
            updateAutoRead(ctx);
            promise = promise.unvoid();
            // Later, not inside the flush that completed the transfer: a flush there would be ignored.
            promise.addListener((ChannelFuture f) -> ctx.executor().execute(() -> transferDone(ctx, f.isSuccess())));
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateAutoRead(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        held.clear();
        ctx.fireChannelInactive();
    }

    private void transferDone(ChannelHandlerContext ctx, boolean success) {
        transferring = false;
        if (!success) {
            // The connection is closing; nothing more will be answered.
            held.clear();
            return;
        }
        boolean released = false;
        Object msg;
        while (!transferring && (msg = held.poll()) != null) {
            ctx.fireChannelRead(msg);
            released = true;
        }
        if (released) {
            // Lets the handler flush what these requests wrote.
            ctx.fireChannelReadComplete();
        }
        updateAutoRead(ctx);
    }

    private void updateAutoRead(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(!transferring && held.isEmpty() && ctx.channel().isWritable());
    }
}
