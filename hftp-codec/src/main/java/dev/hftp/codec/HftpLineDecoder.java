package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.internal.ObjectUtil;

import java.util.function.IntConsumer;

/**
 * Splits the inbound bytes into request lines, terminator included, for {@link HftpCommandDecoder}.
 *
 * <p>Lines up to {@code maxLineLength} bytes are framed by {@link LineBasedFrameDecoder}. A longer line
 * is not buffered and not refused: it streams through an {@link OverlongLine}, which keeps only what
 * decides its answer, and its end yields a short stand-in line that is answered exactly as the whole line
 * would be. Memory per connection stays near {@code maxLineLength} whatever a client sends.
 *
 * <p>A server that weighs its connections' memory can be told, after each read, how many bytes the decoder
 * holds for a line not ended yet (the capacity of its buffer, which is what the allocator has given it).
 */
public final class HftpLineDecoder extends LineBasedFrameDecoder {

    /** The default limit, 64 KiB. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

    private static final byte LF = HftpWire.LF;
    private static final byte CR = HftpWire.CR;

    private final int maxLineLength;
    /** How many bytes from the reader index are known to hold no LF, so a slow line is scanned once. */
    private int scanned;
    /** The line being skipped because it is too long, or null. */
    private OverlongLine overlong;
    /** Told the bytes held after each change; a no-op when nobody asked. */
    private final IntConsumer heldBytesListener;
    private int heldBytes;

    /** A decoder with the {@linkplain #DEFAULT_MAX_LINE_LENGTH default limit}. */
    public HftpLineDecoder() {
        this(DEFAULT_MAX_LINE_LENGTH);
    }

    /** A decoder that buffers lines of up to {@code maxLineLength} bytes, terminator excluded. */
    public HftpLineDecoder(int maxLineLength) {
        this(maxLineLength, held -> { });
    }

    /**
     * A decoder that buffers lines of up to {@code maxLineLength} bytes, terminator excluded, and tells
     * {@code heldBytesListener} how many bytes it holds for an unfinished line whenever that changes: after a
     * read, and 0 when the connection ends. Called on the channel's event loop.
     */
    public HftpLineDecoder(int maxLineLength, IntConsumer heldBytesListener) {
        super(maxLineLength, false, false);
        this.maxLineLength = ObjectUtil.checkPositive(maxLineLength, "maxLineLength");
        this.heldBytesListener = ObjectUtil.checkNotNull(heldBytesListener, "heldBytesListener");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        try {
            super.channelRead(ctx, msg);
        } finally {
            reportHeldBytes();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelInactive(ctx);
        } finally {
            reportHeldBytes();
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        // Called once the buffer is handed on or released: the decoder holds nothing from now on.
        setHeldBytes(0);
    }

    private void reportHeldBytes() {
        setHeldBytes(internalBuffer().capacity());
    }

    private void setHeldBytes(int bytes) {
        if (bytes != heldBytes) {
            heldBytes = bytes;
            heldBytesListener.accept(bytes);
        }
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (overlong == null) {
            int start = in.readerIndex();
            // A full line may hold maxLineLength bytes, CR and LF.
            int end = (int) Math.min(in.writerIndex(), (long) start + maxLineLength + 2);
            int lf = in.indexOf(start + scanned, end, LF);
            if (lf < 0) {
                scanned = end - start;
                if (in.readableBytes() <= (long) maxLineLength + 1) {
                    // No full line received yet.
                    return null;
                }
                overlong = new OverlongLine();
            } else {
                scanned = 0;
                int length = lf > start && in.getByte(lf - 1) == CR ? lf - 1 - start : lf - start;
                if (length <= maxLineLength) {
                    return super.decode(ctx, in);
                }
                overlong = new OverlongLine();
            }
        }
        if (!overlong.consume(in)) {
            return null;
        }
        ByteBuf frame = overlong.toFrame(ctx.alloc());
        overlong = null;
        scanned = 0;
        return frame;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            // What is buffered is all the client will send, and the buffer is dropped next: frame every line
            // now, even if a handler downstream had asked for one at a time.
            setSingleDecode(false);
        }
        super.userEventTriggered(ctx, evt);
    }

    /** The longest line this decoder buffers, terminator excluded. */
    public int maxLineLength() {
        return maxLineLength;
    }
}
