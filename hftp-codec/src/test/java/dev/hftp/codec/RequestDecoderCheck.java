package dev.hftp.codec;

import dev.hftp.codec.testing.RequestModel;
import dev.hftp.codec.testing.TrackingAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Feeds request bytes through the server's request path ({@link HftpLineDecoder} then
 * {@link HftpCommandDecoder}), cut into chunks, at a limit no line reaches and at the input's limit, and checks
 * each line's request against {@link RequestModel}: the check shared by the seeded random tests and the fuzz
 * targets. A disagreement is an {@link AssertionError} that shows the line.
 *
 * <p>Leaks: most decoders count their buffers exactly ({@link TrackingAllocator}, cheap, per input); one in
 * {@value #DEFAULT_ALLOCATOR_EVERY} allocates from Netty's default allocator under the PARANOID detector, which
 * the test class's leak extension reads.
 */
final class RequestDecoderCheck {

    /** A limit that no generated line reaches: that decoder sees every line whole. */
    static final int HUGE = 1 << 30;
    /** Chunks per input at most; the rest then arrives at once, so that long inputs stay cheap. */
    private static final int MAX_CHUNKS = 64;
    private static final int DEFAULT_ALLOCATOR_EVERY = 16;

    /** What a run covered, e.g. lines per expected status. */
    private final Map<String, Long> figures = new TreeMap<>();
    private int decodes;

    Map<String, Long> figures() {
        return figures;
    }

    /** Checks that both decoders answer every line of {@code input} as the model does. */
    void check(RequestInput input) {
        count("inputs", 1);
        count("bytes", input.bytes().length);
        List<byte[]> lines = RequestModel.lines(input.bytes());
        List<HftpRequest> whole = decode(input.bytes(), HUGE, input.cuts());
        List<HftpRequest> limited = decode(input.bytes(), input.limit(), input.cuts());
        if (whole.size() != lines.size() || limited.size() != lines.size()) {
            throw new AssertionError(lines.size() + " line(s), but " + whole.size() + " request(s) from the "
                    + "unlimited decoder and " + limited.size() + " from the one limited to " + input.limit());
        }
        for (int i = 0; i < lines.size(); i++) {
            HftpRequest expected = RequestModel.expected(lines.get(i));
            count("lines", 1);
            count("over the limit", lines.get(i).length - 2 > input.limit() ? 1 : 0);
            count(expected instanceof HftpRequest.Malformed m ? String.valueOf(m.status().code()) : "valid", 1);
            String line = "line " + i + " " + RequestInput.show(lines.get(i));
            if (!RequestModel.sameRequest(expected, whole.get(i))) {
                throw new AssertionError(line + ": expected " + expected + ", unlimited decoder gave " + whole.get(i));
            }
            if (!RequestModel.answer(expected).equals(RequestModel.answer(limited.get(i)))) {
                throw new AssertionError(line + ": expected " + RequestModel.answer(expected) + ", decoder limited to "
                        + input.limit() + " gave " + limited.get(i));
            }
            for (HftpRequest request : List.of(whole.get(i), limited.get(i))) {
                String wrong = request instanceof HftpRequest.Malformed m ? RequestModel.wrongStatusClass(m) : null;
                if (wrong != null) {
                    throw new AssertionError(line + ": " + wrong);
                }
            }
        }
    }

    /**
     * Feeds {@code bytes} in chunks of the sizes {@code cuts} (cycled, at most {@value #MAX_CHUNKS} chunks, then
     * the rest at once), reading what each chunk gives; then closes the channel, which must give nothing more,
     * and checks that every buffer was released.
     */
    List<HftpRequest> decode(byte[] bytes, int limit, List<Integer> cuts) {
        EmbeddedChannel channel = new EmbeddedChannel(new HftpLineDecoder(limit), new HftpCommandDecoder());
        TrackingAllocator tracking = ++decodes % DEFAULT_ALLOCATOR_EVERY == 0 ? null : new TrackingAllocator();
        if (tracking != null) {
            channel.config().setAllocator(tracking);
        }
        List<ByteBuf> inputs = new ArrayList<>();
        List<HftpRequest> requests = new ArrayList<>();
        int from = 0;
        int cut = 0;
        try {
            while (from < bytes.length) {
                int length = cut < MAX_CHUNKS
                        ? Math.min(cuts.get(cut++ % cuts.size()), bytes.length - from) : bytes.length - from;
                ByteBuf chunk = Unpooled.wrappedBuffer(bytes, from, length);
                inputs.add(chunk);
                channel.writeInbound(chunk);
                from += length;
                Object message;
                while ((message = channel.readInbound()) != null) {
                    if (!(message instanceof HftpRequest request)) {
                        throw new AssertionError("not a request: " + message);
                    }
                    requests.add(request);
                }
            }
            channel.checkException();
        } catch (RuntimeException e) {
            channel.finishAndReleaseAll();
            throw new AssertionError("the decoder threw, limit " + limit + ", after " + from + " byte(s) and "
                    + requests.size() + " request(s): " + e, e);
        }
        // Closing decodes what is left (a line without its LF): that must give nothing.
        if (channel.finish()) {
            List<Object> rest = new ArrayList<>();
            Object message;
            while ((message = channel.readInbound()) != null || (message = channel.readOutbound()) != null) {
                rest.add(message);
            }
            throw new AssertionError("decoder limited to " + limit + " gave more when closed: " + rest);
        }
        for (ByteBuf input : inputs) {
            if (input.refCnt() != 0) {
                throw new AssertionError("decoder limited to " + limit + " did not release an input chunk: " + input);
            }
        }
        if (tracking != null && !tracking.unreleased().isEmpty()) {
            throw new AssertionError("decoder limited to " + limit + " leaked " + tracking.unreleased());
        }
        return requests;
    }

    private void count(String figure, long n) {
        figures.merge(figure, n, Long::sum);
    }
}
