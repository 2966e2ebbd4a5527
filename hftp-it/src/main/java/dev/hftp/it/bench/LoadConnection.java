package dev.hftp.it.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One connection of the load generator: keeps {@code pipeline} requests outstanding (or, idle, sends one
 * per interval), and parses and verifies every reply as the bytes arrive, whatever the read boundaries.
 *
 * <p>A reply must be exactly {@link ReplySpec#head}, then {@link ReplySpec#body} (verified fully, or on the
 * connection's later replies by length and sampled windows with {@link Verify#SAMPLE}), then
 * {@link ReplySpec#tail}. A different first line is read as a one-line error reply and counted bad; a
 * difference later in the head, or in the tail, leaves the framing unknown: the reply is counted bad, the
 * connection closed and its other outstanding requests counted lost.
 */
final class LoadConnection extends ChannelInboundHandlerAdapter {

    enum Verify { FULL, SAMPLE }

    /** Sampled verification: a window of this many bytes ... */
    static final int SAMPLE_WINDOW = 64;
    /** ... at every multiple of this body offset, plus the last window of the body. */
    static final int SAMPLE_STRIDE = 64 * 1024;
    /** Bytes of an unexpected line kept for the error message. */
    private static final int MAX_ERROR_TEXT = 120;

    private static final int HEAD = 0;
    private static final int BODY = 1;
    private static final int TAIL = 2;
    private static final int SKIP_LINE = 3;
    private static final int ANY_LINE = 4;

    private final int id;
    private final ReplySpec spec;
    /** This connection's copy of the request (no reference count shared between threads). */
    private ByteBuf request;
    private final RunClock clock;
    private final LoopStats stats;
    private final Verify verify;
    private final int pipeline;
    private final long idleIntervalNanos;

    /** Send times of the outstanding requests, oldest first. */
    private final long[] sentAt;
    private int ringHead;
    private int outstanding;

    private int phase;
    private int pos;
    private boolean bodyOk = true;
    private String bodyError;
    private final StringBuilder errorText = new StringBuilder();
    private String errorExpected;
    private long replyIndex;
    private boolean needFlush;
    private boolean closedByUs;
    private ScheduledFuture<?> ticker;

    /**
     * @param pipeline requests kept outstanding; 0 for idle mode (one request per {@code idleIntervalNanos})
     */
    LoadConnection(int id, ReplySpec spec, RunClock clock, LoopStats stats, Verify verify,
                   int pipeline, long idleIntervalNanos) {
        this.id = id;
        this.spec = spec;
        this.clock = clock;
        this.stats = stats;
        this.verify = verify;
        this.pipeline = pipeline;
        this.idleIntervalNanos = idleIntervalNanos;
        this.sentAt = new long[pipeline > 0 ? pipeline : 16];
        this.phase = spec.anyLine ? ANY_LINE : HEAD;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        request = Unpooled.directBuffer(spec.request.length).writeBytes(spec.request);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        request.release();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (pipeline > 0) {
            for (int i = 0; i < pipeline; i++) {
                send(ctx);
            }
            ctx.flush();
        } else {
            long phaseShift = ThreadLocalRandom.current().nextLong(idleIntervalNanos);
            ticker = ctx.executor().scheduleAtFixedRate(() -> tick(ctx), phaseShift, idleIntervalNanos,
                    TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelActive();
    }

    private void tick(ChannelHandlerContext ctx) {
        if (clock.stopSending || !ctx.channel().isActive()) {
            return;
        }
        if (outstanding == sentAt.length) {
            stats.skippedTicks++;
            return;
        }
        send(ctx);
        ctx.flush();
    }

    private void send(ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        sentAt[(ringHead + outstanding) % sentAt.length] = now;
        outstanding++;
        if (clock.inWindow(now)) {
            stats.sentInWindow++;
        }
        ctx.write(request.retainedDuplicate(), ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (clock.inWindow(System.nanoTime())) {
                stats.bytes += in.readableBytes();
            }
            while (in.isReadable() && !closedByUs) {
                parse(ctx, in);
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (needFlush) {
            needFlush = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    private void parse(ChannelHandlerContext ctx, ByteBuf in) {
        switch (phase) {
            case HEAD -> parseHead(ctx, in);
            case BODY -> parseBody(ctx, in);
            case TAIL -> parseTail(ctx, in);
            case SKIP_LINE -> skipLine(ctx, in);
            case ANY_LINE -> anyLine(ctx, in);
            default -> throw new IllegalStateException("phase " + phase);
        }
    }

    private void parseHead(ChannelHandlerContext ctx, ByteBuf in) {
        byte[] head = spec.head;
        while (pos < head.length && in.isReadable()) {
            byte b = in.readByte();
            if (b != head[pos]) {
                headMismatch(ctx, b);
                return;
            }
            pos++;
        }
        if (pos == head.length) {
            pos = 0;
            if (spec.bodyLength() > 0) {
                phase = BODY;
            } else if (spec.tail.length > 0) {
                phase = TAIL;
            } else {
                completeReply(ctx, true, null);
            }
        }
    }

    private void headMismatch(ChannelHandlerContext ctx, byte actual) {
        byte[] head = spec.head;
        int lineStart = pos;
        while (lineStart > 0 && head[lineStart - 1] != '\n') {
            lineStart--;
        }
        errorText.setLength(0);
        errorText.append(new String(head, lineStart, pos - lineStart, StandardCharsets.ISO_8859_1));
        appendErrorByte(actual);
        String expectedLine = expectedLine(lineStart);
        boolean framingKnown = lineStart == 0 || (spec.bodyLength() == 0 && spec.tail.length == 0);
        if (!framingKnown) {
            fail(ctx, "reply " + replyIndex + ": expected '" + expectedLine + "', got '" + errorText
                    + "...' (framing lost)");
            return;
        }
        errorExpected = expectedLine;
        pos = 0;
        if (actual == '\n') {
            completeReply(ctx, false, lineError());
        } else {
            phase = SKIP_LINE;
        }
    }

    private String expectedLine(int lineStart) {
        int end = lineStart;
        while (end < spec.head.length && spec.head[end] != '\n') {
            end++;
        }
        return escape(new String(spec.head, lineStart, Math.min(end + 1, spec.head.length) - lineStart,
                StandardCharsets.ISO_8859_1));
    }

    private void skipLine(ChannelHandlerContext ctx, ByteBuf in) {
        int lf = in.bytesBefore((byte) '\n');
        int n = lf < 0 ? in.readableBytes() : lf + 1;
        for (int i = 0; i < n && errorText.length() < MAX_ERROR_TEXT; i++) {
            appendErrorByte(in.getByte(in.readerIndex() + i));
        }
        in.skipBytes(n);
        if (lf >= 0) {
            completeReply(ctx, false, lineError());
        }
    }

    private String lineError() {
        return "expected '" + errorExpected + "', got '" + errorText + "'";
    }

    private void anyLine(ChannelHandlerContext ctx, ByteBuf in) {
        int lf = in.bytesBefore((byte) '\n');
        if (lf < 0) {
            in.skipBytes(in.readableBytes());
        } else {
            in.skipBytes(lf + 1);
            completeReply(ctx, true, null);
        }
    }

    private void parseBody(ChannelHandlerContext ctx, ByteBuf in) {
        int length = spec.bodyLength();
        int n = Math.min(in.readableBytes(), length - pos);
        if (bodyOk) {
            int bad = verifyBody(in, in.readerIndex(), n, pos);
            if (bad >= 0) {
                bodyOk = false;
                bodyError = "body differs from the expected content at byte " + bad
                        + " of " + length;
            }
        }
        in.skipBytes(n);
        pos += n;
        if (pos == length) {
            pos = 0;
            if (spec.tail.length > 0) {
                phase = TAIL;
            } else {
                completeReply(ctx, bodyOk, bodyError);
            }
        }
    }

    private void parseTail(ChannelHandlerContext ctx, ByteBuf in) {
        byte[] tail = spec.tail;
        while (pos < tail.length && in.isReadable()) {
            byte b = in.readByte();
            if (b != tail[pos]) {
                errorText.setLength(0);
                appendErrorByte(b);
                fail(ctx, "reply " + replyIndex + ": expected '" + escape(new String(tail, StandardCharsets.ISO_8859_1))
                        + "' after " + spec.bodyLength() + " body bytes, got '" + errorText + "' (framing lost)");
                return;
            }
            pos++;
        }
        if (pos == tail.length) {
            pos = 0;
            completeReply(ctx, bodyOk, bodyError);
        }
    }

    /** -1 if the bytes match the expected body at {@code bodyPos}, else the body offset of a difference. */
    private int verifyBody(ByteBuf in, int index, int n, int bodyPos) {
        if (verify == Verify.FULL || replyIndex == 0) {
            return compare(in, index, n, bodyPos);
        }
        int length = spec.bodyLength();
        int end = bodyPos + n;
        for (long w = (long) bodyPos / SAMPLE_STRIDE * SAMPLE_STRIDE; w < end; w += SAMPLE_STRIDE) {
            int bad = compareIntersection(in, index, bodyPos, end, (int) w, (int) Math.min(w + SAMPLE_WINDOW, length));
            if (bad >= 0) {
                return bad;
            }
        }
        return compareIntersection(in, index, bodyPos, end, Math.max(0, length - SAMPLE_WINDOW), length);
    }

    private int compareIntersection(ByteBuf in, int index, int chunkStart, int chunkEnd, int from, int to) {
        int start = Math.max(chunkStart, from);
        int stop = Math.min(chunkEnd, to);
        if (start >= stop) {
            return -1;
        }
        return compare(in, index + (start - chunkStart), stop - start, start);
    }

    private int compare(ByteBuf in, int index, int n, int bodyPos) {
        if (n == 0) {
            return -1;
        }
        ByteBuffer expected = spec.body.slice(bodyPos, n);
        if (in.nioBufferCount() == 1) {
            int m = in.nioBuffer(index, n).mismatch(expected);
            return m < 0 ? -1 : bodyPos + m;
        }
        for (int i = 0; i < n; i++) {
            if (in.getByte(index + i) != expected.get(i)) {
                return bodyPos + i;
            }
        }
        return -1;
    }

    private void completeReply(ChannelHandlerContext ctx, boolean ok, String error) {
        if (outstanding == 0) {
            // A reply to nothing: the server sent more than was asked.
            fail(ctx, "reply " + replyIndex + " arrived with no request outstanding");
            return;
        }
        long now = System.nanoTime();
        long sent = sentAt[ringHead];
        ringHead = (ringHead + 1) % sentAt.length;
        outstanding--;
        if (clock.inWindow(now)) {
            stats.replies++;
            stats.latency.recordValue(Math.min(Math.max(now - sent, 0), LoopStats.MAX_LATENCY_NANOS));
        }
        if (clock.inWindow(sent)) {
            stats.answeredOfWindow++;
        }
        if (!ok) {
            stats.badReplies++;
            stats.message("conn " + id + " reply " + replyIndex + ": " + error);
        }
        replyIndex++;
        phase = spec.anyLine ? ANY_LINE : HEAD;
        pos = 0;
        bodyOk = true;
        bodyError = null;
        if (pipeline > 0 && !clock.stopSending) {
            send(ctx);
            needFlush = true;
        }
    }

    /** A reply whose framing is lost: it is bad, the others outstanding are lost, the connection closed. */
    private void fail(ChannelHandlerContext ctx, String error) {
        stats.badReplies++;
        stats.lost += Math.max(0, outstanding - 1);
        stats.message("conn " + id + " " + error);
        outstanding = 0;
        closedByUs = true;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (!closedByUs && !clock.closing) {
            stats.closedByServer++;
            stats.lost += outstanding;
            stats.message("conn " + id + " closed by the server with " + outstanding + " request(s) outstanding"
                    + (phase == HEAD && pos == 0 || phase == ANY_LINE ? "" : ", in the middle of reply " + replyIndex));
            outstanding = 0;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!clock.closing && !closedByUs) {
            stats.message("conn " + id + " error: " + cause);
        }
        ctx.close();
    }

    private void appendErrorByte(byte b) {
        if (errorText.length() < MAX_ERROR_TEXT) {
            errorText.append(escape(String.valueOf((char) (b & 0xff))));
        }
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
