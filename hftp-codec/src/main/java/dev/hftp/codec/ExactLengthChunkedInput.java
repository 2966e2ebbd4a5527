package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import io.netty.util.internal.ObjectUtil;

import java.io.IOException;

/**
 * The bytes of a {@link ChunkedInput} that promised {@code length} of them, as they are, failing as soon as
 * it cannot keep that promise: the body of a slice whose file shrank while it was being sent.
 *
 * <p>Netty's {@code ChunkedNioFile} answers a file shorter than its range with empty chunks and never
 * reaches its end, and the {@code ChunkedWriteHandler} writes those for ever on the event loop (as long as
 * the socket stays writable, which empty chunks never change). Here an empty chunk, or a source that ends
 * before its length, is an {@link IOException}: the write fails, the input is closed, and the handler that
 * wrote it ends the connection, since the reply can no longer be completed honestly.
 */
public final class ExactLengthChunkedInput implements ChunkedInput<ByteBuf> {

    private final ChunkedInput<ByteBuf> source;
    private final long length;
    private long progress;

    /** The {@code length} bytes of {@code source}, which must yield exactly that many. */
    public ExactLengthChunkedInput(ChunkedInput<ByteBuf> source, long length) {
        this.source = ObjectUtil.checkNotNull(source, "source");
        this.length = ObjectUtil.checkPositiveOrZero(length, "length");
    }

    @Override
    public boolean isEndOfInput() {
        return progress == length;
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
        if (progress == length) {
            return null;
        }
        if (source.isEndOfInput()) {
            throw shrank(0);
        }
        ByteBuf chunk = source.readChunk(allocator);
        if (chunk == null) {
            if (source.isEndOfInput()) {
                throw shrank(0);
            }
            // The source has nothing right now; ChunkedWriteHandler asks again when it resumes.
            return null;
        }
        int read = chunk.readableBytes();
        if (read == 0) {
            chunk.release();
            throw shrank(0);
        }
        if (read > length - progress) {
            chunk.release();
            throw new HftpCodecException("source yielded " + read + " bytes where " + (length - progress)
                    + " remained of " + length);
        }
        progress += read;
        return chunk;
    }

    private IOException shrank(int read) {
        return new IOException("source yielded " + read + " bytes where " + (length - progress) + " remained of "
                + length + ": the file shrank");
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long progress() {
        return progress;
    }
}
