package dev.hftp.server.metrics;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of each connection to the metrics endpoint: idle timeout, HTTP decoding and encoding, a
 * deadline on each request, aggregation, one request per read, reading only after each reply, the connection
 * limit, then the scrape. Like the HFTP port, a connection reads its socket only when it asks for a request.
 */
public final class MetricsEndpointInitializer extends ChannelInitializer<SocketChannel> {

    /** Request heads and bodies beyond this are refused: a scrape is a bare GET. */
    static final int MAX_REQUEST_BYTES = 16 * 1024;
    /**
     * A connection with nothing read or written for this long is closed: a scraper that scrapes more often
     * keeps its connection, others reconnect; a client that stops reading its reply is gone after it.
     */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** A request must be whole this long after its first byte: a scraper sends its in one segment. */
    static final Duration REQUEST_DEADLINE = Duration.ofSeconds(5);

    private final EvictingConnectionLimiter connections;
    private final MetricsHttpHandler handler;

    MetricsEndpointInitializer(EvictingConnectionLimiter connections, MetricsHttpHandler handler) {
        this.connections = connections;
        this.handler = handler;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        // Bytes are read from the socket only when a request is asked for (ReadAfterReplyHandler).
        ch.config().setAutoRead(false);
        ChannelPipeline p = ch.pipeline();
        // Without observing output: a reply the client does not read is no activity.
        p.addLast("idle", new IdleStateHandler(false, 0, 0, IDLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("decoder", new HttpRequestStartDecoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(4096)
                .setMaxHeaderSize(MAX_REQUEST_BYTES)
                .setMaxChunkSize(MAX_REQUEST_BYTES)));
        p.addLast("encoder", new HttpResponseEncoder());
        // Before the aggregator, which holds a request's parts until it is whole: this one sees them come.
        p.addLast("deadline", new RequestDeadlineHandler(REQUEST_DEADLINE));
        p.addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES));
        // One whole request per read(): the rest of what a socket read held waits here, decoded.
        p.addLast("flowControl", new FlowControlHandler());
        p.addLast("readAfterReply", new ReadAfterReplyHandler());
        p.addLast("connections", connections);
        p.addLast("handler", handler);
    }
}
