package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Encodes an {@link HftpResponse}: the status line, then the body of a successful reply.
 *
 * <pre>
 * status   = code SP message CRLF
 * lines    = "0 OK" CRLF *( name CRLF ) CRLF          ; listing and help
 * metadata = "0 OK" CRLF size CRLF
 * raw      = "0 OK" CRLF "Content-Length: " size CRLF CRLF   ; size bytes follow
 * </pre>
 */
@Sharable
public final class HftpResponseEncoder extends MessageToMessageEncoder<HftpResponse> {

    /** Room for a status line, a decimal long and two terminators. */
    private static final int SMALL_REPLY_CAPACITY = 64;

    public HftpResponseEncoder() {
        super(HftpResponse.class);
    }

    /**
     * Every status line, encoded once, outside any pool and shared by every connection: a status alone is the most
     * frequent reply, and sending a duplicate of these costs no allocation (nor its leak-detection sample).
     */
    private static final ByteBuf[] STATUS_LINES = new ByteBuf[HftpStatus.values().length];

    static {
        for (HftpStatus status : HftpStatus.values()) {
            byte[] line = status.statusLineBytes();
            ByteBuffer direct = ByteBuffer.allocateDirect(line.length).put(line).flip();
            STATUS_LINES[status.ordinal()] = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct).asReadOnly());
        }
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, HftpResponse response, List<Object> out) {
        if (response instanceof HftpResponse.Status status) {
            out.add(STATUS_LINES[status.status().ordinal()].duplicate());
            return;
        }
        ByteBuf buf = ctx.alloc().buffer(SMALL_REPLY_CAPACITY);
        boolean done = false;
        try {
            if (response instanceof HftpResponse.Metadata metadata) {
                writeOk(buf);
                writeNumberLine(buf, metadata.size());
            } else if (response instanceof HftpResponse.Lines lines) {
                writeLines(buf, lines);
            } else if (response instanceof HftpResponse.RawSliceHeader header) {
                writeOk(buf);
                buf.writeBytes(HftpWire.CONTENT_LENGTH_BYTES);
                writeNumberLine(buf, header.size());
                buf.writeShort(HftpWire.CRLF);
            } else {
                throw new HftpCodecException("unknown response type: " + response.getClass().getName());
            }
            out.add(buf);
            done = true;
        } finally {
            if (!done) {
                buf.release();
            }
        }
    }

    /**
     * How many bytes {@code response} encodes to, without encoding it: what an observer of the replies (an access
     * log) counts. A raw slice's header counts without its body, which follows it.
     */
    public static long encodedLength(HftpResponse response) {
        int ok = HftpStatus.OK.statusLine().length;
        if (response instanceof HftpResponse.Status status) {
            return status.status().statusLine().length;
        } else if (response instanceof HftpResponse.Metadata metadata) {
            return ok + digits(metadata.size()) + HftpWire.CRLF_LENGTH;
        } else if (response instanceof HftpResponse.Lines lines) {
            long length = ok + HftpWire.CRLF_LENGTH;
            for (String line : lines.lines()) {
                length += line.length() + HftpWire.CRLF_LENGTH;
            }
            return length;
        } else if (response instanceof HftpResponse.RawSliceHeader header) {
            return ok + HftpWire.CONTENT_LENGTH_BYTES.length + digits(header.size()) + 2L * HftpWire.CRLF_LENGTH;
        }
        throw new HftpCodecException("unknown response type: " + response.getClass().getName());
    }

    /** The decimal digits of {@code value} (not negative). */
    private static int digits(long value) {
        int digits = 1;
        for (long rest = value / 10; rest != 0; rest /= 10) {
            digits++;
        }
        return digits;
    }

    private static void writeOk(ByteBuf buf) {
        buf.writeBytes(HftpStatus.OK.statusLineBytes());
    }

    /** The decimal digits of {@code value} (not negative) and CRLF, without making a string of them. */
    private static void writeNumberLine(ByteBuf buf, long value) {
        int digits = digits(value);
        buf.ensureWritable(digits + 2);
        int end = buf.writerIndex() + digits;
        long rest = value;
        for (int i = end - 1; i >= buf.writerIndex(); i--) {
            buf.setByte(i, (int) ('0' + rest % 10));
            rest /= 10;
        }
        buf.writerIndex(end);
        buf.writeShort(HftpWire.CRLF);
    }

    private static void writeLines(ByteBuf buf, HftpResponse.Lines lines) {
        writeOk(buf);
        for (String line : lines.lines()) {
            ByteBufUtil.writeAscii(buf, line);
            buf.writeShort(HftpWire.CRLF);
        }
        buf.writeShort(HftpWire.CRLF);
    }
}
