package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final char SP = ' ';

    /** Stops at a byte that makes a line a bad request: CR or anything beyond US-ASCII. */
    private static final ByteProcessor FIND_BAD_BYTE = b -> b != CR && b >= 0;
    private static final ByteProcessor FIND_NON_SPACE = b -> b == SP;

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
            return malformed(HftpStatus.BAD_EOL, "line not ended by CRLF");
        }
        int contentLength = length - 2;
        if (frame.forEachByte(start, contentLength, FIND_BAD_BYTE) >= 0) {
            return malformed(HftpStatus.BAD_REQUEST, "CR or non-ASCII byte in line");
        }
        if (frame.forEachByte(start, contentLength, FIND_NON_SPACE) < 0) {
            return malformed(HftpStatus.BAD_REQUEST, "empty line");
        }
        return decode(split(frame.toString(start, contentLength, StandardCharsets.US_ASCII)));
    }

    private static HftpRequest decode(List<String> elements) {
        Optional<HftpCommand> command = HftpCommand.fromWireName(elements.get(0));
        if (command.isEmpty()) {
            return malformed(HftpStatus.INVALID_COMMAND, "unknown command");
        }
        int arguments = elements.size() - 1;
        switch (command.get()) {
            case GET_FILE_LISTING:
                return arguments == 0 ? HftpRequest.GET_FILE_LISTING : wrongCount();
            case HELP:
                return arguments == 0 ? HftpRequest.HELP : wrongCount();
            case QUIT:
                return arguments == 0 ? HftpRequest.QUIT : wrongCount();
            case GET_METADATA:
                if (arguments != 1) {
                    return wrongCount();
                }
                return isFileName(elements.get(1))
                        ? new HftpRequest.GetMetadata(elements.get(1)) : badFileName();
            case GET_SLICE:
                return decodeSlice(elements, arguments);
            default:
                throw new HftpCodecException("command without a decoder: " + command.get());
        }
    }

    private static HftpRequest decodeSlice(List<String> elements, int arguments) {
        boolean raw = arguments == 4 && RAW.equals(elements.get(4));
        if (arguments != 3 && !raw) {
            return wrongCount();
        }
        String fileName = elements.get(1);
        long offset = parseNumber(elements.get(2));
        long size = parseNumber(elements.get(3));
        if (!isFileName(fileName)) {
            return badFileName();
        }
        if (offset < 0 || size < 0) {
            return malformed(HftpStatus.INVALID_ARGUMENTS, "offset or size not a number");
        }
        return new HftpRequest.GetSlice(fileName, offset, size, raw);
    }

    /** Splits at every single space, so that two spaces make an empty element, as the reference does. */
    private static List<String> split(String line) {
        List<String> elements = new ArrayList<>(4);
        int from = 0;
        int space;
        while ((space = line.indexOf(SP, from)) >= 0) {
            elements.add(line.substring(from, space));
            from = space + 1;
        }
        elements.add(line.substring(from));
        return elements;
    }

    /** The value of a decimal number of any length (leading zeros allowed), or -1 if it is not one. */
    static long parseNumber(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            if (value > (Long.MAX_VALUE - (c - '0')) / 10) {
                // Too large for a 64-bit size.
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** Whether {@code name} has the form of a file name: one or more of {@code A-Z a-z 0-9 . - _}. */
    public static boolean isFileName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0x7f || !isFileNameChar((byte) c)) {
                return false;
            }
        }
        return true;
    }

    static boolean isFileNameChar(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                || b == '.' || b == '-' || b == '_';
    }

    private static HftpRequest wrongCount() {
        return malformed(HftpStatus.INVALID_ARGUMENTS, "wrong number of arguments");
    }

    private static HftpRequest badFileName() {
        return malformed(HftpStatus.INVALID_ARGUMENTS, "invalid character in file name");
    }

    private static HftpRequest malformed(HftpStatus status, String reason) {
        return new HftpRequest.Malformed(status, reason);
    }
}
