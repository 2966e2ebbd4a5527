/**
 * Clients behind a balancer: the PROXY protocol header ({@code ProxyProtocolHandler}), which peers may send one
 * ({@code ProxyProtocolPeers}, {@code ProxyProtocolPeerFilter}), and the client address every log line uses
 * ({@code ClientAddress}). Internal.
 */
package dev.hftp.server.proxy;
