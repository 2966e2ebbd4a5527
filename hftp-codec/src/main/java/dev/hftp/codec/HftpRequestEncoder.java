package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Encodes an {@link HftpRequest} as its request line, and tells {@code sent} about it, so that the
 * {@link HftpReplyDecoder} of the same connection knows the form of the reply to expect (replies come in the
 * order of the requests). A {@link HftpRequest.Malformed} cannot be sent.
 */
public final class HftpRequestEncoder extends MessageToByteEncoder<HftpRequest> {


    private final Consumer<HftpRequest> sent;

    /** An encoder that reports each request it encodes to {@code sent}. */
    public HftpRequestEncoder(Consumer<HftpRequest> sent) {
        super(HftpRequest.class);
        this.sent = sent;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, HftpRequest request, ByteBuf out) {
        writeLine(request, out);
        sent.accept(request);
    }

    /** Appends the line of {@code request}, CRLF included. */
    public static void writeLine(HftpRequest request, ByteBuf out) {
        if (request instanceof HftpRequest.GetFileListing) {
            ascii(out, HftpCommand.GET_FILE_LISTING.wireName());
        } else if (request instanceof HftpRequest.GetMetadata metadata) {
            ascii(out, HftpCommand.GET_METADATA.wireName() + ' ' + metadata.fileName());
        } else if (request instanceof HftpRequest.GetSlice slice) {
            ascii(out, HftpCommand.GET_SLICE.wireName() + ' ' + slice.fileName() + ' ' + slice.offset() + ' '
                    + slice.size() + (slice.raw() ? ' ' + HftpCommandDecoder.RAW : ""));
        } else if (request instanceof HftpRequest.Help) {
            ascii(out, HftpCommand.HELP.wireName());
        } else if (request instanceof HftpRequest.Quit) {
            ascii(out, HftpCommand.QUIT.wireName());
        } else {
            throw new HftpCodecException("cannot send " + request);
        }
        out.writeShort(HftpWire.CRLF);
    }

    private static void ascii(ByteBuf out, String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c > 0x7f || c == '\r' || c == '\n') {
                // A name with such characters would make another request, or a bad one.
                throw new HftpCodecException("not a request line: " + line);
            }
        }
        out.writeCharSequence(line, StandardCharsets.US_ASCII);
    }
}
