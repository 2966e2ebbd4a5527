package dev.hftp.server.proxy;

import io.netty.channel.Channel;
import io.netty.util.NetUtil;
import io.netty.util.AttributeKey;

import java.net.InetSocketAddress;
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

    /** The client of {@code channel} as logs write it: {@code 127.0.0.1:33968}, {@code [2001:db8::7]:40000}. */
    public static String textOf(Channel channel) {
        return text(of(channel));
    }

    /** {@code address} as logs write it: host and port, no leading slash, an IPv6 host in brackets. */
    public static String text(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? NetUtil.toSocketAddressString(inet) : String.valueOf(address);
    }

    public static void setProxied(Channel channel, SocketAddress client) {
        channel.attr(PROXIED).set(client);
    }
}
