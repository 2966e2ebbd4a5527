package dev.hftp.server.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;

import java.util.function.IntConsumer;

/**
 * Charges one connection's buffers to the server's {@link MemoryBudget}: every reply from the flush that sends it
 * until the socket has taken it, and the unfinished request line the line decoder holds (it reports it through
 * {@link #lineHolder()}). While the server is under pressure the connection holds little:
 * <ul>
 *   <li>it is not writable while anything of it is queued, so a transfer keeps one chunk in flight (the
 *       {@link io.netty.handler.stream.ChunkedWriteHandler} writes chunks only while the channel is writable) and
 *       no further request is read before the last reply has gone;</li>
 *   <li>it is not read while its unfinished line holds more than {@link MemoryBudget#LINE_ALLOWANCE}: the
 *       {@code read()} is kept and passed on once the pressure ends.</li>
 * </ul>
 * Both are lifted when the pressure ends. A connection with little queued and a short line, the usual small
 * request, is served as ever.
 *
 * <p>Sits next to the socket on the plaintext side of TLS, so that it weighs every reply as written and sees every
 * {@code read()} the connection asks for.
 */
public final class BufferBudgetHandler extends ChannelDuplexHandler implements MemoryBudget.Waiter {

    /**
     * The bit of the channel's writability that this handler turns off under pressure: any free one from 1 to 31
     * (Netty's traffic shaping handlers, not used here, take 1 to 3).
     */
    private static final int WRITABILITY_BIT = 4;

    private final MemoryBudget budget;
    private ChannelHandlerContext ctx;
    /** Bytes written and not yet taken by the socket. */
    private long queued;
    /** The part of {@link #queued} written since the last flush. */
    private long unflushed;
    /** Bytes the line decoder holds for an unfinished line. */
    private int line;
    /** Set while a {@code read()} is kept back because the line is too long for the pressure. */
    private boolean readKept;
    /** Set while this handler holds the channel unwritable. */
    private boolean restricted;
    /** Set while the budget is to call back when the pressure ends. */
    private boolean waiting;

    public BufferBudgetHandler(MemoryBudget budget) {
        this.budget = budget;
    }

    /** What the line decoder calls with the bytes it holds for an unfinished line. */
    public IntConsumer lineHolder() {
        return this::lineHeld;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    private void lineHeld(int bytes) {
        int change = bytes - line;
        line = bytes;
        if (change > 0) {
            budget.charge(change);
        } else {
            budget.release(-change);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long size = sizeOf(msg);
        if (size == 0 || !ctx.channel().isActive()) {
            // A write on a closed channel fails at once and holds nothing.
            ctx.write(msg, promise);
            return;
        }
        queued += size;
        unflushed += size;
        ctx.write(msg, promise);
        if (!restricted && budget.underPressure()) {
            // A reply is queued: under pressure, nothing more until it has gone.
            update();
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (unflushed > 0) {
            long batch = unflushed;
            unflushed = 0;
            // Charged once per flush, not per write (a pipelining client gets dozens of replies per flush), and
            // released by one completion: a channel's writes complete in order, so once this empty one is done,
            // so is every write before it.
            budget.charge(batch);
            ctx.write(Unpooled.EMPTY_BUFFER).addListener(written -> taken(batch));
            if (!restricted && budget.underPressure()) {
                update();
            }
        }
        ctx.flush();
    }

    /** Written, or failed: either way the bytes are no longer held. */
    private void taken(long size) {
        queued -= size;
        budget.release(size);
        update();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (line <= MemoryBudget.LINE_ALLOWANCE || !budget.underPressure()) {
            ctx.read();
        } else {
            readKept = true;
            awaitRelief();
        }
    }

    /** Applies the rules to the connection as it is now: after a write, after it is taken, and when pressure ends. */
    private void update() {
        boolean pressure = budget.underPressure();
        restrict(pressure && queued > 0);
        if (readKept && (line <= MemoryBudget.LINE_ALLOWANCE || !pressure)) {
            readKept = false;
            ctx.read();
        }
        if (restricted || readKept) {
            awaitRelief();
        }
    }

    private void restrict(boolean restrict) {
        if (restrict == restricted) {
            return;
        }
        // The channel's own writability bits are the signal every producer here already obeys.
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        if (out != null) {
            restricted = restrict;
            out.setUserDefinedWritability(WRITABILITY_BIT, !restrict);
        }
    }

    private void awaitRelief() {
        if (!waiting && ctx.channel().isActive()) {
            waiting = true;
            budget.awaitRelief(this);
        }
    }

    @Override
    public void budgetFreed() {
        ctx.executor().execute(() -> {
            waiting = false;
            if (ctx.channel().isActive()) {
                update();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // What is still queued is released as its writes fail; the line, as the decoder drops it.
        budget.stopWaiting(this);
        waiting = false;
        // Written and never flushed: failed with the channel, and never charged.
        queued -= unflushed;
        unflushed = 0;
        ctx.fireChannelInactive();
    }

    /** The bytes a message holds in buffers; a {@link io.netty.channel.FileRegion} is sent from the page cache. */
    private static long sizeOf(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        if (msg instanceof ByteBufHolder holder) {
            return holder.content().readableBytes();
        }
        return 0;
    }
}
