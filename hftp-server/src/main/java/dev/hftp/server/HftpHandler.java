package dev.hftp.server;

import dev.hftp.codec.Base64ChunkedInput;
import dev.hftp.codec.ExactLengthChunkedInput;
import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpResponses;
import dev.hftp.codec.HftpStatus;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

/**
 * Answers each decoded request from the {@link FileStore}; writes are flushed once per batch of requests.
 */
final class HftpHandler extends SimpleChannelInboundHandler<HftpRequest> {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(HftpHandler.class);

    /** The start time of a request that the access log does not record. */
    private static final long NOT_LOGGED = Long.MIN_VALUE;

    /** How long the server reads and ignores what a client sends after the last reply, before closing. */
    static final int LINGER_SECONDS = 2;

    private final FileStore store;
    private final int chunkSize;
    /** Null when the server exports no metrics. */
    private final ServerMetrics metrics;
    /** Whether the connection is TLS: raw slices then go through the SslHandler in chunks, not as a FileRegion. */
    private final boolean tls;
    /** Set once the last reply (quit or a fatal status) is written: later requests get no answer. */
    private boolean closing;

    HftpHandler(FileStore store, int chunkSize, boolean tls, ServerMetrics metrics) {
        this.store = store;
        this.chunkSize = chunkSize;
        this.tls = tls;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HftpRequest request) {
        if (closing) {
            return;
        }
        // The access log costs nothing when it is off: no clock, no promise, no listener.
        long start = AccessLog.enabled() ? System.nanoTime() : NOT_LOGGED;
        try {
            if (request instanceof HftpRequest.GetMetadata metadata) {
                long size = store.size(metadata.fileName());
                write(ctx, HftpResponses.metadata(size), logOk(ctx, request, AccessLog.metadataBytes(size), start));
            } else if (request instanceof HftpRequest.GetSlice slice) {
                onSlice(ctx, slice, start);
            } else if (request instanceof HftpRequest.GetFileListing) {
                List<String> names = store.list();
                write(ctx, HftpResponses.fileListing(names), logOk(ctx, request, AccessLog.linesBytes(names), start));
            } else if (request instanceof HftpRequest.Help) {
                write(ctx, HftpResponses.help(),
                        logOk(ctx, request, AccessLog.linesBytes(HftpResponses.help().lines()), start));
            } else if (request instanceof HftpRequest.Quit) {
                closeAfter(ctx, HftpStatus.OK, logOk(ctx, request, AccessLog.statusBytes(HftpStatus.OK), start));
            } else if (request instanceof HftpRequest.Malformed malformed) {
                answerError(ctx, malformed.status(), malformed.reason(), request, start);
            }
        } catch (HftpException e) {
            answerError(ctx, e.status(), e.getMessage(), request, start);
        }
    }

    private void onSlice(ChannelHandlerContext ctx, HftpRequest.GetSlice slice, long start) throws HftpException {
        FileChannel file = store.openSlice(slice.fileName(), slice.offset(), slice.size());
        Object body;
        try {
            // Zero-copy for raw in plaintext, where nothing transforms the bytes; the SslHandler refuses a
            // FileRegion, so under TLS the file is read in chunks, which the ChunkedWriteHandler writes only
            // while the socket is writable. Chunks of a file that shrinks fail the transfer (both chunked
            // bodies are exact-length inputs); a FileRegion fails by itself.
            body = !slice.raw() ? new Base64ChunkedInput(newChunkedFile(file, slice), slice.size())
                    : tls ? new ExactLengthChunkedInput(newChunkedFile(file, slice), slice.size())
                    : new DefaultFileRegion(file, slice.offset(), slice.size());
        } catch (HftpException e) {
            FileStore.closeQuietly(file);
            throw e;
        }
        ctx.write(slice.raw() ? HftpResponses.rawSliceHeader(slice.size()) : HftpResponses.ok(), ctx.voidPromise());
        // Metrics count the bytes of a transfer as they go, which only a progressive promise reports.
        ChannelFuture transfer = ctx.write(body, metrics == null ? ctx.newPromise() : ctx.newProgressivePromise());
        transfer.addListener(closeOnFailure(ctx));
        if (metrics != null) {
            metrics.request(slice, HftpStatus.OK);
            transfer.addListener(new TransferMetrics(metrics, slice.raw(), slice.size()));
        }
        ChannelFutureListener log = accessLog(ctx, slice, HftpStatus.OK,
                AccessLog.sliceBytes(slice.size(), slice.raw()), start);
        if (log != null) {
            transfer.addListener(log);
        }
    }

    private ChannelFutureListener logOk(ChannelHandlerContext ctx, HftpRequest request, long bytes, long start) {
        return log(ctx, request, HftpStatus.OK, bytes, start);
    }

    /** Counts the reply in the metrics; returns the access log's listener for it, or null when that is off. */
    private ChannelFutureListener log(ChannelHandlerContext ctx, HftpRequest request, HftpStatus status,
                                      long bytes, long start) {
        if (metrics != null) {
            metrics.request(request, status);
        }
        return accessLog(ctx, request, status, bytes, start);
    }

    private static ChannelFutureListener accessLog(ChannelHandlerContext ctx, HftpRequest request, HftpStatus status,
                                                   long bytes, long start) {
        return start == NOT_LOGGED ? null
                : AccessLog.onWritten(ClientAddress.of(ctx.channel()), request, status, bytes, start);
    }

    private static void write(ChannelHandlerContext ctx, Object reply, ChannelFutureListener log) {
        if (log == null) {
            ctx.write(reply, ctx.voidPromise());
        } else {
            ctx.write(reply).addListener(log);
        }
    }

    private ChunkedNioFile newChunkedFile(FileChannel file, HftpRequest.GetSlice slice) throws HftpException {
        try {
            return new ChunkedNioFile(file, slice.offset(), slice.size(), chunkSize);
        } catch (IOException e) {
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot read file", e);
        }
    }

    private static ChannelFutureListener closeOnFailure(ChannelHandlerContext ctx) {
        return (ChannelFuture f) -> {
            if (!f.isSuccess()) {
                // The reply cannot be completed (the file shrank, or the client left): end the connection.
                logger.debug("{} transfer ended early: {}", ClientAddress.of(ctx.channel()), f.cause().toString());
                ctx.close();
            }
        };
    }

    private void answerError(ChannelHandlerContext ctx, HftpStatus status, String reason, HftpRequest request,
                             long start) {
        if (status == HftpStatus.INTERNAL_ERROR) {
            logger.warn("{} internal error: {}", ClientAddress.of(ctx.channel()), reason);
        }
        ChannelFutureListener log = log(ctx, request, status, AccessLog.statusBytes(status), start);
        if (status.isFatal()) {
            closeAfter(ctx, status, log);
        } else {
            write(ctx, HftpResponses.status(status), log);
        }
    }

    private void closeAfter(ChannelHandlerContext ctx, HftpStatus status, ChannelFutureListener log) {
        closing = true;
        ChannelFuture last = ctx.writeAndFlush(HftpResponses.status(status));
        if (log != null) {
            last.addListener(log);
        }
        last.addListener((ChannelFuture f) -> lingeringClose(ctx));
    }

    /**
     * Ends the connection after its last reply without losing that reply. Closing a socket that still has
     * unread client bytes makes the kernel send RST, which drops replies not yet delivered; so the output is
     * shut down (FIN after all queued bytes), later requests are read and ignored, and the connection closes
     * when the client closes its side or after {@value #LINGER_SECONDS} s.
     */
    private void lingeringClose(ChannelHandlerContext ctx) {
        if (!(ctx.channel() instanceof DuplexChannel duplex) || !duplex.isActive()) {
            ctx.close();
            return;
        }
        SslHandler ssl = tls ? ctx.pipeline().get(SslHandler.class) : null;
        if (ssl == null) {
            shutdownOutputAndLinger(ctx, duplex);
            return;
        }
        // TLS ends the stream with close_notify first, so the client can tell the end from a truncation.
        ssl.closeOutbound().addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                shutdownOutputAndLinger(ctx, duplex);
            } else {
                ctx.close();
            }
        });
    }

    private static void shutdownOutputAndLinger(ChannelHandlerContext ctx, DuplexChannel duplex) {
        duplex.shutdownOutput().addListener((ChannelFuture f) -> {
            if (!f.isSuccess() || duplex.isInputShutdown()) {
                // Nothing more can come from the client (or go to it): close now.
                ctx.close();
                return;
            }
            ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, TimeUnit.SECONDS);
            duplex.config().setAutoRead(true);
        });
    }

    /** Whether TLS failed (the SslHandler wraps its SSLException in a DecoderException). */
    private static boolean isTlsFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || isTlsFailure(cause)) {
            // The client reset or left, or spoke bad TLS (or no TLS): one line at DEBUG, nothing more, since
            // any client on the network can cause it.
            logger.debug("{} connection error: {}", ClientAddress.of(ctx.channel()), cause.toString());
            ctx.close();
            return;
        }
        logger.warn("{} unexpected error, closing", ClientAddress.of(ctx.channel()), cause);
        if (!closing) {
            closeAfter(ctx, HftpStatus.INTERNAL_ERROR, null);
        }
    }
}
