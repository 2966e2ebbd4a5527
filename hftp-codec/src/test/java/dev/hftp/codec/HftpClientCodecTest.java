package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client side of the codec: request lines byte for byte, replies of the contract (HFTP.md) decoded whole
 * and split at every byte, and the two sides against each other (the server's decoder reads what the client
 * encoder writes; the client's decoder reads what the server's encoder writes).
 */
class HftpClientCodecTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new HftpClientCodec());

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private String sent(HftpRequest request) {
        assertTrue(channel.writeOutbound(request));
        ByteBuf line = channel.readOutbound();
        try {
            return line.toString(StandardCharsets.US_ASCII);
        } finally {
            line.release();
        }
    }

    /** Sends {@code request}, feeds {@code reply} one byte at a time, and returns what was decoded. */
    private List<Object> exchange(HftpRequest request, byte[] reply, int pieceSize) {
        sent(request);
        for (int i = 0; i < reply.length; i += pieceSize) {
            channel.writeInbound(Unpooled.wrappedBuffer(reply, i, Math.min(pieceSize, reply.length - i)));
        }
        List<Object> out = new ArrayList<>();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            out.add(msg);
        }
        return out;
    }

    /** The bytes of a slice's chunks joined, each chunk released; the last message must be SLICE_END. */
    private static byte[] sliceBytes(List<Object> replies) {
        assertSame(HftpReply.SLICE_END, replies.get(replies.size() - 1));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Object msg : replies.subList(0, replies.size() - 1)) {
            HftpReply.SliceChunk chunk = assertInstanceOf(HftpReply.SliceChunk.class, msg);
            bytes.writeBytes(ByteBufUtil.getBytes(chunk.content()));
            chunk.release();
        }
        return bytes.toByteArray();
    }

    // ---- requests ----------------------------------------------------------------------------------------

    @Test
    void shouldSendEachRequestLineByteForByte() {
        assertEquals("get_file_listing\r\n", sent(HftpRequest.GET_FILE_LISTING));
        assertEquals("get_metadata archivo.txt\r\n", sent(new HftpRequest.GetMetadata("archivo.txt")));
        assertEquals("get_slice archivo.txt 5 20\r\n", sent(new HftpRequest.GetSlice("archivo.txt", 5, 20, false)));
        assertEquals("get_slice a 0 9223372036854775807 raw\r\n",
                sent(new HftpRequest.GetSlice("a", 0, Long.MAX_VALUE, true)));
        assertEquals("help\r\n", sent(HftpRequest.HELP));
        assertEquals("quit\r\n", sent(HftpRequest.QUIT));
    }

    @Test
    void shouldSendLinesTheServerDecodesBackToTheSameRequests() {
        List<HftpRequest> requests = List.of(HftpRequest.GET_FILE_LISTING, new HftpRequest.GetMetadata("a-Z_0.9"),
                new HftpRequest.GetSlice("x", 3, 4, false), new HftpRequest.GetSlice("x", 0, 0, true),
                HftpRequest.HELP, HftpRequest.QUIT);
        for (HftpRequest request : requests) {
            ByteBuf line = Unpooled.buffer();
            HftpRequestEncoder.writeLine(request, line);
            try {
                assertEquals(request, HftpCommandDecoder.decode(line));
            } finally {
                line.release();
            }
        }
    }

    @Test
    void shouldRefuseToSendNamesThatWouldChangeTheLine() {
        ByteBuf out = Unpooled.buffer();
        try {
            assertThrows(HftpCodecException.class,
                    () -> HftpRequestEncoder.writeLine(new HftpRequest.GetMetadata("a\r\nquit"), out));
            assertThrows(HftpCodecException.class, () -> HftpRequestEncoder.writeLine(
                    new HftpRequest.Malformed(HftpStatus.BAD_REQUEST, "x"), out));
        } finally {
            out.release();
        }
    }

    // ---- replies of the contract ----------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 1000})
    void shouldDecodeTheContractsSliceExampleInAnyPieces(int pieceSize) {
        List<Object> replies = exchange(new HftpRequest.GetSlice("archivo.txt", 5, 20, false),
                "0 OK\r\nY2Fsb3IgcXVlIGhhY2UgaG95LCA=\r\n".getBytes(StandardCharsets.US_ASCII), pieceSize);
        assertEquals("calor que hace hoy, ", new String(sliceBytes(replies), StandardCharsets.US_ASCII));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 1000})
    void shouldDecodeListingHelpMetadataAndQuit(int pieceSize) {
        assertEquals(List.of(new HftpReply.Names(List.of("archivo.txt", "b"))), exchange(HftpRequest.GET_FILE_LISTING,
                "0 OK\r\narchivo.txt\r\nb\r\n\r\n".getBytes(StandardCharsets.US_ASCII), pieceSize));
        assertEquals(List.of(new HftpReply.Names(List.of())), exchange(HftpRequest.GET_FILE_LISTING,
                "0 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII), pieceSize));
        assertEquals(List.of(new HftpReply.Names(List.of("get_file_listing", "get_metadata", "get_slice", "help",
                "quit"))), exchange(HftpRequest.HELP,
                "0 OK\r\nget_file_listing\r\nget_metadata\r\nget_slice\r\nhelp\r\nquit\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII), pieceSize));
        assertEquals(List.of(new HftpReply.Size(41)), exchange(new HftpRequest.GetMetadata("archivo.txt"),
                "0 OK\r\n41\r\n".getBytes(StandardCharsets.US_ASCII), pieceSize));
        assertEquals(List.of(HftpReply.OK), exchange(HftpRequest.QUIT,
                "0 OK\r\n".getBytes(StandardCharsets.US_ASCII), pieceSize));
    }

    @Test
    void shouldDecodeEmptySlicesInBothForms() {
        assertEquals(List.of(HftpReply.SLICE_END), exchange(new HftpRequest.GetSlice("a", 0, 0, false),
                "0 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 1));
        assertEquals(List.of(HftpReply.SLICE_END), exchange(new HftpRequest.GetSlice("a", 0, 0, true),
                "0 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 1));
    }

    @Test
    void shouldDecodeEveryErrorStatusAndGoOnWithTheNextReply() {
        for (HftpStatus status : HftpStatus.values()) {
            if (status == HftpStatus.OK) {
                continue;
            }
            assertEquals(List.of(new HftpReply.Error(status)), exchange(new HftpRequest.GetSlice("a", 0, 1, true),
                    status.statusLine(), 1));
        }
        assertEquals(List.of(new HftpReply.Size(7)), exchange(new HftpRequest.GetMetadata("a"),
                "0 OK\r\n7\r\n".getBytes(StandardCharsets.US_ASCII), 3));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4096, 70_000, 1 << 20})
    void shouldStreamLargeSlicesOfBothFormsInAnyPieces(int pieceSize) {
        byte[] content = new byte[300_001];
        new Random(pieceSize).nextBytes(content);
        if (pieceSize == 1) {
            content = java.util.Arrays.copyOf(content, 3_001);
        }
        byte[] base64 = Base64.getEncoder().encode(content);
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        reply.writeBytes("0 OK\r\n".getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(base64);
        reply.writeBytes("\r\n0 OK\r\nContent-Length: ".getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes((content.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(content);
        sent(new HftpRequest.GetSlice("a", 0, content.length, false));
        List<Object> replies = exchange(new HftpRequest.GetSlice("a", 0, content.length, true), reply.toByteArray(),
                pieceSize);
        int end = replies.indexOf(HftpReply.SLICE_END);
        assertArrayEquals(content, sliceBytes(new ArrayList<>(replies.subList(0, end + 1))));
        assertArrayEquals(content, sliceBytes(new ArrayList<>(replies.subList(end + 1, replies.size()))));
    }

    @Test
    void shouldDecodeWhatTheServersEncoderWrites() {
        EmbeddedChannel server = new EmbeddedChannel(new HftpResponseEncoder());
        try {
            server.writeOutbound(HftpResponses.metadata(123_456_789_012L), HftpResponses.fileListing(List.of("x", "y")),
                    HftpResponses.status(HftpStatus.FILE_NOT_FOUND), HftpResponses.rawSliceHeader(0), HftpResponses.ok());
            sent(new HftpRequest.GetMetadata("x"));
            sent(HftpRequest.GET_FILE_LISTING);
            sent(new HftpRequest.GetMetadata("z"));
            sent(new HftpRequest.GetSlice("x", 0, 0, true));
            sent(HftpRequest.QUIT);
            for (ByteBuf wire; (wire = server.readOutbound()) != null; ) {
                channel.writeInbound(wire);
            }
            assertEquals(new HftpReply.Size(123_456_789_012L), channel.readInbound());
            assertEquals(new HftpReply.Names(List.of("x", "y")), channel.readInbound());
            assertEquals(new HftpReply.Error(HftpStatus.FILE_NOT_FOUND), channel.readInbound());
            assertSame(HftpReply.SLICE_END, channel.readInbound());
            assertSame(HftpReply.OK, channel.readInbound());
            assertNull(channel.readInbound());
        } finally {
            server.finishAndReleaseAll();
        }
    }

    // ---- what is not a reply ----------------------------------------------------------------------------

    @Test
    void shouldFailOnUnknownStatusLine() {
        sent(HftpRequest.HELP);
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(ascii("0 FINE\r\n")));
        assertInstanceOf(HftpCodecException.class, e.getCause());
    }

    @Test
    void shouldFailOnReplyWithoutRequest() {
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(ascii("0 OK\r\n")));
        assertInstanceOf(HftpCodecException.class, e.getCause());
    }

    @Test
    void shouldFailOnCharactersThatAreNotBase64() {
        sent(new HftpRequest.GetSlice("a", 0, 3, false));
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(ascii("0 OK\r\nYW*j\r\n")));
        assertInstanceOf(HftpCodecException.class, e.getCause());
    }

    /** The base64 line's length follows from the size asked for: a longer line is not taken for the slice. */
    @Test
    void shouldFailOnBase64LineLongerThanTheSizeAskedFor() {
        sent(new HftpRequest.GetSlice("a", 0, 3, false));
        DecoderException e = assertThrows(DecoderException.class,
                () -> channel.writeInbound(ascii("0 OK\r\nYWJjZGVm\r\n")));
        assertInstanceOf(HftpCodecException.class, e.getCause());
    }

    /** A line cut short fails at once, wherever its CR falls, not when the connection ends. */
    @ParameterizedTest
    @ValueSource(strings = {"YWJj\r\n", "YWJjZA==\r\n", "YWJjZGVm\r\n0 OK\r\n"})
    void shouldFailOnBase64LineShorterThanTheSizeAskedFor(String line) {
        sent(new HftpRequest.GetSlice("a", 0, 9, false));
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(ascii("0 OK\r\n" + line)));
        assertInstanceOf(HftpCodecException.class, e.getCause());
        channel.releaseInbound();
    }

    @Test
    void shouldFailOnLineWithoutCr() {
        sent(new HftpRequest.GetMetadata("a"));
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(ascii("0 OK\n")));
        assertInstanceOf(HftpCodecException.class, e.getCause());
    }

    @Test
    void shouldFailOnStatusLineLongerThanTheLimit() {
        EmbeddedChannel small = new EmbeddedChannel(new HftpClientCodec(16));
        try {
            small.writeOutbound(HftpRequest.HELP);
            small.releaseOutbound();
            DecoderException e = assertThrows(DecoderException.class,
                    () -> small.writeInbound(ascii("0 OK" + " ".repeat(40))));
            assertInstanceOf(HftpCodecException.class, e.getCause());
        } finally {
            small.finishAndReleaseAll();
        }
    }
}
