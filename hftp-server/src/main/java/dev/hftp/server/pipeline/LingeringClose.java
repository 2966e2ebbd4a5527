package dev.hftp.server.pipeline;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;

import java.util.concurrent.TimeUnit;

/**
 * Ends a connection after its last reply without losing that reply. Closing a socket that still has unread client
 * bytes makes the kernel send RST, which drops replies not yet delivered; so the output is shut down (FIN after all
 * queued bytes, after TLS's close_notify), later requests are read and ignored, and the connection closes when the
 * client closes its side or after {@value #LINGER_SECONDS} s.
 */
final class LingeringClose {

    /** How long the server reads and ignores what a client sends after the last reply, before closing. */
    static final int LINGER_SECONDS = 2;

    private LingeringClose() {
    }

    /** Starts the end of the connection of {@code ctx}, whose last reply has been written. */
    static void after(ChannelHandlerContext ctx) {
        if (!(ctx.channel() instanceof DuplexChannel duplex) || !duplex.isActive()) {
            ctx.close();
            return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            shutdownOutputAndLinger(ctx, duplex);
            return;
        }
        // TLS ends the stream with close_notify first, so the client can tell the end from a truncation.
        ssl.closeOutbound().addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                shutdownOutputAndLinger(ctx, duplex);
            } else {
                ctx.close();
            }
        });
    }

    private static void shutdownOutputAndLinger(ChannelHandlerContext ctx, DuplexChannel duplex) {
        duplex.shutdownOutput().addListener((ChannelFuture f) -> {
            if (!f.isSuccess() || duplex.isInputShutdown()) {
                // Nothing more can come from the client (or go to it): close now.
                ctx.close();
                return;
            }
            ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, TimeUnit.SECONDS);
            duplex.config().setAutoRead(true);
        });
    }
}
