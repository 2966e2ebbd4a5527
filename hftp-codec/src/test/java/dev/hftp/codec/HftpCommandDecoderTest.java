package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Request lines as HFTP.md defines them, through the line decoder and the command decoder.
 *
 * <p>Lines are written with one byte per {@code char} (ISO-8859-1), so {@code "\u00e9"} is the single byte
 * 0xE9 and {@code "\u00c3\u00a9"} is "é" in UTF-8.
 */
class HftpCommandDecoderTest {

    private static final int MAX = 4096;

    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = newChannel();
    }

    @AfterEach
    void tearDown() {
        assertFalse(channel.finish(), "nothing may be left in the channel");
    }

    private static EmbeddedChannel newChannel() {
        return new EmbeddedChannel(new HftpLineDecoder(MAX), new HftpCommandDecoder());
    }

    /** One byte per char, so that tests can write any byte, not only ASCII. */
    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static Named<String> named(String line) {
        return Named.of(Escape.of(line), line);
    }

    private static Stream<Named<String>> lines(String... lines) {
        return Stream.of(lines).map(HftpCommandDecoderTest::named);
    }

    /** Writes one whole line and returns the one request it decodes to. */
    private HftpRequest decodeLine(String line) {
        assertTrue(channel.writeInbound(bytes(line)), "a whole line must yield a request");
        HftpRequest request = channel.readInbound();
        assertNull(channel.readInbound(), "one line must yield exactly one request");
        return request;
    }

    private void assertStatus(HftpStatus expected, String line) {
        HftpRequest request = decodeLine(line);
        HftpRequest.Malformed malformed = assertInstanceOf(HftpRequest.Malformed.class, request,
                () -> "line " + Escape.of(line));
        assertEquals(expected, malformed.status(), () -> "line " + Escape.of(line) + ": " + malformed.reason());
    }

    // ---- valid requests -------------------------------------------------------------------------------

    static Stream<Arguments> validRequests() {
        return Stream.of(
                arguments("get_file_listing\r\n", HftpRequest.GET_FILE_LISTING),
                arguments("get_metadata archivo.txt\r\n", new HftpRequest.GetMetadata("archivo.txt")),
                arguments("get_metadata ABCXYZabcxyz0189.-_\r\n", new HftpRequest.GetMetadata("ABCXYZabcxyz0189.-_")),
                arguments("get_metadata -\r\n", new HftpRequest.GetMetadata("-")),
                // The form of "." and ".." is valid; the file store answers 202 for them.
                arguments("get_metadata .\r\n", new HftpRequest.GetMetadata(".")),
                arguments("get_metadata ..\r\n", new HftpRequest.GetMetadata("..")),
                arguments("get_metadata " + "n".repeat(300) + "\r\n", new HftpRequest.GetMetadata("n".repeat(300))),
                arguments("get_slice archivo.txt 5 20\r\n", new HftpRequest.GetSlice("archivo.txt", 5, 20, false)),
                arguments("get_slice a 0 0\r\n", new HftpRequest.GetSlice("a", 0, 0, false)),
                arguments("get_slice a 007 0010\r\n", new HftpRequest.GetSlice("a", 7, 10, false)),
                arguments("get_slice a 00 000\r\n", new HftpRequest.GetSlice("a", 0, 0, false)),
                arguments("get_slice a 9223372036854775807 9223372036854775807\r\n",
                        new HftpRequest.GetSlice("a", Long.MAX_VALUE, Long.MAX_VALUE, false)),
                arguments("get_slice a 000000000000000000000000009223372036854775807 1\r\n",
                        new HftpRequest.GetSlice("a", Long.MAX_VALUE, 1, false)),
                arguments("get_slice archivo.txt 5 20 raw\r\n", new HftpRequest.GetSlice("archivo.txt", 5, 20, true)),
                arguments("get_slice a 0 0 raw\r\n", new HftpRequest.GetSlice("a", 0, 0, true)),
                arguments("help\r\n", HftpRequest.HELP),
                arguments("quit\r\n", HftpRequest.QUIT))
                .map(a -> arguments(named((String) a.get()[0]), a.get()[1]));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("validRequests")
    void shouldDecodeValidRequest(String line, HftpRequest expected) {
        assertEquals(expected, decodeLine(line), () -> "line " + Escape.of(line));
    }

    // ---- 100 BAD EOL ----------------------------------------------------------------------------------

    static Stream<Named<String>> badEolLines() {
        return lines(
                "quit\n",
                "\n",
                "help\n",
                "get_file_listing\n",
                "get_metadata archivo.txt\n",
                "get_slice archivo.txt 0 1\n",
                "get_slice archivo.txt 0 1 raw\n",
                "nonsense\n",
                "   \n",
                "\u00e9\n");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badEolLines")
    void shouldAnswerBadEolForLoneLineFeed(String line) {
        assertStatus(HftpStatus.BAD_EOL, line);
    }

    @Test
    void shouldAnswerBadEolFirstForContractExampleWithLineFeedsInsideRequest() {
        assertTrue(channel.writeInbound(bytes("qui\nt\n\r\n")));
        HftpRequest first = channel.readInbound();
        assertEquals(HftpStatus.BAD_EOL, assertInstanceOf(HftpRequest.Malformed.class, first).status());
        // The server closes after the first reply; the decoder still turns the rest into requests.
        assertInstanceOf(HftpRequest.Malformed.class, channel.readInbound());
        assertInstanceOf(HftpRequest.Malformed.class, channel.readInbound());
        assertNull(channel.readInbound());
    }

    // ---- 101 BAD REQUEST ------------------------------------------------------------------------------

    static Stream<Named<String>> badRequestLines() {
        return lines(
                // empty, or only spaces
                "\r\n",
                " \r\n",
                "  \r\n",
                " ".repeat(100) + "\r\n",
                // a stray CR
                "qu\rit\r\n",
                "quit\r\r\n",
                "\rquit\r\n",
                "\r\r\n",
                "get_metadata a\rb\r\n",
                "get_slice a 0 1\r raw\r\n",
                // non-ASCII bytes
                "get_metadata \u00e9\r\n",
                "get_metadata caf\u00c3\u00a9\r\n",
                "q\u00fcit\r\n",
                "\u00ffquit\r\n",
                "quit\u0080\r\n",
                "get_slice a 1 2 r\u00e1w\r\n",
                "nonsense \u00e9\r\n",
                "get_file_listing \u00a0\r\n");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badRequestLines")
    void shouldAnswerBadRequest(String line) {
        assertStatus(HftpStatus.BAD_REQUEST, line);
    }

    // ---- 200 NO SUCH COMMAND --------------------------------------------------------------------------

    static Stream<Named<String>> unknownCommandLines() {
        return lines(
                "QUIT\r\n",
                "Quit\r\n",
                "GET_FILE_LISTING\r\n",
                "quitx\r\n",
                "qui\r\n",
                "get_listing\r\n",
                "get-metadata a\r\n",
                "nonsense\r\n",
                "foo bar\r\n",
                "raw\r\n",
                "x\r\n",
                // a leading space makes an empty first element
                " quit\r\n",
                "  get_file_listing\r\n",
                // a tab is not a separator
                "\tquit\r\n",
                "quit\t\r\n",
                "get_metadata\ta\r\n",
                "get_file_listing\u0000\r\n");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("unknownCommandLines")
    void shouldAnswerNoSuchCommand(String line) {
        assertStatus(HftpStatus.INVALID_COMMAND, line);
    }

    // ---- 201 INVALID ARGUMENTS ------------------------------------------------------------------------

    static Stream<Named<String>> wrongArgumentCountLines() {
        return lines(
                "get_file_listing x\r\n",
                "get_file_listing \r\n",
                "help x\r\n",
                "help \r\n",
                "quit x\r\n",
                "quit \r\n",
                "quit  \r\n",
                "get_metadata\r\n",
                "get_metadata \r\n",
                "get_metadata a b\r\n",
                "get_metadata  a\r\n",
                "get_metadata a \r\n",
                "get_slice\r\n",
                "get_slice a\r\n",
                "get_slice a 1\r\n",
                "get_slice a 1 2 raw x\r\n",
                "get_slice  a 1 2\r\n",
                "get_slice a  1 2\r\n",
                "get_slice a 1  2\r\n",
                "get_slice a 1 2 \r\n",
                "get_slice a 1 2 raw \r\n",
                "get_slice a 1 2  raw\r\n");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("wrongArgumentCountLines")
    void shouldAnswerInvalidArgumentsForWrongArgumentCount(String line) {
        assertStatus(HftpStatus.INVALID_ARGUMENTS, line);
    }

    static Stream<Named<String>> invalidFileNameLines() {
        return lines(
                "get_metadata a/b\r\n",
                "get_metadata /etc/passwd\r\n",
                "get_metadata ../x\r\n",
                "get_metadata ./a\r\n",
                "get_metadata a\\b\r\n",
                "get_metadata a*b\r\n",
                "get_metadata a:b\r\n",
                "get_metadata a+b\r\n",
                "get_metadata ~\r\n",
                "get_metadata a\u0000b\r\n",
                "get_metadata a\u007fb\r\n",
                "get_slice a/b 0 1\r\n",
                "get_slice a:b 0 1 raw\r\n",
                "get_slice \\ 0 1\r\n");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidFileNameLines")
    void shouldAnswerInvalidArgumentsForFileNameWithInvalidCharacter(String line) {
        assertStatus(HftpStatus.INVALID_ARGUMENTS, line);
    }

    static Stream<Named<String>> invalidNumberLines() {
        return lines(
                "get_slice a -1 2\r\n",
                "get_slice a 1 -2\r\n",
                "get_slice a -0 2\r\n",
                "get_slice a +1 2\r\n",
                "get_slice a 1 2.0\r\n",
                "get_slice a 0x1 2\r\n",
                "get_slice a 1e3 2\r\n",
                "get_slice a 1_000 2\r\n",
                "get_slice a one 2\r\n",
                "get_slice a 1 a\r\n",
                // 2^63 and beyond do not fit a 64-bit size, however they would wrap
                "get_slice a 9223372036854775808 0\r\n",
                "get_slice a 0 9223372036854775808\r\n",
                "get_slice a 0000000000000000000009223372036854775808 0\r\n",
                "get_slice a 18446744073709551616 0\r\n",
                "get_slice a 18446744073709551617 0\r\n",
                "get_slice a 99999999999999999999 0\r\n",
                "get_slice a 0 9223372036854775808 raw\r\n");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidNumberLines")
    void shouldAnswerInvalidArgumentsForOffsetOrSizeThatIsNotANonNegativeLong(String line) {
        assertStatus(HftpStatus.INVALID_ARGUMENTS, line);
    }

    static Stream<Named<String>> invalidFourthSliceElementLines() {
        return lines(
                "get_slice a 1 2 rawx\r\n",
                "get_slice a 1 2 RAW\r\n",
                "get_slice a 1 2 Raw\r\n",
                "get_slice a 1 2 ra\r\n",
                "get_slice a 1 2 xraw\r\n",
                "get_slice a 1 2 base64\r\n",
                "get_slice a 1 2 0\r\n");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidFourthSliceElementLines")
    void shouldAnswerInvalidArgumentsForFourthSliceElementOtherThanRaw(String line) {
        assertStatus(HftpStatus.INVALID_ARGUMENTS, line);
    }

    // ---- input split across writes --------------------------------------------------------------------

    @Test
    void shouldWaitForLineFeedBeforeDecodingLineSplitInThreeWrites() {
        assertFalse(channel.writeInbound(bytes("get_sl")));
        assertNull(channel.readInbound());
        assertFalse(channel.writeInbound(bytes("ice archivo.txt 5 20\r")));
        assertNull(channel.readInbound());
        assertTrue(channel.writeInbound(bytes("\n")));
        assertEquals(new HftpRequest.GetSlice("archivo.txt", 5, 20, false), channel.readInbound());
    }

    @Test
    void shouldDecodeLineSplitBetweenCarriageReturnAndLineFeed() {
        assertFalse(channel.writeInbound(bytes("quit\r")));
        assertTrue(channel.writeInbound(bytes("\n")));
        assertSame(HftpRequest.QUIT, channel.readInbound());
    }

    @Test
    void shouldAnswerBadEolForLoneLineFeedAfterSplitLine() {
        assertFalse(channel.writeInbound(bytes("get_meta")));
        assertTrue(channel.writeInbound(bytes("data a\n")));
        HftpRequest request = channel.readInbound();
        assertEquals(HftpStatus.BAD_EOL, assertInstanceOf(HftpRequest.Malformed.class, request).status());
    }

    @Test
    void shouldDecodePipelinedLinesInOrder() {
        assertTrue(channel.writeInbound(bytes("help\r\nget_metadata a\r\nnope\r\nquit\r\n")));
        assertSame(HftpRequest.HELP, channel.readInbound());
        assertEquals(new HftpRequest.GetMetadata("a"), channel.readInbound());
        assertInstanceOf(HftpRequest.Malformed.class, channel.readInbound());
        assertSame(HftpRequest.QUIT, channel.readInbound());
        assertNull(channel.readInbound());
    }

    @Test
    void shouldDecodeCompleteLineAndKeepPartialOneForNextWrite() {
        assertTrue(channel.writeInbound(bytes("help\r\nget_file_")));
        assertSame(HftpRequest.HELP, channel.readInbound());
        assertNull(channel.readInbound());
        assertTrue(channel.writeInbound(bytes("listing\r\n")));
        assertSame(HftpRequest.GET_FILE_LISTING, channel.readInbound());
    }

    // ---- the decoder itself ---------------------------------------------------------------------------

    @Test
    void shouldLeaveFrameUnchangedWhenDecodingStatically() {
        ByteBuf frame = bytes("get_metadata a\r\n");
        try {
            HftpCommandDecoder.decode(frame);
            assertEquals(0, frame.readerIndex());
            assertEquals(16, frame.readableBytes());
        } finally {
            frame.release();
        }
    }

    @Test
    void shouldDecodeSameWayWhenOneInstanceIsSharedByTwoChannels() {
        HftpCommandDecoder shared = new HftpCommandDecoder();
        EmbeddedChannel first = new EmbeddedChannel(new HftpLineDecoder(MAX), shared);
        EmbeddedChannel second = new EmbeddedChannel(new HftpLineDecoder(MAX), shared);
        assertTrue(shared.isSharable());
        assertFalse(first.writeInbound(bytes("get_meta")));
        assertTrue(second.writeInbound(bytes("quit\r\n")));
        assertTrue(first.writeInbound(bytes("data a\r\n")));
        assertEquals(new HftpRequest.GetMetadata("a"), first.readInbound());
        assertSame(HftpRequest.QUIT, second.readInbound());
        assertFalse(first.finish());
        assertFalse(second.finish());
    }

    @Test
    void shouldNeverThrowOnRandomBytes() {
        Random random = new Random(0x4854_4650L);
        byte[] alphabet = " \r\n\t\u0000azAZ09._-/getslicrawqumfdn".getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 2_000; i++) {
            byte[] line = new byte[random.nextInt(40)];
            for (int j = 0; j < line.length; j++) {
                line[j] = random.nextInt(8) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            }
            ByteBuf frame = Unpooled.wrappedBuffer(line);
            try {
                HftpRequest request = HftpCommandDecoder.decode(frame);
                assertNotNull(request, "decode must answer every frame");
            } finally {
                frame.release();
            }
        }
    }

    @Test
    void shouldDecodeEachNameRightWhenNamesOfOneLengthAlternate() {
        // Each event-loop thread reuses the string of the last name: a different name must never get it.
        assertTrue(channel.writeInbound(bytes("get_metadata ab\r\nget_metadata ba\r\nget_slice ab 0 1\r\n"
                + "get_metadata ab\r\nget_metadata abc\r\nget_metadata a\r\n")));
        assertEquals(new HftpRequest.GetMetadata("ab"), channel.readInbound());
        assertEquals(new HftpRequest.GetMetadata("ba"), channel.readInbound());
        assertEquals(new HftpRequest.GetSlice("ab", 0, 1, false), channel.readInbound());
        assertEquals(new HftpRequest.GetMetadata("ab"), channel.readInbound());
        assertEquals(new HftpRequest.GetMetadata("abc"), channel.readInbound());
        assertEquals(new HftpRequest.GetMetadata("a"), channel.readInbound());
        assertNull(channel.readInbound());
    }
}
