package dev.hftp.server;

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

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Takes the client's address from the PROXY protocol header (v1 or v2) that a balancer such as HAProxy sends
 * first on each connection, for the logs and the access log, then leaves the pipeline. Follows an
 * {@link HAProxyMessageDecoder}, which removes itself after the header and closes a connection that does not
 * start with one: with the PROXY protocol on, only the balancer may connect. A {@code LOCAL} header (the
 * balancer's own health check) keeps the socket's address.
 */
@Sharable
final class ProxyProtocolHandler extends SimpleChannelInboundHandler<HAProxyMessage> {

    static final ProxyProtocolHandler INSTANCE = new ProxyProtocolHandler();

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(ProxyProtocolHandler.class);

    private ProxyProtocolHandler() {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HAProxyMessage header) {
        if (header.command() == HAProxyCommand.PROXY && isTcp(header.proxiedProtocol())) {
            // The decoder has checked that the address is a literal of its family: no name lookup here.
            InetAddress address = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
            if (address != null) {
                InetSocketAddress client = new InetSocketAddress(address, header.sourcePort());
                logger.debug("{} proxied for {}", ctx.channel().remoteAddress(), client);
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
            logger.debug("{} closed: no valid PROXY protocol header ({})", ctx.channel().remoteAddress(),
                    cause.getMessage());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
