package dev.hftp.server;

import dev.hftp.codec.HftpCommandDecoder;
import dev.hftp.codec.HftpLineDecoder;
import dev.hftp.codec.HftpResponseEncoder;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.stream.ChunkedWriteHandler;

/**
 * Builds the pipeline of each connection: line framing, request decoding, response encoding, slice
 * streaming, then the business logic last, since outbound writes travel toward the head.
 */
final class HftpServerInitializer extends ChannelInitializer<SocketChannel> {

    // Stateless, hence shared by all connections.
    private static final HftpCommandDecoder COMMAND_DECODER = new HftpCommandDecoder();
    private static final HftpResponseEncoder RESPONSE_ENCODER = new HftpResponseEncoder();

    private final FileStore store;
    private final int maxLineLength;
    private final int chunkSize;

    HftpServerInitializer(FileStore store, int maxLineLength, int chunkSize) {
        this.store = store;
        this.maxLineLength = maxLineLength;
        this.chunkSize = chunkSize;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("lineDecoder", new HftpLineDecoder(maxLineLength));
        p.addLast("commandDecoder", COMMAND_DECODER);
        p.addLast("responseEncoder", RESPONSE_ENCODER);
        p.addLast("chunkedWriter", new ChunkedWriteHandler());
        p.addLast("backpressure", new HftpBackpressureHandler());
        p.addLast("handler", new HftpHandler(store, chunkSize));
    }
}
