package dev.hftp.server.pipeline;

import dev.hftp.codec.Base64ChunkedInput;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpResponse;
import dev.hftp.codec.HftpResponseEncoder;
import dev.hftp.codec.HftpStatus;
import dev.hftp.server.logging.AccessLog;
import dev.hftp.server.metrics.ServerMetrics;
import dev.hftp.server.metrics.TransferMetrics;
import dev.hftp.server.proxy.ClientAddress;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.stream.ChunkedInput;
import io.netty.util.concurrent.PromiseNotifier;

/**
 * Watches each request go in and its reply go out, in front of {@link HftpHandler}, and reports them: to the
 * metrics (a count per command and status, a slice's bytes as they are sent) and to the access log (one line
 * once the reply is written, with its size in bytes as the encoder counts it). The handler that answers knows
 * nothing of either. Added to a connection only when the server exports metrics or the access log is on.
 *
 * <p>A reply is the responses written after a request: one, or for a slice a header and then its body.
 */
public final class ReplyObserver extends ChannelDuplexHandler {

    /** Null when the server exports no metrics. */
    private final ServerMetrics metrics;
    /** The request being answered, or null between a reply and the next request. */
    private HftpRequest request;
    private boolean logged;
    private long startNanos;
    private long bytes;

    public ReplyObserver(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HftpRequest received) {
            request = received;
            bytes = 0;
            // Decided per request, so that the access log can be turned on while the server runs.
            logged = AccessLog.enabled();
            startNanos = logged ? System.nanoTime() : 0;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (request == null) {
            ctx.write(msg, promise);
        } else if (msg instanceof HftpResponse response) {
            bytes += HftpResponseEncoder.encodedLength(response);
            if (bodyFollows(response)) {
                ctx.write(msg, promise);
            } else {
                replied(ctx, statusOf(response), msg, promise);
            }
        } else if ((msg instanceof ChunkedInput<?> || msg instanceof FileRegion)
                && request instanceof HftpRequest.GetSlice slice) {
            bytes += slice.raw() ? slice.size() : Base64ChunkedInput.encodedLength(slice.size());
            replied(ctx, HftpStatus.OK, msg, metrics == null ? promise : countingTransfer(ctx, slice, promise));
        } else {
            ctx.write(msg, promise);
        }
    }

    /** Whether a slice's body comes after {@code response}: its raw header, or the OK line of a base64 slice. */
    private boolean bodyFollows(HftpResponse response) {
        return response instanceof HftpResponse.RawSliceHeader
                || request instanceof HftpRequest.GetSlice
                && response instanceof HftpResponse.Status status && status.status() == HftpStatus.OK;
    }

    private static HftpStatus statusOf(HftpResponse response) {
        return response instanceof HftpResponse.Status status ? status.status() : HftpStatus.OK;
    }

    /** The last write of the reply: counted now, logged once it is written. */
    private void replied(ChannelHandlerContext ctx, HftpStatus status, Object msg, ChannelPromise promise) {
        if (metrics != null) {
            metrics.request(request, status);
        }
        ChannelPromise last = promise;
        if (logged) {
            last = promise.unvoid();
            last.addListener(AccessLog.onWritten(ClientAddress.textOf(ctx.channel()), request, status, bytes, startNanos));
        }
        request = null;
        ctx.write(msg, last);
    }

    /** A promise that reports the body's progress to the metrics (only a progressive one is told of it). */
    private ChannelProgressivePromise countingTransfer(ChannelHandlerContext ctx, HftpRequest.GetSlice slice,
                                                      ChannelPromise promise) {
        ChannelProgressivePromise progressive = ctx.newProgressivePromise();
        progressive.addListener(new TransferMetrics(metrics, slice.raw(), slice.size()));
        if (!promise.isVoid()) {
            PromiseNotifier.cascade(progressive, promise);
        }
        return progressive;
    }
}
