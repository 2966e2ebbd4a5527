package dev.hftp.server.proxy;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Takes the client's address from the PROXY protocol header (v1 or v2) that a balancer such as HAProxy sends
 * first on each connection, for the logs and the access log, then leaves the pipeline. Follows an
 * {@link HAProxyMessageDecoder}, which removes itself after the header and closes a connection that does not
 * start with one. Which peers may send a header at all is {@link ProxyProtocolPeerFilter}'s to decide, before
 * either handler sees a byte: anyone else could claim any address. A {@code LOCAL} header (the
 * balancer's own health check) keeps the socket's address. A connection whose header is not complete within
 * {@value #HEADER_TIMEOUT_SECONDS} s is closed: the decoder cannot tell a short line such as {@code help}
 * from the start of a header, and would otherwise wait for the idle timeout, or for ever.
 */
@Sharable
public final class ProxyProtocolHandler extends SimpleChannelInboundHandler<HAProxyMessage> {

    public static final ProxyProtocolHandler INSTANCE = new ProxyProtocolHandler();

    /** A balancer sends its header with the connection's first bytes; this is ample. */
    static final int HEADER_TIMEOUT_SECONDS = 10;

    private static final AttributeKey<ScheduledFuture<?>> TIMEOUT =
            AttributeKey.valueOf(ProxyProtocolHandler.class, "timeout");

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(ProxyProtocolHandler.class);

    private ProxyProtocolHandler() {
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().attr(TIMEOUT).set(ctx.executor().schedule(() -> {
            logger.debug("{} closed: no PROXY protocol header within {} s", ClientAddress.text(ctx.channel().remoteAddress()),
                    HEADER_TIMEOUT_SECONDS);
            ctx.close();
        }, HEADER_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimeout(ctx);
        ctx.fireChannelInactive();
    }

    private static void cancelTimeout(ChannelHandlerContext ctx) {
        ScheduledFuture<?> timeout = ctx.channel().attr(TIMEOUT).getAndSet(null);
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HAProxyMessage header) {
        cancelTimeout(ctx);
        if (header.command() == HAProxyCommand.PROXY && isTcp(header.proxiedProtocol())) {
            // The decoder has checked that the address is a literal of its family: no name lookup here.
            InetAddress address = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
            if (address != null) {
                InetSocketAddress client = new InetSocketAddress(address, header.sourcePort());
                logger.debug("{} proxied for {}", ClientAddress.text(ctx.channel().remoteAddress()), ClientAddress.text(client));
                ClientAddress.setProxied(ctx.channel(), client);
            }
        }
        ctx.pipeline().remove(this);
    }

    private static boolean isTcp(HAProxyProxiedProtocol protocol) {
        return protocol == HAProxyProxiedProtocol.TCP4 || protocol == HAProxyProxiedProtocol.TCP6;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException) {
            // No valid header: a client that bypassed the balancer, or a balancer not set to send one.
            logger.debug("{} closed: no valid PROXY protocol header ({})", ClientAddress.text(ctx.channel().remoteAddress()),
                    cause.getMessage());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
