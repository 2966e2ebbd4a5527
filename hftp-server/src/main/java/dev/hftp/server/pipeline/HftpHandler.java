package dev.hftp.server.pipeline;

import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;

import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpResponses;
import dev.hftp.codec.HftpStatus;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;

import java.nio.channels.FileChannel;
import java.util.function.Consumer;

/**
 * The dispatcher: answers each decoded request from the {@link FileStore}. When the next request is read, when
 * replies are flushed and how the connection ends belong to {@link PacedRequestHandler}; how a slice is sent to
 * {@link SliceReply}. Listing, opening and following links may block, so they run on a file thread
 * ({@link FileCalls}) and their answer is written back on the connection's event loop.
 */
public final class HftpHandler extends PacedRequestHandler {

    private final FileStore store;
    private final FileCalls files;
    private final int chunkSize;
    /** Whether the connection is TLS: raw slices then go through the SslHandler in chunks, not as a FileRegion. */
    private final boolean tls;

    /** {@code errors}: one for all the connections of a server. */
    public HftpHandler(FileStore store, FileCalls files, int chunkSize, boolean tls, ErrorLog errors) {
        super(errors);
        this.store = store;
        this.files = files;
        this.chunkSize = chunkSize;
        this.tls = tls;
    }

    @Override
    protected void answer(ChannelHandlerContext ctx, HftpRequest request) {
        try {
            if (request instanceof HftpRequest.GetMetadata metadata) {
                onMetadata(ctx, metadata);
            } else if (request instanceof HftpRequest.GetSlice slice) {
                call(ctx, () -> store.openSlice(slice.fileName(), slice.offset(), slice.size()),
                        file -> onSlice(ctx, slice, file), FileStore::closeQuietly);
            } else if (request instanceof HftpRequest.GetFileListing) {
                call(ctx, store::list, names -> write(HftpResponses.fileListing(names)), names -> { });
            } else if (request instanceof HftpRequest.Help) {
                write(HftpResponses.help());
            } else if (request instanceof HftpRequest.Quit) {
                closeAfter(HftpStatus.OK);
            } else if (request instanceof HftpRequest.Malformed malformed) {
                answerError(malformed.status(), null);
            }
        } catch (HftpException e) {
            answerError(e.status(), e.getMessage());
        }
    }

    private void onMetadata(ChannelHandlerContext ctx, HftpRequest.GetMetadata metadata) throws HftpException {
        // A stat opens nothing, so it blocks on no pipe and no lease and costs a twelfth of a handoff to a file
        // thread (FileCallsBenchmark): it stays on the loop. Only a link, whose walk opens directories, leaves it.
        long size = store.plainFileSize(metadata.fileName());
        if (size >= 0) {
            write(HftpResponses.metadata(size));
        } else {
            call(ctx, () -> store.size(metadata.fileName()), found -> write(HftpResponses.metadata(found)),
                    found -> { });
        }
    }

    private void onSlice(ChannelHandlerContext ctx, HftpRequest.GetSlice slice, FileChannel file) {
        ChannelFuture transfer;
        try {
            transfer = SliceReply.write(ctx, slice, file, chunkSize, tls);
        } catch (HftpException e) {
            answerError(e.status(), e.getMessage());
            return;
        }
        written();
        begin();
        // Later, not inside the flush that completed the transfer: a flush there would be ignored.
        transfer.addListener(f -> {
            if (f.isSuccess()) {
                ctx.executor().execute(() -> {
                    end();
                    resume();
                });
            }
        });
    }

    /**
     * Runs a file call on a file thread; its answer is written back on this loop, and until then no other request
     * is read. A call that fails answers its status (199 after the timeout, which closes the connection).
     */
    private <T> void call(ChannelHandlerContext ctx, FileCalls.Call<T> call, Consumer<T> answer,
                          FileCalls.Discard<? super T> discard) {
        begin();
        files.submit(ctx.executor(), call, discard).addListener((Future<T> done) -> {
            end();
            if (closing() || !ctx.channel().isActive()) {
                if (done.isSuccess()) {
                    discard.discard(done.getNow());
                }
                return;
            }
            if (done.isSuccess()) {
                answer.accept(done.getNow());
            } else if (done.cause() instanceof HftpException e) {
                answerError(e.status(), e.getMessage());
            } else {
                answerError(HftpStatus.INTERNAL_ERROR, String.valueOf(done.cause()));
            }
            resume();
        });
    }
}
