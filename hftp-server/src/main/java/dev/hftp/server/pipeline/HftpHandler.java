package dev.hftp.server.pipeline;

import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;
import dev.hftp.server.logging.RateLimitedLog;
import dev.hftp.server.proxy.ClientAddress;

import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpResponses;
import dev.hftp.codec.HftpStatus;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.FileChannel;
import java.util.function.Consumer;

import javax.net.ssl.SSLException;

/**
 * Answers each decoded request from the {@link FileStore}, one at a time, and asks for the next one only when
 * it can take it: the connection reads no request (and, with auto-read off, no bytes from its socket) while a
 * reply is being transferred or while the client does not take its replies (the channel is not writable).
 *
 * <p>Requests come one per {@code read()} from the {@link io.netty.handler.flow.FlowControlHandler} in front of
 * this handler, so requests are served as a sequential server does: a pipelined request sees the files as they
 * are when the transfers before it are done, and whatever the replies (listings, help, slices), what a client
 * has queued is bounded by the write buffer plus one reply. Writes are flushed whenever the handler stops
 * asking for requests.
 *
 * <p>On {@link #DRAIN} (the server is shutting down) the connection stops reading, lets the transfer in
 * flight finish, flushes, and closes. After a client's FIN it answers every request it has received, then
 * closes.
 */
public final class HftpHandler extends SimpleChannelInboundHandler<HftpRequest> {

    /** The user event that asks a connection to finish its transfer and close. */
    public static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(HftpHandler.class);


    /**
     * Requests answered in a row before a connection lets the others have the event loop: more than a pipelining
     * client usually sends at once, few enough that a client pipelining thousands delays no one.
     */
    static final int REQUESTS_PER_TURN = 32;

    private final FileStore store;
    private final FileCalls files;
    private final int chunkSize;
    /** Whether the connection is TLS: raw slices then go through the SslHandler in chunks, not as a FileRegion. */
    private final boolean tls;
    /** Shared by the connections of a server: a client can provoke a 199 (an unreadable file) at will. */
    private final RateLimitedLog internalErrors;
    /** Set once the last reply (quit or a fatal status) is written: later requests get no answer. */
    private boolean closing;
    /** Set while a request's transfer is in flight: the next request waits for its end. */
    private boolean transferring;
    /** Set while a request's file call runs on a file thread: the next request waits for its answer. */
    private boolean calling;
    private boolean draining;
    /** Set once the client has sent FIN: when no request is left, everything has been answered. */
    private boolean inputEnded;
    /**
     * Set from a {@code read()} until the request it asked for arrives: each read asks for exactly one request, so
     * a second one while the first is unanswered would let two in at once.
     */
    private boolean awaiting;
    /** {@link #readNext}'s state: it loops, rather than recursing, over requests answered at once. */
    private boolean reading;
    private boolean readAgain;
    /** Set while the connection lets the others have the event loop, between two turns of requests. */
    private boolean yielded;
    /** Set when a reply is written and not flushed yet. */
    private boolean unflushed;
    /** Set while a flush waits for the end of the current event-loop task ({@link #flushSoon}). */
    private boolean flushScheduled;

    /** {@code internalErrors}: from {@link #internalErrorLog()}, one for all the connections of a server. */
    public HftpHandler(FileStore store, FileCalls files, int chunkSize, boolean tls, RateLimitedLog internalErrors) {
        this.store = store;
        this.files = files;
        this.chunkSize = chunkSize;
        this.tls = tls;
        this.internalErrors = internalErrors;
    }

    /** The log of the internal errors (199) of a server's connections: at most one line a second. */
    public static RateLimitedLog internalErrorLog() {
        return new RateLimitedLog(logger, "{} more internal error(s) in the last {} s; last from {}");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            readNext(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        readNext(ctx);
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HftpRequest request) {
        awaiting = false;
        if (closing || draining) {
            return;
        }
        answer(ctx, request);
        // Reads the next request if this one is answered, and flushes if it has to wait (a transfer).
        readNext(ctx);
    }

    private void answer(ChannelHandlerContext ctx, HftpRequest request) {
        try {
            if (request instanceof HftpRequest.GetMetadata metadata) {
                // A stat never opens the file, so it waits on no pipe and no lease, and costs a twelfth of a handoff to a
                // file thread (FileCallsBenchmark): it stays on the loop. Following a link opens directories.
                long size = store.plainFileSize(metadata.fileName());
                if (size >= 0) {
                    onMetadata(ctx, request, size);
                } else {
                    call(ctx, request, () -> store.size(metadata.fileName()),
                            found -> onMetadata(ctx, request, found), found -> { });
                }
            } else if (request instanceof HftpRequest.GetSlice slice) {
                call(ctx, request, () -> store.openSlice(slice.fileName(), slice.offset(), slice.size()),
                        file -> onSlice(ctx, slice, file), FileStore::closeQuietly);
            } else if (request instanceof HftpRequest.GetFileListing) {
                call(ctx, request, store::list, names -> write(ctx, HftpResponses.fileListing(names)),
                        names -> { });
            } else if (request instanceof HftpRequest.Help) {
                write(ctx, HftpResponses.help());
            } else if (request instanceof HftpRequest.Quit) {
                closeAfter(ctx, HftpStatus.OK);
            } else if (request instanceof HftpRequest.Malformed malformed) {
                answerError(ctx, malformed.status(), malformed.reason(), request);
            }
        } catch (HftpException e) {
            answerError(ctx, e.status(), e.getMessage(), request);
        }
    }

    private void onMetadata(ChannelHandlerContext ctx, HftpRequest request, long size) {
        write(ctx, HftpResponses.metadata(size));
    }

    /**
     * Runs a file call that may block on a file thread; its answer is written when it is back on this loop, and
     * until then the connection reads no other request. A call that fails answers its status (199 after the
     * timeout, which closes the connection).
     */
    private <T> void call(ChannelHandlerContext ctx, HftpRequest request, FileCalls.Call<T> call,
                          Consumer<T> answer, FileCalls.Discard<? super T> discard) {
        calling = true;
        files.submit(ctx.executor(), call, discard).addListener((Future<T> done) -> {
            calling = false;
            if (closing || !ctx.channel().isActive()) {
                if (done.isSuccess()) {
                    discard.discard(done.getNow());
                }
                return;
            }
            if (done.isSuccess()) {
                answer.accept(done.getNow());
            } else if (done.cause() instanceof HftpException e) {
                answerError(ctx, e.status(), e.getMessage(), request);
            } else {
                answerError(ctx, HftpStatus.INTERNAL_ERROR, String.valueOf(done.cause()), request);
            }
            if (draining && !transferring) {
                flushAndClose(ctx);
            } else {
                readNext(ctx);
            }
        });
    }

    private void onSlice(ChannelHandlerContext ctx, HftpRequest.GetSlice slice, FileChannel file) {
        Object body;
        try {
            body = SliceBody.of(file, slice, chunkSize, tls);
        } catch (HftpException e) {
            FileStore.closeQuietly(file);
            answerError(ctx, e.status(), e.getMessage(), slice);
            return;
        }
        unflushed = true;
        ctx.write(slice.raw() ? HftpResponses.rawSliceHeader(slice.size()) : HftpResponses.ok(), ctx.voidPromise());
        ChannelFuture transfer = ctx.write(body, ctx.newPromise());
        transferring = true;
        transfer.addListener(closeOnFailure(ctx));
        // Later, not inside the flush that completed the transfer: a flush there would be ignored.
        transfer.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                ctx.executor().execute(() -> transferDone(ctx));
            }
        });
    }

    private void transferDone(ChannelHandlerContext ctx) {
        transferring = false;
        if (draining) {
            flushAndClose(ctx);
        } else {
            readNext(ctx);
        }
    }

    /**
     * Asks for requests while this handler can take them, and flushes when it stops: each request answered at
     * once lets the next one in; a transfer, a full write buffer or the end of what was received stops it. After
     * {@value #REQUESTS_PER_TURN} requests it yields the event loop to the other connections and goes on later.
     */
    private void readNext(ChannelHandlerContext ctx) {
        if (reading) {
            // Asked again from inside (a flush made the channel writable): the loop below goes on.
            readAgain = true;
            return;
        }
        reading = true;
        try {
            int answered = 0;
            do {
                readAgain = false;
                while (!awaiting && canRead(ctx)) {
                    if (answered++ == REQUESTS_PER_TURN) {
                        yielded = true;
                        ctx.executor().execute(() -> {
                            yielded = false;
                            readNext(ctx);
                        });
                        break;
                    }
                    awaiting = true;
                    ctx.read();
                    if (awaiting && inputEnded) {
                        // Nothing is left of what the client sent before its FIN: all of it is answered.
                        flushAndClose(ctx);
                    }
                }
                if (unflushed) {
                    if (awaiting) {
                        // More requests may be on their way in this same socket read: one flush for all their
                        // replies, at the read's end or once this event-loop task is done, not one per request.
                        flushSoon(ctx);
                    } else {
                        flushNow(ctx);
                    }
                }
            } while (readAgain);
        } finally {
            reading = false;
        }
    }

    /** Flushes what was written; only then, as a flush before a TLS handshake would start it. */
    private void flushNow(ChannelHandlerContext ctx) {
        unflushed = false;
        ctx.flush();
    }

    private void flushSoon(ChannelHandlerContext ctx) {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(() -> {
                flushScheduled = false;
                if (unflushed) {
                    flushNow(ctx);
                }
            });
        }
    }

    private boolean canRead(ChannelHandlerContext ctx) {
        return !transferring && !calling && !yielded && !closing && !draining && ctx.channel().isActive()
                && ctx.channel().isWritable();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (unflushed) {
            flushNow(ctx);
        }
        if (awaiting) {
            // A read that brought no whole request: the read is spent, so ask again (for the rest of the line).
            awaiting = false;
            readNext(ctx);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            readNext(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownReadComplete) {
            // The client sent FIN: it still gets the replies to everything it sent, then the connection closes.
            inputEnded = true;
            if (awaiting) {
                // The decoder has handed on every line it held, and none came: all is answered.
                flushAndClose(ctx);
            } else {
                readNext(ctx);
            }
        } else if (evt == DRAIN) {
            draining = true;
            if (!transferring && !calling) {
                flushAndClose(ctx);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static void flushAndClose(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void write(ChannelHandlerContext ctx, Object reply) {
        unflushed = true;
        ctx.write(reply, ctx.voidPromise());
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

    private void answerError(ChannelHandlerContext ctx, HftpStatus status, String reason, HftpRequest request) {
        if (status == HftpStatus.INTERNAL_ERROR) {
            SocketAddress client = ClientAddress.of(ctx.channel());
            if (internalErrors.admit(client + ": " + reason)) {
                logger.warn("{} internal error: {}", client, reason);
            }
        }
        if (status.isFatal()) {
            closeAfter(ctx, status);
        } else {
            write(ctx, HftpResponses.status(status));
        }
    }

    private void closeAfter(ChannelHandlerContext ctx, HftpStatus status) {
        closing = true;
        ctx.writeAndFlush(HftpResponses.status(status)).addListener((ChannelFuture f) -> LingeringClose.after(ctx));
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
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || isTlsFailure(cause)) {
            // The client reset or left, or spoke bad TLS (or no TLS): one line at DEBUG, nothing more, since
            // any client on the network can cause it.
            logger.debug("{} connection error: {}", ClientAddress.of(ctx.channel()), cause.toString());
            ctx.close();
            return;
        }
        SocketAddress client = ClientAddress.of(ctx.channel());
        if (internalErrors.admit(client + ": " + cause)) {
            // Unexpected: the stack trace is what it takes to fix it.
            logger.warn("{} unexpected error, closing", client, cause);
        }
        if (!closing) {
            closeAfter(ctx, HftpStatus.INTERNAL_ERROR);
        }
    }
}
