package dev.hftp.codec;

import dev.hftp.codec.testing.FuzzFraming;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hftp.codec.testing.TrackingAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzz target (Jazzer) of the reply path: {@link HftpClientCodec} sends a fuzzed list of
 * requests, then {@link HftpReplyDecoder} reads fuzzed server bytes cut at fuzzed points. Whatever a server sends,
 * the decoder gives replies that answer the requests in order, or fails with {@link HftpCodecException} once
 * and then gives nothing; it holds at most one line (its limit) and one listing (its limit) of a server's bytes,
 * and releases every buffer.
 *
 * <p>Input: {@link FuzzFraming} (the limit is the decoder's line limit; a listing may hold four times as many
 * bytes), whose payload starts with the number of requests (1 + byte % 8) and one byte per request choosing
 * it ({@link #REQUESTS}, byte % 6), then the server's bytes.
 */
class HftpReplyDecoderFuzzTest {

    static final List<HftpRequest> REQUESTS = List.of(HftpRequest.GET_FILE_LISTING, new HftpRequest.GetMetadata("a"),
            new HftpRequest.GetSlice("a", 0, 10, false), new HftpRequest.GetSlice("a", 0, 10, true),
            HftpRequest.HELP, HftpRequest.QUIT);

    private static final MethodHandle INTERNAL_BUFFER = internalBuffer();
    private static final VarHandle NAMES = names();

    @FuzzTest
    void replyPath(byte[] data) throws Throwable {
        FuzzFraming input = FuzzFraming.read(data);
        byte[] payload = input.payload();
        int count = payload.length > 0 ? 1 + (payload[0] & 0xff) % 8 : 1;
        ArrayDeque<HftpRequest> sent = new ArrayDeque<>();
        for (int i = 0; i < count; i++) {
            sent.add(REQUESTS.get(1 + i < payload.length ? (payload[1 + i] & 0xff) % REQUESTS.size() : 0));
        }
        int from = Math.min(payload.length, 1 + count);
        long maxListing = 4L * input.limit();
        HftpReplyDecoder decoder = new HftpReplyDecoder(input.limit(), maxListing);
        EmbeddedChannel channel = new EmbeddedChannel(new HftpRequestEncoder(decoder::expect), decoder);
        TrackingAllocator tracking = new TrackingAllocator();
        channel.config().setAllocator(tracking);
        for (HftpRequest request : sent) {
            channel.writeOutbound(request);
        }
        channel.releaseOutbound();
        Replies replies = new Replies(sent, maxListing);
        boolean failed = false;
        int cut = 0;
        List<ByteBuf> chunks = new ArrayList<>();
        while (from < payload.length) {
            int length = Math.min(input.cuts().get(cut++ % input.cuts().size()), payload.length - from);
            ByteBuf chunk = Unpooled.wrappedBuffer(payload, from, length);
            chunks.add(chunk);
            from += length;
            // Replies decoded before a failure, from the same bytes, still come out; none after.
            boolean failedEarlier = failed;
            try {
                channel.writeInbound(chunk);
                channel.checkException();
            } catch (DecoderException e) {
                if (!(e.getCause() instanceof HftpCodecException) || failed) {
                    throw new AssertionError((failed ? "a second failure: " : "not an HftpCodecException: ") + e, e);
                }
                failed = true;
            }
            Object message;
            while ((message = channel.readInbound()) != null) {
                if (failedEarlier) {
                    ReferenceCountUtil.release(message);
                    throw new AssertionError("a reply after the decoder failed: " + message);
                }
                replies.take(message);
            }
            ByteBuf held = (ByteBuf) INTERNAL_BUFFER.invoke(decoder);
            int bound = Math.max(input.limit(), 4) + 2;
            if (held.readableBytes() > bound) {
                throw new AssertionError("the decoder holds " + held.readableBytes() + " bytes, more than a line of "
                        + input.limit());
            }
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) NAMES.get(decoder);
            long listing = names == null ? 0 : names.stream().mapToLong(n -> n.length() + 2).sum();
            if (listing > maxListing) {
                throw new AssertionError("the decoder holds a listing of " + listing + " bytes, over its limit of "
                        + maxListing);
            }
        }
        channel.finishAndReleaseAll();
        for (ByteBuf chunk : chunks) {
            if (chunk.refCnt() != 0) {
                throw new AssertionError("an input chunk was not released: " + chunk);
            }
        }
        if (!tracking.unreleased().isEmpty()) {
            throw new AssertionError("leaked " + tracking.unreleased());
        }
    }

    /**
     * Checks each reply against the request it answers, in order: an error status, or the body the request
     * calls for (names for a listing or help, a size, the chunks of a slice then its end, OK for quit).
     */
    private static final class Replies {
        private final ArrayDeque<HftpRequest> pending;
        private final long maxListing;
        private boolean inSlice;

        Replies(ArrayDeque<HftpRequest> pending, long maxListing) {
            this.pending = new ArrayDeque<>(pending);
            this.maxListing = maxListing;
        }

        void take(Object message) {
            try {
                check(message);
            } finally {
                ReferenceCountUtil.release(message);
            }
        }

        private void check(Object message) {
            if (!(message instanceof HftpReply reply)) {
                throw new AssertionError("not a reply: " + message);
            }
            HftpRequest request = pending.peek();
            if (request == null) {
                throw new AssertionError("a reply without a request: " + reply);
            }
            if (inSlice) {
                if (reply instanceof HftpReply.SliceEnd) {
                    inSlice = false;
                    pending.poll();
                } else if (!(reply instanceof HftpReply.SliceChunk chunk) || !chunk.content().isReadable()) {
                    throw new AssertionError("in a slice, " + reply);
                }
                return;
            }
            boolean fits;
            if (reply instanceof HftpReply.Error) {
                fits = true;
            } else if (reply instanceof HftpReply.Names names) {
                fits = (request instanceof HftpRequest.GetFileListing || request instanceof HftpRequest.Help)
                        && listingFits(names);
            } else if (reply instanceof HftpReply.Size size) {
                fits = request instanceof HftpRequest.GetMetadata && size.size() >= 0;
            } else if (reply instanceof HftpReply.Ok) {
                fits = request instanceof HftpRequest.Quit;
            } else if (reply instanceof HftpReply.SliceChunk chunk) {
                fits = request instanceof HftpRequest.GetSlice && chunk.content().isReadable();
                inSlice = fits;
            } else {
                fits = reply instanceof HftpReply.SliceEnd && request instanceof HftpRequest.GetSlice;
            }
            if (!fits) {
                throw new AssertionError(reply + " does not answer " + request);
            }
            if (!inSlice) {
                pending.poll();
            }
        }

        private boolean listingFits(HftpReply.Names names) {
            long bytes = names.names().stream().mapToLong(n -> n.length() + 2).sum();
            return bytes <= maxListing && names.names().stream().noneMatch(String::isEmpty);
        }
    }

    private static VarHandle names() {
        try {
            // The names of a listing not yet ended.
            return MethodHandles.privateLookupIn(HftpReplyDecoder.class, MethodHandles.lookup())
                    .findVarHandle(HftpReplyDecoder.class, "names", List.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static MethodHandle internalBuffer() {
        try {
            // The decoder's cumulation: what it holds of the server's bytes between reads.
            return MethodHandles.privateLookupIn(ByteToMessageDecoder.class, MethodHandles.lookup())
                    .findVirtual(ByteToMessageDecoder.class, "internalBuffer", MethodType.methodType(ByteBuf.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
