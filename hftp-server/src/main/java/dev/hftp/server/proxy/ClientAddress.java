package dev.hftp.server.proxy;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.net.SocketAddress;

/**
 * The address of the client a connection serves, as logs and the access log show it: the peer of the
 * socket, or, behind a balancer that speaks the PROXY protocol, the client the balancer announced.
 */
public final class ClientAddress {

    private static final AttributeKey<SocketAddress> PROXIED = AttributeKey.valueOf(ClientAddress.class, "proxied");

    private ClientAddress() {
    }

    public static SocketAddress of(Channel channel) {
        SocketAddress proxied = channel.attr(PROXIED).get();
        return proxied != null ? proxied : channel.remoteAddress();
    }

    public static void setProxied(Channel channel, SocketAddress client) {
        channel.attr(PROXIED).set(client);
    }
}
