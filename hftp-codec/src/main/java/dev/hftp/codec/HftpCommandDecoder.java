package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.util.ByteProcessor;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes one request line, terminator included (as framed by {@link HftpLineDecoder}), into an
 * {@link HftpRequest}. A line that is not a valid request becomes {@link HftpRequest.Malformed} carrying
 * the status to answer; client mistakes never throw.
 *
 * <pre>
 * line     = command *( SP argument ) CRLF
 * command  = "get_file_listing" / "get_metadata" / "get_slice" / "help" / "quit"
 * filename = 1*( ALPHA / DIGIT / "." / "-" / "_" )
 * number   = 1*DIGIT                  ; at most 2^63 - 1
 * slice    = "get_slice" SP filename SP number SP number [ SP "raw" ]
 * </pre>
 *
 * <p>Checks, in order: the line must end in CRLF with no other LF ({@code 100 BAD EOL}); it must hold only
 * US-ASCII, no CR, and not be empty or only spaces ({@code 101 BAD REQUEST}); the first element must be a
 * command ({@code 200}); the argument count and form must fit it ({@code 201}).
 */
@Sharable
public final class HftpCommandDecoder extends MessageToMessageDecoder<ByteBuf> {

    /** The argument that asks for a slice's bytes as they are instead of base64. */
    public static final String RAW = "raw";

    private static final byte CR = HftpWire.CR;
    private static final byte LF = HftpWire.LF;
    private static final byte SP = ' ';

    /** Stops at a byte that makes a line a bad request: CR or anything beyond US-ASCII. */
    private static final ByteProcessor FIND_BAD_BYTE = b -> b != CR && b >= 0;
    private static final ByteProcessor FIND_NON_SPACE = b -> b == SP;
    private static final ByteProcessor FIND_SPACE = b -> b != SP;

    // Malformed requests are immutable: one instance of each serves every connection.
    private static final HftpRequest BAD_EOL = malformed(HftpStatus.BAD_EOL, "line not ended by CRLF");
    private static final HftpRequest BAD_BYTE = malformed(HftpStatus.BAD_REQUEST, "CR or non-ASCII byte in line");
    private static final HftpRequest EMPTY_LINE = malformed(HftpStatus.BAD_REQUEST, "empty line");
    private static final HftpRequest UNKNOWN_COMMAND = malformed(HftpStatus.INVALID_COMMAND, "unknown command");
    private static final HftpRequest WRONG_COUNT = malformed(HftpStatus.INVALID_ARGUMENTS, "wrong number of arguments");
    private static final HftpRequest BAD_FILE_NAME =
            malformed(HftpStatus.INVALID_ARGUMENTS, "invalid character in file name");
    private static final HftpRequest NOT_A_NUMBER =
            malformed(HftpStatus.INVALID_ARGUMENTS, "offset or size not a number");

    private static final FastThreadLocal<String[]> LAST_NAME = new FastThreadLocal<>() {
        @Override
        protected String[] initialValue() {
            return new String[1];
        }
    };

    public HftpCommandDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        out.add(decode(frame));
    }

    /** Decodes one line, terminator included, without changing {@code frame}. */
    public static HftpRequest decode(ByteBuf frame) {
        int start = frame.readerIndex();
        int length = frame.readableBytes();
        if (length < 2 || frame.getByte(start + length - 1) != LF || frame.getByte(start + length - 2) != CR) {
            return BAD_EOL;
        }
        int end = start + length - 2;
        if (frame.forEachByte(start, end - start, FIND_BAD_BYTE) >= 0) {
            return BAD_BYTE;
        }
        if (frame.forEachByte(start, end - start, FIND_NON_SPACE) < 0) {
            return EMPTY_LINE;
        }
        // Elements are separated by every single space, so two spaces make an empty element, as the reference
        // does; a request has at most five, so the line is scanned for five separators at most. The elements
        // are read in place: only a file name becomes a string.
        int s1 = nextSpace(frame, start, end);
        HftpCommand command = HftpCommand.fromWireName(frame, start, s1 - start);
        if (command == null) {
            return UNKNOWN_COMMAND;
        }
        int s2 = nextSpace(frame, s1 + 1, end);
        int s3 = nextSpace(frame, s2 + 1, end);
        int s4 = nextSpace(frame, s3 + 1, end);
        int s5 = nextSpace(frame, s4 + 1, end);
        int arguments = s1 == end ? 0 : s2 == end ? 1 : s3 == end ? 2 : s4 == end ? 3 : s5 == end ? 4 : 5;
        switch (command) {
            case GET_FILE_LISTING:
                return arguments == 0 ? HftpRequest.GET_FILE_LISTING : WRONG_COUNT;
            case HELP:
                return arguments == 0 ? HftpRequest.HELP : WRONG_COUNT;
            case QUIT:
                return arguments == 0 ? HftpRequest.QUIT : WRONG_COUNT;
            case GET_METADATA:
                if (arguments != 1) {
                    return WRONG_COUNT;
                }
                return HftpFileNames.isValid(frame, s1 + 1, end)
                        ? new HftpRequest.GetMetadata(fileName(frame, s1 + 1, end)) : BAD_FILE_NAME;
            case GET_SLICE:
                boolean raw = arguments == 4 && s5 - s4 - 1 == RAW.length() && HftpCommand.equalsAscii(frame, s4 + 1, RAW);
                if (arguments != 3 && !raw) {
                    return WRONG_COUNT;
                }
                long offset = parseNumber(frame, s2 + 1, s3);
                long size = parseNumber(frame, s3 + 1, s4);
                if (!HftpFileNames.isValid(frame, s1 + 1, s2)) {
                    return BAD_FILE_NAME;
                }
                if (offset < 0 || size < 0) {
                    return NOT_A_NUMBER;
                }
                return new HftpRequest.GetSlice(fileName(frame, s1 + 1, s2), offset, size, raw);
            default:
                throw new HftpCodecException("command without a decoder: " + command);
        }
    }

    /** The index of the first space in {@code [from, end)}, or {@code end}. */
    private static int nextSpace(ByteBuf frame, int from, int end) {
        if (from >= end) {
            return end;
        }
        int space = frame.forEachByte(from, end - from, FIND_SPACE);
        return space < 0 ? end : space;
    }

    /**
     * The file name in {@code [from, to)} as a string. Clients ask for the same file again and again, so each
     * event-loop thread keeps the last name it made and hands it out again when the bytes are the same.
     */
    private static String fileName(ByteBuf frame, int from, int to) {
        String[] last = LAST_NAME.get();
        String name = last[0];
        if (name != null && name.length() == to - from && HftpCommand.equalsAscii(frame, from, name)) {
            return name;
        }
        name = frame.toString(from, to - from, StandardCharsets.US_ASCII);
        last[0] = name;
        return name;
    }

    /** The value of the decimal number in {@code [from, to)} (leading zeros allowed), or -1 if it is not one. */
    private static long parseNumber(ByteBuf frame, int from, int to) {
        if (from >= to) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to && value >= 0; i++) {
            value = appendDigit(value, frame.getByte(i));
        }
        return value;
    }

    /** The value of a decimal number of any length (leading zeros allowed), or -1 if it is not one. */
    static long parseNumber(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length() && value >= 0; i++) {
            value = appendDigit(value, text.charAt(i));
        }
        return value;
    }

    /** {@code value} followed by the decimal digit {@code c}, or -1 if {@code c} is not one or it overflows. */
    private static long appendDigit(long value, int c) {
        int digit = c - '0';
        if (digit < 0 || digit > 9 || value > (Long.MAX_VALUE - digit) / 10) {
            // Not a digit, or too large for a 64-bit size.
            return -1;
        }
        return value * 10 + digit;
    }

    private static HftpRequest malformed(HftpStatus status, String reason) {
        return new HftpRequest.Malformed(status, reason);
    }
}
