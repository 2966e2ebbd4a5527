package dev.hftp.server.proxy;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ipfilter.AbstractRemoteAddressFilter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.InetSocketAddress;

/**
 * With the PROXY protocol on, closes at once a connection from any peer but the balancers: its header would
 * choose the client address that the logs and the access log show. The first handler of the pipeline, so such a
 * peer is closed before a byte of it is read; it leaves the pipeline of an accepted connection. Shared by all
 * the connections of a server.
 */
@Sharable
public final class ProxyProtocolPeerFilter extends AbstractRemoteAddressFilter<InetSocketAddress> {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(ProxyProtocolPeerFilter.class);

    private final ProxyProtocolPeers peers;

    public ProxyProtocolPeerFilter(ProxyProtocolPeers peers) {
        this.peers = peers;
    }

    @Override
    protected boolean accept(ChannelHandlerContext ctx, InetSocketAddress peer) {
        return peers.contains(peer);
    }

    @Override
    protected ChannelFuture channelRejected(ChannelHandlerContext ctx, InetSocketAddress peer) {
        // Anyone who can reach the port can cause this: DEBUG, never WARN.
        logger.debug("{} closed: not a PROXY protocol peer (expected one of {})", peer, peers);
        return null;
    }
}
