package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A source that truncates its file right after its first chunk has been read: a file shrinking mid-transfer. */
final class TruncatingChunkedInput implements ChunkedInput<ByteBuf> {

    private final ChunkedInput<ByteBuf> delegate;
    private final Path file;
    private final long newLength;
    private boolean truncated;

    TruncatingChunkedInput(ChunkedInput<ByteBuf> delegate, Path file, long newLength) {
        this.delegate = delegate;
        this.file = file;
        this.newLength = newLength;
    }

    static void truncate(Path file, long length) {
        try (FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE)) {
            writer.truncate(length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean isEndOfInput() throws Exception {
        return delegate.isEndOfInput();
    }

    @Override
    public void close() throws Exception {
        delegate.close();
    }

    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws Exception {
        ByteBuf chunk = delegate.readChunk(allocator);
        if (!truncated) {
            truncated = true;
            truncate(file, newLength);
        }
        return chunk;
    }

    @Override
    public long length() {
        return delegate.length();
    }

    @Override
    public long progress() {
        return delegate.progress();
    }
}
