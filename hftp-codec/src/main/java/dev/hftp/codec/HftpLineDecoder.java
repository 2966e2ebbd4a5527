package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.internal.ObjectUtil;

/**
 * Splits the inbound bytes into request lines, terminator included, for {@link HftpCommandDecoder}.
 *
 * <p>Lines up to {@code maxLineLength} bytes are framed by {@link LineBasedFrameDecoder}. A longer line
 * is not buffered and not refused: it streams through an {@link OverlongLine}, which keeps only what
 * decides its answer, and its end yields a short stand-in line that is answered exactly as the whole line
 * would be. Memory per connection stays near {@code maxLineLength} whatever a client sends.
 */
public final class HftpLineDecoder extends LineBasedFrameDecoder {

    /** The default limit, 64 KiB. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

    private static final byte LF = '\n';
    private static final byte CR = '\r';

    private final int maxLineLength;
    /** How many bytes from the reader index are known to hold no LF, so a slow line is scanned once. */
    private int scanned;
    /** The line being skipped because it is too long, or null. */
    private OverlongLine overlong;

    /** A decoder with the {@linkplain #DEFAULT_MAX_LINE_LENGTH default limit}. */
    public HftpLineDecoder() {
        this(DEFAULT_MAX_LINE_LENGTH);
    }

    /** A decoder that buffers lines of up to {@code maxLineLength} bytes, terminator excluded. */
    public HftpLineDecoder(int maxLineLength) {
        super(maxLineLength, false, false);
        this.maxLineLength = ObjectUtil.checkPositive(maxLineLength, "maxLineLength");
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
