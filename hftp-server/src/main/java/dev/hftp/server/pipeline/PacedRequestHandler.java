package dev.hftp.server.pipeline;

import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpResponses;
import dev.hftp.codec.HftpStatus;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;

/**
 * The pace and the end of a connection's requests, under its dispatcher ({@link HftpHandler}, which only answers
 * them, in {@link #answer}): asks the {@link io.netty.handler.flow.FlowControlHandler} for one request at a time
 * while the dispatcher can take it, flushes when it stops, lets the other connections have the event loop after a
 * turn, and ends the connection once everything is answered after the client's FIN or on {@link #DRAIN}, or after
 * a fatal reply, without losing that reply ({@link LingeringClose}).
 *
 * <p>No request is read while an answer is pending (a file call or a transfer: {@link #begin}/{@link #end}), while
 * the client does not take its replies (the channel is not writable), or after the last reply. So requests are
 * served as a sequential server does: a pipelined request sees the files as they are when the transfers before it
 * are done, and what a client has queued is bounded by the write buffer plus one reply. With auto-read off, no
 * bytes are read from the socket either while no request is asked for.
 */
abstract class PacedRequestHandler extends SimpleChannelInboundHandler<HftpRequest> {

    /** The user event that asks a connection to finish its transfer and close. */
    public static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    /**
     * Requests answered in a row before a connection lets the others have the event loop: more than a pipelining
     * client usually sends at once, few enough that a client pipelining thousands delays no one.
     */
    static final int REQUESTS_PER_TURN = 32;

    private final ErrorLog errors;
    private ChannelHandlerContext ctx;
    /** Set once the last reply (quit or a fatal status) is written: later requests get no answer. */
    private boolean closing;
    /** Set while a request's file call or transfer is in flight: the next request waits for its end. */
    private boolean busy;
    private boolean draining;
    /** Set once the client has sent FIN: when no request is left, everything has been answered. */
    private boolean inputEnded;
    /**
     * Set from a {@code read()} until the request it asked for arrives: each read asks for exactly one request, so
     * a second one while the first is unanswered would let two in at once.
     */
    private boolean awaiting;
    /** {@link #next}'s state: it loops, rather than recursing, over requests answered at once. */
    private boolean reading;
    private boolean readAgain;
    /** Set while the connection lets the others have the event loop, between two turns of requests. */
    private boolean yielded;
    /** Set when a reply is written and not flushed yet. */
    private boolean unflushed;
    /** Set while a flush waits for the end of the current event-loop task ({@link #flushSoon}). */
    private boolean flushScheduled;

    PacedRequestHandler(ErrorLog errors) {
        this.errors = errors;
    }

    /** Answers {@code request}: writes its reply, or {@link #begin}s an answer that comes later. */
    protected abstract void answer(ChannelHandlerContext ctx, HftpRequest request);

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            next();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        next();
        ctx.fireChannelActive();
    }

    @Override
    protected final void channelRead0(ChannelHandlerContext ctx, HftpRequest request) {
        awaiting = false;
        if (!closing && !draining) {
            answer(ctx, request);
            // Reads the next request if this one is answered, and flushes if it has to wait.
            next();
        }
    }

    /** Whether the connection has written its last reply. */
    final boolean closing() {
        return closing;
    }

    /** Writes {@code reply}, flushed when no more requests come at once. */
    final void write(Object reply) {
        unflushed = true;
        ctx.write(reply, ctx.voidPromise());
    }

    /** Marks a reply written by other means as waiting for the flush. */
    final void written() {
        unflushed = true;
    }

    /** An answer is pending: no request is read until {@link #end}. */
    final void begin() {
        busy = true;
    }

    /** The pending answer is written, or its transfer is done. */
    final void end() {
        busy = false;
    }

    /** Goes on after an answer that was pending: reads the next request, or ends a draining connection. */
    final void resume() {
        if (draining && !busy) {
            flushAndClose();
        } else {
            next();
        }
    }

    /** Answers an error status: the last reply if it is fatal. */
    final void answerError(HftpStatus status, String reason) {
        if (status == HftpStatus.INTERNAL_ERROR) {
            errors.internalError(ctx.channel(), reason);
        }
        if (status.isFatal()) {
            closeAfter(status);
        } else {
            write(HftpResponses.status(status));
        }
    }

    /** Writes {@code status} as the last reply, then ends the connection without losing it. */
    final void closeAfter(HftpStatus status) {
        closing = true;
        ctx.writeAndFlush(HftpResponses.status(status)).addListener((ChannelFuture f) -> LingeringClose.after(ctx));
    }

    /**
     * Asks for requests while the dispatcher can take them, and flushes when it stops: each request answered at
     * once lets the next one in; a pending answer, a full write buffer or the end of what was received stops it.
     * After {@value #REQUESTS_PER_TURN} requests it yields the event loop to the other connections.
     */
    private void next() {
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
                while (!awaiting && canRead()) {
                    if (answered++ == REQUESTS_PER_TURN) {
                        yieldTurn();
                        break;
                    }
                    awaiting = true;
                    ctx.read();
                    if (awaiting && inputEnded) {
                        // Nothing is left of what the client sent before its FIN: all of it is answered.
                        flushAndClose();
                    }
                }
                if (unflushed) {
                    if (awaiting) {
                        // More requests may be on their way in this same socket read: one flush for all their
                        // replies, at the read's end or once this event-loop task is done, not one per request.
                        flushSoon();
                    } else {
                        flushNow();
                    }
                }
            } while (readAgain);
        } finally {
            reading = false;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (unflushed) {
            flushNow();
        }
        if (awaiting) {
            // A read that brought no whole request: the read is spent, so ask again (for the rest of the line).
            awaiting = false;
            next();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            next();
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
                flushAndClose();
            } else {
                next();
            }
        } else if (evt == DRAIN) {
            // The server is shutting down: the transfer in flight finishes, then the connection closes.
            draining = true;
            if (!busy) {
                flushAndClose();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (errors.caught(ctx.channel(), cause)) {
            ctx.close();
        } else if (!closing) {
            closeAfter(HftpStatus.INTERNAL_ERROR);
        }
    }

    private boolean canRead() {
        return !busy && !yielded && !closing && !draining && ctx.channel().isActive() && ctx.channel().isWritable();
    }

    private void yieldTurn() {
        yielded = true;
        ctx.executor().execute(() -> {
            yielded = false;
            next();
        });
    }

    /** Flushes what was written; only then, as a flush before a TLS handshake would start it. */
    private void flushNow() {
        unflushed = false;
        ctx.flush();
    }

    private void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(() -> {
                flushScheduled = false;
                if (unflushed) {
                    flushNow();
                }
            });
        }
    }

    private void flushAndClose() {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
