package dev.hftp.server.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.List;

/**
 * An {@link HttpRequestDecoder} that also tells the handlers after it when a request begins: it fires
 * {@link #REQUEST_STARTED} when the first bytes of a request reach it, before decoding them.
 *
 * <p>Only the decoder knows where a request begins: bytes that arrive between requests begin one, and so do
 * the bytes left over in a read after a request that ends inside it (a request pipelined behind another). A
 * handler that only sees socket reads would miss the second kind.
 */
public final class HttpRequestStartDecoder extends HttpRequestDecoder {

    /** The user event fired at the first bytes of each request. */
    static final Object REQUEST_STARTED = new Object() {
        @Override
        public String toString() {
            return "REQUEST_STARTED";
        }
    };

    /** Set when no request is under way (at first, and after each one ends): the next bytes begin one. */
    private boolean betweenRequests = true;

    HttpRequestStartDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (betweenRequests && buffer.isReadable()) {
            betweenRequests = false;
            ctx.fireUserEventTriggered(REQUEST_STARTED);
        }
        int decoded = out.size();
        super.decode(ctx, buffer, out);
        for (int i = decoded; i < out.size(); i++) {
            // Also the end of a request the decoder could not parse: it comes as a full request, failed.
            if (out.get(i) instanceof LastHttpContent) {
                betweenRequests = true;
            }
        }
    }
}
