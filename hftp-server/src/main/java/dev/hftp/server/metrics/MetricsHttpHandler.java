package dev.hftp.server.metrics;

import dev.hftp.server.proxy.ClientAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.CharsetUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;

/**
 * Answers {@code GET /metrics} with a scrape of the registry, in the format the scraper's {@code Accept}
 * header prefers among those available (Prometheus text 0.0.4 or OpenMetrics text); anything else gets a
 * short plain-text error. Shared by all the connections of the endpoint.
 */
@Sharable
public final class MetricsHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    public static final String PATH = "/metrics";

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(MetricsHttpHandler.class);
    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    private final PrometheusRegistry registry;
    private final ExpositionFormats formats = ExpositionFormats.init();

    MetricsHttpHandler(PrometheusRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            send(ctx, response(HttpResponseStatus.BAD_REQUEST, "bad request\n"), false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!new QueryStringDecoder(request.uri()).path().equals(PATH)) {
            send(ctx, response(HttpResponseStatus.NOT_FOUND, "not found: the metrics are at " + PATH + "\n"),
                    keepAlive);
            return;
        }
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!head && !request.method().equals(HttpMethod.GET)) {
            FullHttpResponse response = response(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, response, keepAlive);
            return;
        }
        ExpositionFormatWriter writer = writer(request.headers().get(HttpHeaderNames.ACCEPT));
        ByteBuf body = ctx.alloc().buffer();
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            writer.write(out, registry.scrape());
        } catch (IOException | RuntimeException e) {
            body.release();
            logger.warn("{} metrics scrape failed", ClientAddress.text(ctx.channel().remoteAddress()), e);
            send(ctx, response(HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed\n"), false);
            return;
        }
        int length = body.readableBytes();
        if (head) {
            body.release();
            body = Unpooled.EMPTY_BUFFER;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        // HEAD says how long the body of a GET would be.
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, length);
        send(ctx, response, keepAlive);
    }

    /** The scraper's preferred format; Prometheus text when that one is not in this build (protobuf). */
    private ExpositionFormatWriter writer(String accept) {
        ExpositionFormatWriter writer = formats.findWriter(accept);
        return writer.isAvailable() ? writer : formats.getPrometheusTextFormatWriter();
    }

    private static FullHttpResponse response(HttpResponseStatus status, String message) {
        ByteBuf body = Unpooled.copiedBuffer(message, CharsetUtil.US_ASCII);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A scraper that resets, or a client that is not HTTP: one line at DEBUG.
        logger.debug("{} metrics connection error: {}", ClientAddress.text(ctx.channel().remoteAddress()), cause.toString());
        ctx.close();
    }
}
