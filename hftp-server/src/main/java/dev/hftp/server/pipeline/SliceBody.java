package dev.hftp.server.pipeline;

import dev.hftp.codec.Base64ChunkedInput;
import dev.hftp.codec.ExactLengthChunkedInput;
import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpStatus;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.stream.ChunkedNioFile;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * The body of a slice reply, chosen by its mode and the connection's: zero-copy for raw in plaintext, where
 * nothing transforms the bytes; under TLS the {@code SslHandler} refuses a {@code FileRegion}, so the file is read
 * in chunks, which the {@code ChunkedWriteHandler} writes only while the socket is writable. Chunks of a file that
 * shrinks fail the transfer (both chunked bodies are exact-length inputs); a {@code FileRegion} fails by itself.
 */
final class SliceBody {

    private SliceBody() {
    }

    /** A body for {@code slice} of {@code file}: a chunked input, or a file region. */
    static Object of(FileChannel file, HftpRequest.GetSlice slice, int chunkSize, boolean tls) throws HftpException {
        if (!slice.raw()) {
            return new Base64ChunkedInput(chunks(file, slice, chunkSize), slice.size());
        }
        return tls ? new ExactLengthChunkedInput(chunks(file, slice, chunkSize), slice.size())
                : new DefaultFileRegion(file, slice.offset(), slice.size());
    }

    private static ChunkedNioFile chunks(FileChannel file, HftpRequest.GetSlice slice, int chunkSize)
            throws HftpException {
        try {
            return new ChunkedNioFile(file, slice.offset(), slice.size(), chunkSize);
        } catch (IOException e) {
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot read file", e);
        }
    }
}
