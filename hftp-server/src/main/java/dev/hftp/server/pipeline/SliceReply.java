package dev.hftp.server.pipeline;

import dev.hftp.server.files.FileStore;
import dev.hftp.server.proxy.ClientAddress;

import dev.hftp.codec.Base64ChunkedInput;
import dev.hftp.codec.ExactLengthChunkedInput;
import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpResponses;
import dev.hftp.codec.HftpStatus;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * A slice reply: its header, then its body chosen by its mode and the connection's. Zero-copy for raw in
 * plaintext, where nothing transforms the bytes; under TLS the {@code SslHandler} refuses a {@code FileRegion}, so
 * the file is read in chunks, which the {@code ChunkedWriteHandler} writes only while the socket is writable.
 * Chunks of a file that shrinks fail the transfer (both chunked bodies are exact-length inputs); a
 * {@code FileRegion} fails by itself. A transfer that fails ends the connection: its reply cannot be completed.
 */
final class SliceReply {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(SliceReply.class);

    private SliceReply() {
    }

    /**
     * Writes the reply to {@code slice} from {@code file} (which it then owns), unflushed; the future completes
     * when the body is sent.
     */
    static ChannelFuture write(ChannelHandlerContext ctx, HftpRequest.GetSlice slice, FileChannel file,
                               int chunkSize, boolean tls) throws HftpException {
        Object body;
        try {
            body = body(file, slice, chunkSize, tls);
        } catch (HftpException e) {
            FileStore.closeQuietly(file);
            throw e;
        }
        ctx.write(slice.raw() ? HftpResponses.rawSliceHeader(slice.size()) : HftpResponses.ok(), ctx.voidPromise());
        ChannelFuture transfer = ctx.write(body, ctx.newPromise());
        transfer.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                // The file shrank, or the client left.
                logger.debug("{} transfer ended early: {}", ClientAddress.textOf(ctx.channel()), f.cause().toString());
                ctx.close();
            }
        });
        return transfer;
    }

    /** A body for {@code slice} of {@code file}: a chunked input, or a file region. */
    private static Object body(FileChannel file, HftpRequest.GetSlice slice, int chunkSize, boolean tls) throws HftpException {
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
