package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import io.netty.util.concurrent.FastThreadLocal;

import java.io.IOException;

/**
 * Streams the body of a base64 slice: the bytes of a {@link ChunkedInput} encoded chunk by chunk, then
 * CRLF once. Each chunk of the source must be a whole multiple of 3 bytes (all but the last), so the
 * pieces join into the base64 of the whole range with padding only at its end.
 *
 * <p>The source must yield exactly {@code length} bytes ({@link ExactLengthChunkedInput}): if its file
 * shrinks while it is being sent, the reply can no longer be completed honestly, and this input fails.
 */
public final class Base64ChunkedInput implements ChunkedInput<ByteBuf> {

    /** Raw bytes per chunk: a multiple of 3 that encodes to 64 KiB of base64. */
    public static final int DEFAULT_CHUNK_SIZE = 3 * 16 * 1024;

    /** How many bytes the base64 line of {@code size} file bytes takes, its CRLF included. */
    public static long encodedLength(long size) {
        return (size + 2) / 3 * 4 + HftpWire.CRLF_LENGTH;
    }

    private static final java.util.Base64.Encoder ENCODER = java.util.Base64.getEncoder();
    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    private final ExactLengthChunkedInput source;
    private boolean terminated;

    /**
     * Encodes {@code source}, which holds {@code length} bytes in chunks of a multiple of 3 bytes.
     */
    public Base64ChunkedInput(ChunkedInput<ByteBuf> source, long length) {
        this.source = new ExactLengthChunkedInput(source, length);
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
        if (source.isEndOfInput()) {
            terminated = true;
            return allocator.buffer(2).writeShort(HftpWire.CRLF);
        }
        ByteBuf chunk = source.readChunk(allocator);
        if (chunk == null) {
            // The source has nothing right now; ChunkedWriteHandler asks again.
            return null;
        }
        try {
            boolean last = source.isEndOfInput();
            if (!last && chunk.readableBytes() % 3 != 0) {
                // Padding inside the body would corrupt it: a chunk size not a multiple of 3, or a file that
                // shrank in the middle of this chunk.
                throw new IOException("a chunk of " + chunk.readableBytes() + " bytes before the end of "
                        + source.length() + " is not a multiple of 3 bytes");
            }
            ByteBuf encoded = encode(chunk, allocator, last);
            if (last) {
                terminated = true;
            }
            return encoded;
        } finally {
            chunk.release();
        }
    }

    /**
     * The base64 of {@code chunk} in a new buffer, with CRLF after it when it is the last. The JDK's encoder
     * (vectorised by the JIT) encodes about twice as fast as Netty's, copies to and from arrays included
     * ({@code Base64Benchmark}); the arrays are reused by each event-loop thread.
     */
    private static ByteBuf encode(ByteBuf chunk, ByteBufAllocator allocator, boolean last) {
        int length = chunk.readableBytes();
        Scratch scratch = SCRATCH.get();
        byte[] in = scratch.in(length);
        byte[] out = scratch.out(4 * ((length + 2) / 3));
        chunk.getBytes(chunk.readerIndex(), in, 0, length);
        int encodedLength = ENCODER.encode(in, out);
        ByteBuf encoded = allocator.buffer(encodedLength + (last ? 2 : 0));
        encoded.writeBytes(out, 0, encodedLength);
        if (last) {
            encoded.writeShort(HftpWire.CRLF);
        }
        return encoded;
    }

    /** Arrays of exactly the sizes last asked for: the encoder takes whole arrays. */
    private static final class Scratch {
        private byte[] in = new byte[0];
        private byte[] out = new byte[0];

        byte[] in(int length) {
            if (in.length != length) {
                in = new byte[length];
            }
            return in;
        }

        byte[] out(int length) {
            if (out.length != length) {
                out = new byte[length];
            }
            return out;
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
