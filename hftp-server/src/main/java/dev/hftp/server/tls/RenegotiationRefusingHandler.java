package dev.hftp.server.tls;

import dev.hftp.server.proxy.ClientAddress;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * Closes a TLS connection whose client starts a handshake after the first one: a TLS 1.2 renegotiation costs
 * the server a key exchange and a signature each time the client asks (1,000 on one connection took 2-5 s of
 * the server's CPU, docs/RELIABILITY.md), and it serves no purpose in HFTP, where the client authenticates
 * nothing.
 *
 * <p>Sits just before the {@link SslHandler} and reads only the 5-byte headers of the client's TLS records
 * (content type, version, length); every byte passes on unchanged. Once the first handshake has succeeded, a
 * record of content type handshake (22) starts a new one: TLS 1.2 sends a renegotiation's ClientHello in such a
 * record, while TLS 1.3 carries every later handshake message (KeyUpdate, for one) encrypted inside
 * application-data records (23), so nothing a well-behaved client sends is refused. Until the first handshake
 * has ended, records are passed on one at a time, so that the {@code SslHandler} (whose delegated tasks run
 * inline) has processed the client's last handshake record before the header of the next one is judged: a
 * client that sends its Finished and a new ClientHello in one segment is caught too.
 *
 * <p>The JDK can refuse renegotiation itself ({@code jdk.tls.rejectClientInitiatedRenegotiation}), but reads
 * that property once per JVM, so a library must not set it for the application that embeds it; this handler
 * works with any {@code SslContext}, an embedder's own included, whatever its provider.
 */
public final class RenegotiationRefusingHandler extends ChannelInboundHandlerAdapter {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(RenegotiationRefusingHandler.class);

    private static final int HEADER_LENGTH = 5;
    private static final byte HANDSHAKE = 22;

    private final Future<?> firstHandshake;
    /** The header of the next record, as far as it has come (a header may be split between reads). */
    private final byte[] header = new byte[HEADER_LENGTH];
    private int headerBytes;
    /** Bytes of the current record's body still to come. */
    private int bodyBytesLeft;
    private boolean firstRecord = true;
    private boolean refused;

    /** {@code firstHandshake}: the {@link SslHandler#handshakeFuture()} of the connection. */
    public RenegotiationRefusingHandler(Future<?> firstHandshake) {
        this.firstHandshake = firstHandshake;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (firstHandshake.isDone()) {
            passOnUnlessRefused(ctx, in);
        } else {
            passOnRecordByRecord(ctx, in);
        }
    }

    /** After the first handshake: the whole read passes on, unless a record in it starts a handshake. */
    private void passOnUnlessRefused(ChannelHandlerContext ctx, ByteBuf in) {
        int at = in.readerIndex();
        int end = in.writerIndex();
        while (at < end) {
            if (bodyBytesLeft > 0) {
                at = skipBody(at, end);
            } else if (readHeaderByte(in.getByte(at++)) && startsHandshake()) {
                in.release();
                refuse(ctx);
                return;
            }
        }
        ctx.fireChannelRead(in);
    }

    /** During the first handshake: each complete record goes on alone, then the next is judged. */
    private void passOnRecordByRecord(ChannelHandlerContext ctx, ByteBuf in) {
        try {
            int from = in.readerIndex();
            int at = from;
            int end = in.writerIndex();
            while (at < end) {
                if (bodyBytesLeft > 0) {
                    at = skipBody(at, end);
                } else if (!readHeaderByte(in.getByte(at++))) {
                    continue;
                } else if (startsHandshake()) {
                    refuse(ctx);
                    return;
                }
                if (bodyBytesLeft == 0 && headerBytes == 0 && !firstHandshake.isDone()) {
                    ctx.fireChannelRead(in.retainedSlice(from, at - from));
                    from = at;
                    if (!ctx.channel().isOpen()) {
                        // The SslHandler gave up (not TLS, a failed handshake): the rest is nobody's.
                        return;
                    }
                }
            }
            if (at > from) {
                ctx.fireChannelRead(in.retainedSlice(from, at - from));
            }
        } finally {
            in.release();
        }
    }

    /** Passes over what is left of the current record's body in {@code [at, end)}; returns where it stops. */
    private int skipBody(int at, int end) {
        int skipped = Math.min(bodyBytesLeft, end - at);
        bodyBytesLeft -= skipped;
        return at + skipped;
    }

    /** Takes one byte of a record header; true once the header is whole (the body's length then known). */
    private boolean readHeaderByte(byte b) {
        header[headerBytes++] = b;
        if (firstRecord && headerBytes == 2 && (header[0] & 0x80) != 0) {
            // An SSLv2-compatible ClientHello: a 2-byte header whose 15 low bits are the length.
            bodyBytesLeft = ((header[0] & 0x7f) << 8) | (header[1] & 0xff);
            return headerComplete();
        }
        if (headerBytes < HEADER_LENGTH) {
            return false;
        }
        bodyBytesLeft = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
        return headerComplete();
    }

    private boolean headerComplete() {
        headerBytes = 0;
        firstRecord = false;
        return true;
    }

    /** Whether the record whose header was just read is a handshake record after the first handshake. */
    private boolean startsHandshake() {
        return header[0] == HANDSHAKE && firstHandshake.isSuccess();
    }

    private void refuse(ChannelHandlerContext ctx) {
        refused = true;
        logger.debug("{} closed: TLS renegotiation refused (a handshake record after the first handshake)",
                ClientAddress.textOf(ctx.channel()));
        ctx.close();
    }
}
