package dev.hftp.server.pipeline;

import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;
import dev.hftp.server.logging.AccessLog;
import dev.hftp.server.metrics.ServerMetrics;
import dev.hftp.server.proxy.ProxyProtocolHandler;
import dev.hftp.server.proxy.ProxyProtocolPeerFilter;
import dev.hftp.server.proxy.ProxyProtocolPeers;
import dev.hftp.server.tls.RenegotiationRefusingHandler;

import dev.hftp.codec.HftpCommandDecoder;
import dev.hftp.codec.HftpLineDecoder;
import dev.hftp.codec.HftpResponseEncoder;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedWriteHandler;

/**
 * Builds the pipeline of each connection: TLS if configured, its share of the memory budget, connection limits,
 * line framing, request
 * decoding, response encoding, slice streaming, one request per read, then the business logic last, since
 * outbound writes travel toward the head.
 *
 * <p>The {@link SslHandler} comes first, nearest the socket (after only the PROXY protocol handlers and the
 * {@link RenegotiationRefusingHandler}, which read what comes before TLS or around its records), so that every
 * handler after it sees plaintext and every close from them sends TLS's close_notify. A connection over the limit is still closed at once:
 * the server has not started its handshake, so the close only emits one alert record.
 */
public final class HftpServerInitializer extends ChannelInitializer<SocketChannel> {

    /** The per-connection limits, as the pipeline needs them. */
    public record Limits(int maxLineLength, int chunkSize, long idleTimeoutMillis) { }

    /** TLS as the pipeline needs it: the context and how long a handshake may take. */
    public record Tls(SslContext context, long handshakeTimeoutMillis) { }

    // Stateless, hence shared by all connections.
    private static final HftpCommandDecoder COMMAND_DECODER = new HftpCommandDecoder();
    private static final HftpResponseEncoder RESPONSE_ENCODER = new HftpResponseEncoder();

    private final FileStore store;
    private final FileCalls files;
    private final HftpConnectionHandler connections;
    private final Limits limits;
    /** Null for plaintext. */
    private final Tls tls;
    /** Null when the server exports no metrics. */
    private final ServerMetrics metrics;
    /** Whether each connection starts with a balancer's PROXY protocol header. */
    private final boolean proxyProtocol;
    /** Null when any peer may send that header. */
    private final ProxyProtocolPeerFilter proxyPeerFilter;
    /** The bytes all the connections of the server may hold buffered. */
    private final MemoryBudget budget;
    /** One for the server: its connections share the limit of one line a second. */
    private final ErrorLog errors = new ErrorLog();

    /** {@code proxyProtocolFrom}: the peers allowed to send the PROXY protocol header, null for any. */
    public HftpServerInitializer(FileStore store, FileCalls files, HftpConnectionHandler connections,
                          Limits limits, Tls tls, ServerMetrics metrics,
                          boolean proxyProtocol, ProxyProtocolPeers proxyProtocolFrom, MemoryBudget budget) {
        this.store = store;
        this.budget = budget;
        this.files = files;
        this.connections = connections;
        this.limits = limits;
        this.tls = tls;
        this.metrics = metrics;
        this.proxyProtocol = proxyProtocol;
        this.proxyPeerFilter = proxyProtocolFrom == null ? null : new ProxyProtocolPeerFilter(proxyProtocolFrom);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        // Bytes are read from the socket only when the handler asks for a request (HftpHandler.readNext).
        ch.config().setAutoRead(false);
        ChannelPipeline p = ch.pipeline();
        if (proxyProtocol) {
            if (proxyPeerFilter != null) {
                // Only a balancer's header is believed: any other peer is closed before a byte of it is read.
                p.addLast("proxyPeers", proxyPeerFilter);
            }
            // The balancer's header comes before anything else, TLS included; both handlers leave after it.
            p.addLast("proxyDecoder", new HAProxyMessageDecoder());
            p.addLast("proxyHandler", ProxyProtocolHandler.INSTANCE);
        }
        if (tls != null) {
            SslHandler ssl = tls.context().newHandler(ch.alloc());
            // A client that never finishes its handshake is closed after this, whatever the idle timeout.
            ssl.setHandshakeTimeoutMillis(tls.handshakeTimeoutMillis());
            // In front of the SslHandler: it must see the client's records before they are decrypted.
            p.addLast("renegotiation", new RenegotiationRefusingHandler(ssl.handshakeFuture()));
            p.addLast("ssl", ssl);
        }
        // On the plaintext side of TLS, next to it: it weighs every reply written and every read asked for.
        BufferBudgetHandler buffers = new BufferBudgetHandler(budget);
        p.addLast("budget", buffers);
        if (limits.idleTimeoutMillis() > 0) {
            // Output that makes progress counts as activity: a slow reader of a long slice is not idle.
            p.addLast("idle", new IdleTimeoutHandler(limits.idleTimeoutMillis()));
        }
        p.addLast("connections", connections);
        p.addLast("lineDecoder", new HftpLineDecoder(limits.maxLineLength(), buffers.lineHolder()));
        p.addLast("commandDecoder", COMMAND_DECODER);
        p.addLast("responseEncoder", RESPONSE_ENCODER);
        p.addLast("chunkedWriter", new ChunkedWriteHandler());
        // One decoded request per read(): the rest of what a socket read held waits here, decoded.
        p.addLast("flowControl", new FlowControlHandler());
        if (metrics != null || AccessLog.enabled()) {
            // Only then: a connection that reports nothing pays no handler for it.
            p.addLast("observer", new ReplyObserver(metrics));
        }
        // Decided once per connection: the SslHandler refuses a FileRegion, so TLS streams raw slices in chunks.
        p.addLast("handler", new HftpHandler(store, files, limits.chunkSize(), tls != null, errors));
    }
}
