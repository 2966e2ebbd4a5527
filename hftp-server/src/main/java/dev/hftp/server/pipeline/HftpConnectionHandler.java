package dev.hftp.server.pipeline;

import dev.hftp.server.proxy.ClientAddress;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;


/**
 * The life of every connection of one server, once {@link ConnectionAdmission} has let it in: joins the server's
 * group (for the shutdown) and logs each event once at DEBUG, TLS handshakes
 * included. Shared by all the connections of a server.
 */
@Sharable
public final class HftpConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(HftpConnectionHandler.class);

    private final ChannelGroup channels;

    public HftpConnectionHandler(ChannelGroup channels) {
        this.channels = channels;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channels.add(ctx.channel());
        logger.debug("{} connected", ClientAddress.text(ctx.channel().remoteAddress()));
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        logger.debug("{} disconnected", ClientAddress.textOf(ctx.channel()));
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            logHandshake(ctx, handshake);
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * A failed handshake (a plaintext client, an unknown CA, a timeout) is the client's business and anyone's
     * to cause: DEBUG, never WARN. The SslHandler has already closed the connection.
     */
    private static void logHandshake(ChannelHandlerContext ctx, SslHandshakeCompletionEvent handshake) {
        if (!logger.isDebugEnabled()) {
            return;
        }
        if (handshake.isSuccess()) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            String session = ssl == null ? "" : ssl.engine().getSession().getProtocol() + " "
                    + ssl.engine().getSession().getCipherSuite();
            logger.debug("{} TLS handshake done: {}", ClientAddress.textOf(ctx.channel()), session);
        } else {
            logger.debug("{} TLS handshake failed: {}", ClientAddress.textOf(ctx.channel()),
                    handshake.cause().toString());
        }
    }
}
