package dev.hftp.server;

import dev.hftp.codec.HftpLineDecoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.stream.ChunkedInput;

import java.util.ArrayDeque;

/**
 * Holds requests back while a file transfer is being written, and stops reading from the socket while a
 * transfer runs or while the client does not take its replies (the channel is not writable).
 *
 * <p>Requests are then served one after the other, each when it is reached, as a sequential server does:
 * a pipelined request sees the files as they are when the transfers before it are done. At most
 * {@code maxPendingRequests} decoded requests wait here; past that the line decoder stops framing, so
 * the rest of what was read waits as bytes in its buffer (one socket read at most) until the backlog
 * drains.
 *
 * <p>On {@link #DRAIN} (the server is shutting down) the connection stops reading, lets the transfer in
 * flight finish, flushes, and closes.
 */
final class HftpBackpressureHandler extends ChannelDuplexHandler {

    /** The user event that asks a connection to finish its transfer and close. */
    static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    private final HftpLineDecoder lineDecoder;
    private final int maxPendingRequests;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private boolean transferring;
    private boolean draining;
    private boolean inputShutdown;

    HftpBackpressureHandler(HftpLineDecoder lineDecoder, int maxPendingRequests) {
        this.lineDecoder = lineDecoder;
        this.maxPendingRequests = maxPendingRequests;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (draining) {
            return;
        }
        if (transferring || !held.isEmpty()) {
            held.add(msg);
            if (held.size() >= maxPendingRequests && !inputEnded(ctx)) {
                // Past the cap the rest waits as bytes; not once the input has ended, as those bytes are dropped.
                lineDecoder.setSingleDecode(true);
            }
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
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownReadComplete) {
            // The client sent FIN: it still gets the replies to everything it sent, then the connection closes.
            inputShutdown = true;
            closeIfAnswered(ctx);
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (evt != DRAIN) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        draining = true;
        held.clear();
        updateAutoRead(ctx);
        if (!transferring) {
            flushAndClose(ctx);
        }
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
        if (draining) {
            flushAndClose(ctx);
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
        if (lineDecoder.isSingleDecode() && held.size() < maxPendingRequests && ctx.channel().isActive()) {
            // Frames the lines that stayed in the decoder's buffer, as if they had just been read.
            lineDecoder.setSingleDecode(false);
            reframe(ctx);
        }
        updateAutoRead(ctx);
        closeIfAnswered(ctx);
    }

    /**
     * Hands the line decoder an empty read, so it frames what it holds. Straight to the decoder, not from the
     * head of the pipeline: a handler in front of it (the SslHandler) would swallow an empty read.
     */
    private void reframe(ChannelHandlerContext ctx) {
        ChannelHandlerContext decoder = ctx.pipeline().context(lineDecoder);
        if (decoder == null) {
            return;
        }
        try {
            lineDecoder.channelRead(decoder, Unpooled.EMPTY_BUFFER);
            if (inputEnded(ctx)) {
                // A read-complete would make the decoder ask for more input, which native transports refuse.
                ctx.flush();
            } else {
                lineDecoder.channelReadComplete(decoder);
            }
        } catch (Exception e) {
            // As if the pipeline had delivered the read: the decoder's failure goes down the pipeline.
            decoder.fireExceptionCaught(e);
        }
    }

    private void closeIfAnswered(ChannelHandlerContext ctx) {
        if (inputShutdown && !transferring && held.isEmpty()) {
            flushAndClose(ctx);
        }
    }

    private static void flushAndClose(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void updateAutoRead(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(
                !draining && !inputEnded(ctx) && !transferring && held.isEmpty() && ctx.channel().isWritable());
    }

    /** Once the client's input has ended there is nothing to read, and native transports refuse to try. */
    private boolean inputEnded(ChannelHandlerContext ctx) {
        return inputShutdown || ctx.channel() instanceof DuplexChannel duplex && duplex.isInputShutdown();
    }
}
