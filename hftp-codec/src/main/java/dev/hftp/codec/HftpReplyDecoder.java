package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.internal.ObjectUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the replies a client reads into {@link HftpReply}s. A reply's form depends on the request it answers,
 * so the decoder is told of each request sent ({@link #expect}, done by {@link HftpRequestEncoder} in
 * {@link HftpClientCodec}) and pairs replies with requests in order.
 *
 * <p>A slice is streamed: a base64 line of any length is decoded piece by piece as it arrives, and the bytes of
 * a raw slice are passed on as they come, so memory stays bounded whatever the slice's size. Anything that is
 * not a reply of the contract (an unknown status line, a malformed body) fails with {@link HftpCodecException}.
 */
public final class HftpReplyDecoder extends ByteToMessageDecoder {

    /** The longest status line, file name or size line accepted by default, terminator excluded. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 64 * 1024;
    /**
     * The most bytes of names (each with its CRLF) a listing may hold by default, 64 MiB: a listing is kept
     * whole until its end, so a server that never ends one must not take all the client's memory.
     */
    public static final long DEFAULT_MAX_LISTING_LENGTH = 64L * 1024 * 1024;

    /** Base64 characters decoded at a time: a multiple of 4. */
    private static final int BASE64_PIECE = 64 * 1024;
    private static final Base64.Decoder DECODER = Base64.getDecoder();
    private static final String CONTENT_LENGTH = HftpWire.CONTENT_LENGTH;
    private static final Map<String, HftpStatus> STATUS_LINES = new HashMap<>();

    static {
        for (HftpStatus status : HftpStatus.values()) {
            STATUS_LINES.put(status.toString(), status);
        }
    }

    private enum State { STATUS, NAMES, SIZE, RAW_HEADER, RAW_BLANK, RAW_BODY, BASE64, FAILED }

    private final int maxLineLength;
    private final long maxListingLength;
    private final ArrayDeque<HftpRequest> expected = new ArrayDeque<>();
    private State state = State.STATUS;
    private List<String> names;
    private long listingLength;
    private long rawRemaining;
    /** Base64 characters of the current slice's line still to come, before its CRLF. */
    private long base64Remaining;
    private byte[] base64In;
    private byte[] base64Out;

    /** A decoder with the {@linkplain #DEFAULT_MAX_LINE_LENGTH default line limit}. */
    public HftpReplyDecoder() {
        this(DEFAULT_MAX_LINE_LENGTH);
    }

    public HftpReplyDecoder(int maxLineLength) {
        this(maxLineLength, DEFAULT_MAX_LISTING_LENGTH);
    }

    /** A decoder with its own limits on a line and on a listing's names, terminators excluded and included. */
    public HftpReplyDecoder(int maxLineLength, long maxListingLength) {
        this.maxLineLength = ObjectUtil.checkPositive(maxLineLength, "maxLineLength");
        this.maxListingLength = ObjectUtil.checkPositive(maxListingLength, "maxListingLength");
    }

    /** Records that {@code request} was sent: the next reply not yet paired answers it. */
    public void expect(HftpRequest request) {
        expected.add(ObjectUtil.checkNotNull(request, "request"));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (in.isReadable()) {
                int before = in.readableBytes();
                step(ctx, in, out);
                if (in.readableBytes() == before) {
                    // Needs more bytes.
                    return;
                }
            }
        } catch (HftpCodecException e) {
            // Nothing after a reply that breaks the contract can be paired with a request: drop the rest.
            state = State.FAILED;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private void step(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case STATUS -> onStatus(in, out);
            case NAMES -> {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                if (line.isEmpty()) {
                    out.add(new HftpReply.Names(names));
                    names = null;
                    state = State.STATUS;
                } else {
                    listingLength += line.length() + 2;
                    if (listingLength > maxListingLength) {
                        throw new HftpCodecException("a listing longer than " + maxListingLength + " bytes");
                    }
                    names.add(line);
                }
            }
            case SIZE -> {
                String line = readLine(in);
                if (line != null) {
                    out.add(new HftpReply.Size(parseNumber(line)));
                    state = State.STATUS;
                }
            }
            case RAW_HEADER -> {
                String line = readLine(in);
                if (line != null) {
                    if (!line.startsWith(CONTENT_LENGTH)) {
                        throw new HftpCodecException("expected a Content-Length line, got: " + HftpFileNames.abbreviate(line));
                    }
                    rawRemaining = parseNumber(line.substring(CONTENT_LENGTH.length()));
                    state = State.RAW_BLANK;
                }
            }
            case RAW_BLANK -> {
                String line = readLine(in);
                if (line != null) {
                    if (!line.isEmpty()) {
                        throw new HftpCodecException("expected an empty line after Content-Length");
                    }
                    endRawIfDone(out);
                    if (rawRemaining > 0) {
                        state = State.RAW_BODY;
                    }
                }
            }
            case RAW_BODY -> {
                int n = (int) Math.min(in.readableBytes(), rawRemaining);
                out.add(new HftpReply.SliceChunk(in.readRetainedSlice(n)));
                rawRemaining -= n;
                endRawIfDone(out);
            }
            case BASE64 -> onBase64(ctx, in, out);
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void onStatus(ByteBuf in, List<Object> out) {
        String line = readLine(in);
        if (line == null) {
            return;
        }
        HftpStatus status = STATUS_LINES.get(line);
        if (status == null) {
            throw new HftpCodecException("not a status line: " + HftpFileNames.abbreviate(line));
        }
        HftpRequest request = expected.poll();
        if (request == null) {
            throw new HftpCodecException("a reply without a request: " + line);
        }
        if (status != HftpStatus.OK) {
            out.add(new HftpReply.Error(status));
            return;
        }
        if (request instanceof HftpRequest.GetFileListing || request instanceof HftpRequest.Help) {
            names = new ArrayList<>();
            listingLength = 0;
            state = State.NAMES;
        } else if (request instanceof HftpRequest.GetMetadata) {
            state = State.SIZE;
        } else if (request instanceof HftpRequest.GetSlice slice) {
            state = slice.raw() ? State.RAW_HEADER : State.BASE64;
            base64Remaining = slice.raw() ? 0 : Base64ChunkedInput.encodedLength(slice.size()) - HftpWire.CRLF_LENGTH;
        } else {
            out.add(HftpReply.OK);
        }
    }

    private void endRawIfDone(List<Object> out) {
        if (rawRemaining == 0) {
            out.add(HftpReply.SLICE_END);
            state = State.STATUS;
        }
    }

    /**
     * Decodes what has arrived of a base64 line, in whole 4-character groups, then its CRLF, which ends the slice.
     * The line's length follows from the size asked for, so its bytes are not searched for the line's end.
     */
    private void onBase64(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (base64Remaining > 0) {
            int usable = (int) Math.min(in.readableBytes(), base64Remaining);
            usable -= usable % 4;
            if (usable > 0) {
                decodeBase64(ctx, in, usable, out);
                base64Remaining -= usable;
            }
            if (base64Remaining > 0) {
                // A line cut short shows its CR in a group (not base64) or among these last few characters.
                if (in.readableBytes() > 0 && in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\r') >= 0) {
                    throw new HftpCodecException("base64 line ended " + base64Remaining
                            + " characters before the size asked for");
                }
                return;
            }
        }
        if (in.readableBytes() < HftpWire.CRLF_LENGTH) {
            return;
        }
        int end = in.readerIndex();
        if (in.getByte(end) != '\r' || in.getByte(end + 1) != '\n') {
            throw new HftpCodecException("base64 line not ended by CRLF after the characters of the size asked for");
        }
        in.skipBytes(HftpWire.CRLF_LENGTH);
        out.add(HftpReply.SLICE_END);
        state = State.STATUS;
    }

    private void decodeBase64(ChannelHandlerContext ctx, ByteBuf in, int length, List<Object> out) {
        if (base64In == null) {
            base64In = new byte[BASE64_PIECE];
            base64Out = new byte[BASE64_PIECE / 4 * 3];
        }
        int left = length;
        while (left > 0) {
            int n = Math.min(left, BASE64_PIECE);
            in.readBytes(base64In, 0, n);
            int decoded;
            try {
                decoded = DECODER.decode(n == base64In.length ? base64In : Arrays.copyOf(base64In, n), base64Out);
            } catch (IllegalArgumentException e) {
                throw new HftpCodecException("not base64: " + e.getMessage());
            }
            out.add(new HftpReply.SliceChunk(ctx.alloc().buffer(decoded).writeBytes(base64Out, 0, decoded)));
            left -= n;
        }
    }

    /** The next line without its CRLF, or null if it has not all arrived. */
    private String readLine(ByteBuf in) {
        int start = in.readerIndex();
        int end = (int) Math.min(in.writerIndex(), (long) start + maxLineLength + 2);
        int lf = in.indexOf(start, end, (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() > maxLineLength + 1) {
                throw new HftpCodecException("reply line longer than " + maxLineLength + " bytes");
            }
            return null;
        }
        if (lf == start || in.getByte(lf - 1) != '\r') {
            throw new HftpCodecException("reply line not ended by CRLF");
        }
        String line = in.toString(start, lf - 1 - start, StandardCharsets.US_ASCII);
        in.readerIndex(lf + 1);
        return line;
    }

    private static long parseNumber(String text) {
        long value = HftpCommandDecoder.parseNumber(text);
        if (value < 0) {
            throw new HftpCodecException("not a size: " + HftpFileNames.abbreviate(text));
        }
        return value;
    }
}
