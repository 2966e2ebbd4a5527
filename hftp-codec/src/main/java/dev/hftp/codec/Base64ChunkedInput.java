package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.base64.Base64;
import io.netty.handler.codec.base64.Base64Dialect;
import io.netty.handler.stream.ChunkedInput;
import io.netty.util.internal.ObjectUtil;

import java.io.IOException;

/**
 * Streams the body of a base64 slice: the bytes of a {@link ChunkedInput} encoded chunk by chunk, then
 * CRLF once. Each chunk of the source must be a whole multiple of 3 bytes (all but the last), so the
 * pieces join into the base64 of the whole range with padding only at its end.
 *
 * <p>The source says how many bytes it has left; a chunk shorter than that means the file shrank while
 * it was being sent, and the reply can no longer be completed honestly, so this input fails.
 */
public final class Base64ChunkedInput implements ChunkedInput<ByteBuf> {

    /** Raw bytes per chunk: a multiple of 3 that encodes to 64 KiB of base64. */
    public static final int DEFAULT_CHUNK_SIZE = 3 * 16 * 1024;

    private static final short CRLF_SHORT = ('\r' << 8) | '\n';

    private final ChunkedInput<ByteBuf> source;
    private final long length;
    private boolean terminated;

    /**
     * Encodes {@code source}, which holds {@code length} bytes in chunks of a multiple of 3 bytes.
     */
    public Base64ChunkedInput(ChunkedInput<ByteBuf> source, long length) {
        this.source = ObjectUtil.checkNotNull(source, "source");
        this.length = ObjectUtil.checkPositiveOrZero(length, "length");
    }

    @Override
    public boolean isEndOfInput() throws Exception {
        return terminated;
    }

    @Override
    public void close() throws Exception {
        source.close();
    }

    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws Exception {
        if (terminated) {
            return null;
        }
        long expected = length - source.progress();
        if (source.isEndOfInput()) {
            if (expected != 0) {
                throw new IOException("source ended " + expected + " bytes early");
            }
            terminated = true;
            return allocator.buffer(2).writeShort(CRLF_SHORT);
        }
        ByteBuf chunk = source.readChunk(allocator);
        if (chunk == null) {
            // The source has nothing right now; ChunkedWriteHandler asks again.
            return null;
        }
        try {
            boolean last = source.isEndOfInput();
            if (chunk.readableBytes() == 0 || last && source.progress() != length
                    || !last && chunk.readableBytes() % 3 != 0) {
                throw new IOException("file shrank or chunk not a multiple of 3 bytes: got "
                        + chunk.readableBytes() + " of " + expected + " remaining bytes");
            }
            ByteBuf encoded = Base64.encode(chunk, chunk.readerIndex(), chunk.readableBytes(), false,
                    Base64Dialect.STANDARD, allocator);
            if (last) {
                terminated = true;
                encoded.writeShort(CRLF_SHORT);
            }
            return encoded;
        } finally {
            chunk.release();
        }
    }

    @Override
    public long length() {
        return -1;
    }

    @Override
    public long progress() {
        return source.progress();
    }
}
