package dev.hftp.client;

import dev.hftp.codec.Causes;
import dev.hftp.codec.HftpCodecException;
import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpReply;
import dev.hftp.codec.HftpRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * Pairs each reply with the call that sent its request (replies come in request order) and completes it.
 * All its state is touched on the connection's I/O thread only.
 */
final class HftpClientHandler extends ChannelInboundHandlerAdapter {

    private final ArrayDeque<Call<?>> calls = new ArrayDeque<>();
    private final Duration replyTimeout;
    /** When the server last sent a byte, or the first call was queued while none waited ({@link System#nanoTime()}). */
    private long lastProgress;
    /** The check of the reply timeout, while calls wait. */
    private ScheduledFuture<?> timeoutCheck;
    /** Whether the server has sent anything on this connection. */
    private boolean received;

    HftpClientHandler(Duration replyTimeout) {
        this.replyTimeout = replyTimeout;
    }

    /** Sends {@code request} for {@code call}, from any thread; the call fails if the connection is closed. */
    void send(Channel channel, HftpRequest request, Call<?> call) {
        channel.eventLoop().execute(() -> {
            if (!channel.isActive()) {
                call.fail(new IOException("connection closed"));
                return;
            }
            if (calls.isEmpty()) {
                lastProgress = System.nanoTime();
            }
            calls.add(call);
            if (timeoutCheck == null) {
                checkTimeoutIn(channel, replyTimeout.toNanos());
            }
            channel.writeAndFlush(request).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    // Every call waiting on this connection fails in channelInactive.
                    f.channel().close();
                }
            });
        });
    }

    /** Fails every waiting call if the server has sent nothing for the reply timeout while a reply is owed. */
    private void checkTimeoutIn(Channel channel, long nanos) {
        timeoutCheck = channel.eventLoop().schedule(() -> {
            timeoutCheck = null;
            if (calls.isEmpty() || !channel.isActive()) {
                return;
            }
            long silent = System.nanoTime() - lastProgress;
            if (silent >= replyTimeout.toNanos()) {
                failAll(new ReplyTimeoutException(replyTimeout));
                channel.close();
            } else {
                checkTimeoutIn(channel, replyTimeout.toNanos() - silent);
            }
        }, nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastProgress = System.nanoTime();
        received = true;
        try {
            Call<?> call = calls.peek();
            if (call == null) {
                throw new IOException("a reply that no request asked for");
            }
            if (msg instanceof HftpReply.Error error) {
                calls.poll();
                call.fail(new HftpException(error.status(), call.describe()));
            } else if (msg instanceof HftpReply.SliceChunk chunk) {
                call.onChunk(chunk.content());
            } else if (call.onReply((HftpReply) msg)) {
                calls.poll();
            }
        } catch (IOException | RuntimeException e) {
            failAll(e);
            ctx.close();
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failAll(new ClosedWithoutReplyException(!received));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        HftpCodecException notHftp = Causes.innermost(cause, HftpCodecException.class);
        if (notHftp != null) {
            failAll(new NotHftpReplyException(notHftp.getMessage(), cause));
        } else {
            failAll(cause instanceof IOException ? cause : new IOException(Causes.root(cause).toString(), cause));
        }
        ctx.close();
    }

    private void failAll(Throwable cause) {
        Call<?> call;
        while ((call = calls.poll()) != null) {
            call.fail(cause);
        }
    }

    /** A request sent and the future its reply completes. */
    abstract static class Call<T> {
        private final CompletableFuture<T> result = new CompletableFuture<>();

        CompletableFuture<T> result() {
            return result;
        }

        void complete(T value) {
            result.complete(value);
        }

        void fail(Throwable cause) {
            result.completeExceptionally(cause);
        }

        /** Handles a reply; true once the call has all of its reply. */
        abstract boolean onReply(HftpReply reply) throws IOException;

        void onChunk(ByteBuf bytes) throws IOException {
            throw new IOException("slice bytes in the reply to " + describe());
        }

        abstract String describe();

        static IOException unexpected(HftpReply reply, String call) {
            return new IOException("unexpected reply " + reply.getClass().getSimpleName() + " to " + call);
        }
    }

    /** A call answered by one reply of type {@code R}, whose value completes it. */
    static final class ValueCall<R extends HftpReply, T> extends Call<T> {
        private final Class<R> replyType;
        private final Function<R, T> value;
        private final String command;

        ValueCall(Class<R> replyType, Function<R, T> value, String command) {
            this.replyType = replyType;
            this.value = value;
            this.command = command;
        }

        static ValueCall<HftpReply.Names, List<String>> names() {
            return new ValueCall<>(HftpReply.Names.class, HftpReply.Names::names, "get_file_listing");
        }

        static ValueCall<HftpReply.Size, Long> size() {
            return new ValueCall<>(HftpReply.Size.class, HftpReply.Size::size, "get_metadata");
        }

        @Override
        boolean onReply(HftpReply reply) throws IOException {
            if (!replyType.isInstance(reply)) {
                throw unexpected(reply, describe());
            }
            complete(value.apply(replyType.cast(reply)));
            return true;
        }

        @Override
        String describe() {
            return command;
        }
    }

    static final class QuitCall extends Call<Void> {
        @Override
        boolean onReply(HftpReply reply) throws IOException {
            if (reply != HftpReply.OK) {
                throw unexpected(reply, describe());
            }
            complete(null);
            return true;
        }

        @Override
        String describe() {
            return "quit";
        }
    }

    /** Writes a slice's bytes to its destination as they arrive and checks that all of them came. */
    static final class SliceCall extends Call<Long> {
        private final long size;
        private final WritableByteChannel out;
        private final LongConsumer progress;
        private long written;
        /** The destination failed: the rest of the slice is read and dropped, then the call fails with this. */
        private IOException failure;

        SliceCall(long size, WritableByteChannel out, LongConsumer progress) {
            this.size = size;
            this.out = out;
            this.progress = progress;
        }

        @Override
        void onChunk(ByteBuf bytes) {
            if (failure != null) {
                return;
            }
            int n = bytes.readableBytes();
            try {
                ByteBuffer buffer = bytes.nioBuffer();
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            } catch (IOException e) {
                failure = e;
                return;
            }
            written += n;
            if (progress != null) {
                progress.accept(n);
            }
        }

        @Override
        boolean onReply(HftpReply reply) throws IOException {
            if (reply != HftpReply.SLICE_END) {
                throw unexpected(reply, describe());
            }
            if (failure != null) {
                fail(failure);
            } else if (written != size) {
                fail(new IOException("slice of " + size + " bytes ended after " + written));
            } else {
                complete(written);
            }
            return true;
        }

        @Override
        String describe() {
            return "get_slice";
        }
    }
}
