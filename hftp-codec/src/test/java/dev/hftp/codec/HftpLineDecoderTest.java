package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Framing of request lines, and the over-long-line rule of HFTP.md: a line longer than the limit is answered
 * exactly as the whole line would be, without being buffered.
 */
class HftpLineDecoderTest {

    /** A small limit, so that generated lines cross it often. */
    private static final int LIMIT = 64;
    /** A limit no generated line reaches: the decoder then sees every line whole. */
    private static final int HUGE = 1 << 20;
    /** The longest name a file can have (NAME_MAX); a longer valid name is 202 FILE NOT FOUND. */
    private static final int NAME_MAX = 255;

    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel(new HftpLineDecoder(LIMIT));
    }

    @AfterEach
    void tearDown() {
        assertFalse(channel.finishAndReleaseAll(), "no frame may be left unread");
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Reads one frame as text (one char per byte) and releases it. */
    private String readFrame() {
        ByteBuf frame = channel.readInbound();
        assertTrue(frame != null, "a frame was expected");
        try {
            return frame.toString(StandardCharsets.ISO_8859_1);
        } finally {
            frame.release();
        }
    }

    // ---- lines within the limit -----------------------------------------------------------------------

    @Test
    void shouldFrameLineWithItsTerminator() {
        assertTrue(channel.writeInbound(bytes("quit\r\n")));
        assertEquals("quit\r\n", readFrame());
    }

    @Test
    void shouldFrameLineEndedByLoneLineFeedWithItsTerminator() {
        assertTrue(channel.writeInbound(bytes("quit\n")));
        assertEquals("quit\n", readFrame());
    }

    @Test
    void shouldFrameEmptyLine() {
        assertTrue(channel.writeInbound(bytes("\r\n")));
        assertEquals("\r\n", readFrame());
    }

    @Test
    void shouldFrameEachLineOfOneBufferInOrder() {
        assertTrue(channel.writeInbound(bytes("help\r\nget_metadata a\nquit\r\n")));
        assertEquals("help\r\n", readFrame());
        assertEquals("get_metadata a\n", readFrame());
        assertEquals("quit\r\n", readFrame());
        assertNull(channel.readInbound());
    }

    @Test
    void shouldKeepStrayCarriageReturnInsideFrame() {
        assertTrue(channel.writeInbound(bytes("qu\rit\r\r\n")));
        assertEquals("qu\rit\r\r\n", readFrame());
    }

    @Test
    void shouldFrameLineFedOneByteAtATime() {
        String line = "get_slice archivo.txt 5 20\r\n";
        for (int i = 0; i < line.length() - 1; i++) {
            assertFalse(channel.writeInbound(bytes(line.substring(i, i + 1))), "no frame before the LF");
        }
        assertTrue(channel.writeInbound(bytes("\n")));
        assertEquals(line, readFrame());
    }

    @Test
    void shouldFrameLineOfExactlyTheLimitEndedByCrLf() {
        String line = "get_metadata " + "a".repeat(LIMIT - 13) + "\r\n";
        assertTrue(channel.writeInbound(bytes(line)));
        assertEquals(line, readFrame());
    }

    @Test
    void shouldFrameLineOfExactlyTheLimitEndedByLoneLineFeed() {
        String line = "x".repeat(LIMIT) + "\n";
        assertTrue(channel.writeInbound(bytes(line)));
        assertEquals(line, readFrame());
    }

    @Test
    void shouldFrameLineOfExactlyTheLimitEndingInStrayCarriageReturn() {
        String line = "y".repeat(LIMIT - 1) + "\r\r\n";
        assertTrue(channel.writeInbound(bytes(line)));
        assertEquals(line, readFrame());
    }

    @Test
    void shouldFrameLineOfExactlyTheLimitFedOneByteAtATime() {
        String line = "z".repeat(LIMIT) + "\r\n";
        for (int i = 0; i < line.length() - 1; i++) {
            assertFalse(channel.writeInbound(bytes(line.substring(i, i + 1))));
        }
        assertTrue(channel.writeInbound(bytes("\n")));
        assertEquals(line, readFrame());
    }

    @Test
    void shouldWaitForLineFeedAfterLimitAndCarriageReturn() {
        String content = "w".repeat(LIMIT);
        assertFalse(channel.writeInbound(bytes(content + "\r")));
        assertTrue(channel.writeInbound(bytes("\n")));
        assertEquals(content + "\r\n", readFrame());
    }

    @Test
    void shouldFrameLineOfExactlyTheLimitWithDefaultLimit() {
        EmbeddedChannel defaultLimit = new EmbeddedChannel(new HftpLineDecoder());
        String line = "d".repeat(HftpLineDecoder.DEFAULT_MAX_LINE_LENGTH) + "\r\n";
        assertTrue(defaultLimit.writeInbound(bytes(line)));
        ByteBuf frame = defaultLimit.readInbound();
        try {
            assertEquals(line, frame.toString(StandardCharsets.ISO_8859_1));
        } finally {
            frame.release();
        }
        assertFalse(defaultLimit.finishAndReleaseAll());
    }

    @Test
    void shouldFrameLineWholeWithLargestPossibleLimit() {
        EmbeddedChannel unlimited = new EmbeddedChannel(new HftpLineDecoder(Integer.MAX_VALUE));
        // An element longer than the 256 bytes a stand-in keeps shows whether the line was framed whole.
        String line = "get_metadata " + "n".repeat(300) + "\r\n";
        try {
            assertTrue(unlimited.writeInbound(bytes(line)));
            ByteBuf frame = unlimited.readInbound();
            try {
                assertEquals(line, frame.toString(StandardCharsets.ISO_8859_1));
            } finally {
                frame.release();
            }
        } finally {
            unlimited.finishAndReleaseAll();
        }
    }

    @Test
    void shouldRejectLimitOfZero() {
        assertThrows(IllegalArgumentException.class, () -> new HftpLineDecoder(0));
    }

    @Test
    void shouldReportItsLimit() {
        assertEquals(LIMIT, new HftpLineDecoder(LIMIT).maxLineLength());
    }

    // ---- over-long lines ------------------------------------------------------------------------------

    @Test
    void shouldReplaceLineOneByteOverTheLimitByShortStandIn() {
        String line = "get_metadata " + "a".repeat(LIMIT - 12) + "\r\n";
        assertTrue(channel.writeInbound(bytes(line)));
        String standIn = readFrame();
        assertTrue(standIn.endsWith("\n"));
        assertEquals(answer(decodeWhole(line)), answer(decodeFrame(standIn)));
    }

    @Test
    void shouldAnswerBadEolForLineOneByteOverTheLimitEndedByLoneLineFeed() {
        assertTrue(channel.writeInbound(bytes("x".repeat(LIMIT + 1) + "\n")));
        assertEquals(HftpStatus.BAD_EOL, answer(decodeFrame(readFrame())));
    }

    @Test
    void shouldNotBufferOverlongLine() {
        assertFalse(channel.writeInbound(bytes("get_metadata " + "a".repeat(2 * LIMIT))));
        for (int i = 0; i < 16; i++) {
            ByteBuf piece = bytes("a".repeat(1 << 20));
            assertFalse(channel.writeInbound(piece));
            assertEquals(0, piece.refCnt(), "each piece of an over-long line is consumed and released at once");
        }
        assertTrue(channel.writeInbound(bytes("\r\n")));
        assertEquals(HftpStatus.FILE_NOT_FOUND, answer(decodeFrame(readFrame())));
    }

    @Test
    void shouldAnswerFileNotFoundForMetadataOfFiveMebibyteName() {
        // The course suite's case: get_metadata followed by a 5 MiB name.
        String line = "get_metadata " + "b".repeat(5 << 20) + "\r\n";
        assertTrue(channel.writeInbound(bytes(line)));
        assertEquals(HftpStatus.FILE_NOT_FOUND, answer(decodeFrame(readFrame())));
    }

    @Test
    void shouldFrameNextLineNormallyAfterOverlongLine() {
        assertTrue(channel.writeInbound(bytes("c".repeat(3 * LIMIT) + "\r\nquit\r\n")));
        readFrame();
        assertEquals("quit\r\n", readFrame());
    }

    @Test
    void shouldEndOverlongLineSplitBetweenCarriageReturnAndLineFeed() {
        String content = "get_metadata " + "e".repeat(2 * LIMIT);
        assertFalse(channel.writeInbound(bytes(content + "\r")));
        assertTrue(channel.writeInbound(bytes("\nhelp\r\n")));
        assertEquals(answer(decodeWhole(content + "\r\n")), answer(decodeFrame(readFrame())));
        assertEquals("help\r\n", readFrame());
    }

    @Test
    void shouldAnswerBadEolForOverlongLineWithStrayCarriageReturnInShortElementAndLoneLineFeed() {
        String line = "get_metadata " + "a".repeat(2 * LIMIT) + "\rb\n";
        assertEquals(HftpStatus.BAD_EOL, answer(decodeWhole(line)), "the whole line");
        assertTrue(channel.writeInbound(bytes(line)));
        assertEquals(HftpStatus.BAD_EOL, answer(decodeFrame(readFrame())), "the stand-in");
    }

    @Test
    void shouldAnswerBadEolForOverlongLineWithStrayCarriageReturnInLongElementAndLoneLineFeed() {
        String line = "get_metadata " + "a".repeat(300) + "\rb\n";
        assertEquals(HftpStatus.BAD_EOL, answer(decodeWhole(line)), "the whole line");
        assertTrue(channel.writeInbound(bytes(line)));
        assertEquals(HftpStatus.BAD_EOL, answer(decodeFrame(readFrame())), "the stand-in");
    }

    @Test
    void shouldAnswerBadEolForOverlongLineWhoseStrayCarriageReturnIsFollowedOnlyBySpacesPastSixthElement() {
        // Spaces past the sixth element are dropped from the stand-in, which then ends in the stray CR.
        String line = "a b c d e " + "f".repeat(2 * LIMIT) + "\r  \n";
        assertEquals(HftpStatus.BAD_EOL, answer(decodeWhole(line)), "the whole line");
        assertTrue(channel.writeInbound(bytes(line)));
        assertEquals(HftpStatus.BAD_EOL, answer(decodeFrame(readFrame())), "the stand-in");
    }

    @Test
    void shouldAnswerBadRequestForOverlongLineWithStrayCarriageReturnAndCrLf() {
        String line = "get_metadata " + "a".repeat(300) + "\rb\r\n";
        assertTrue(channel.writeInbound(bytes(line)));
        assertEquals(HftpStatus.BAD_REQUEST, answer(decodeFrame(readFrame())));
    }

    @Test
    void shouldTellHowManyBytesItHoldsForAnUnfinishedLine() {
        List<Integer> told = new ArrayList<>();
        EmbeddedChannel held = new EmbeddedChannel(new HftpLineDecoder(LIMIT, told::add));
        // A whole line leaves nothing held: nothing to tell.
        held.writeInbound(bytes("help\r\n"));
        assertEquals(List.of(), told);
        held.writeInbound(bytes("get_metadata ab"));
        assertEquals(1, told.size(), "told once the line is left unfinished: " + told);
        assertTrue(told.get(0) >= "get_metadata ab".length(), "at least the bytes of the line: " + told);
        held.writeInbound(bytes("c\r\nget_"));
        assertTrue(told.get(told.size() - 1) > 0, "still holding the start of the next line: " + told);
        held.writeInbound(bytes("file_listing\r\n"));
        assertEquals(0, told.get(told.size() - 1), "the line ended: nothing held");
        held.writeInbound(bytes("quit"));
        assertTrue(told.get(told.size() - 1) > 0);
        held.finishAndReleaseAll();
        assertEquals(0, told.get(told.size() - 1), "the connection ended: nothing held");
        for (int i = 1; i < told.size(); i++) {
            assertFalse(told.get(i).equals(told.get(i - 1)), "told only of changes: " + told);
        }
    }

    @Test
    void shouldHoldNoMoreThanTheLimitForAnOverlongLineItStreams() {
        List<Integer> told = new ArrayList<>();
        EmbeddedChannel held = new EmbeddedChannel(new HftpLineDecoder(LIMIT, told::add));
        for (int i = 0; i < 100; i++) {
            held.writeInbound(bytes("x".repeat(LIMIT)));
        }
        int most = told.stream().mapToInt(Integer::intValue).max().orElse(0);
        assertTrue(most <= 4 * LIMIT, "held at most a few limits while 100 limits streamed: " + told);
        held.writeInbound(bytes("\r\n"));
        assertEquals(0, told.get(told.size() - 1));
        held.finishAndReleaseAll();
    }

    @Test
    void shouldAnswerOverlongLinesExactlyAsTheWholeLine() {
        Random random = new Random(20260501L);
        List<Mismatch> mismatches = new ArrayList<>();
        int overlong = 0;
        int cases = 3_000;
        for (int i = 0; i < cases; i++) {
            String line = LineGenerator.line(random, LIMIT);
            if (line.indexOf('\n') - (line.endsWith("\r\n") ? 1 : 0) > LIMIT) {
                overlong++;
            }
            Object whole = answer(decodeWhole(line));
            Object limited = answer(decodeThrough(LIMIT, List.of(line)));
            if (!whole.equals(limited)) {
                mismatches.add(new Mismatch(line, whole, limited));
            }
        }
        assertTrue(overlong > cases / 2, "the generator must mostly make over-long lines, made " + overlong);
        assertNoMismatch(cases, mismatches);
    }

    @Test
    void shouldAnswerOverlongLinesSplitAtRandomPointsExactlyAsTheWholeLines() {
        Random random = new Random(19500L);
        List<Mismatch> mismatches = new ArrayList<>();
        int streams = 200;
        int linesPerStream = 12;
        for (int s = 0; s < streams; s++) {
            List<String> lines = new ArrayList<>();
            StringBuilder stream = new StringBuilder();
            for (int i = 0; i < linesPerStream; i++) {
                String line = LineGenerator.line(random, LIMIT);
                lines.add(line);
                stream.append(line);
            }
            List<HftpRequest> limited = decodeAll(LIMIT, split(random, stream.toString()));
            assertEquals(linesPerStream, limited.size(), "one request per line");
            for (int i = 0; i < linesPerStream; i++) {
                Object whole = answer(decodeWhole(lines.get(i)));
                Object got = answer(limited.get(i));
                if (!whole.equals(got)) {
                    mismatches.add(new Mismatch(lines.get(i), whole, got));
                }
            }
        }
        assertNoMismatch(streams * linesPerStream, mismatches);
    }

    // ---- helpers --------------------------------------------------------------------------------------

    /**
     * What the server answers a request, as far as the line decides it: the status of a malformed line, the
     * request itself, or 202 for a valid name longer than any file name can be.
     */
    static Object answer(HftpRequest request) {
        if (request instanceof HftpRequest.Malformed malformed) {
            return malformed.status();
        }
        if (request instanceof HftpRequest.GetMetadata metadata && metadata.fileName().length() > NAME_MAX
                || request instanceof HftpRequest.GetSlice slice && slice.fileName().length() > NAME_MAX) {
            return HftpStatus.FILE_NOT_FOUND;
        }
        return request;
    }

    /** The request a decoder that buffers the whole line makes of it. */
    private static HftpRequest decodeWhole(String line) {
        return decodeThrough(HUGE, List.of(line));
    }

    private static HftpRequest decodeThrough(int limit, List<String> pieces) {
        List<HftpRequest> requests = decodeAll(limit, pieces);
        assertEquals(1, requests.size(), "one line, one request");
        return requests.get(0);
    }

    private static List<HftpRequest> decodeAll(int limit, List<String> pieces) {
        EmbeddedChannel decoder = new EmbeddedChannel(new HftpLineDecoder(limit), new HftpCommandDecoder());
        for (String piece : pieces) {
            decoder.writeInbound(bytes(piece));
        }
        List<HftpRequest> requests = new ArrayList<>();
        HftpRequest request;
        while ((request = decoder.readInbound()) != null) {
            requests.add(request);
        }
        assertFalse(decoder.finish());
        return requests;
    }

    private static HftpRequest decodeFrame(String frame) {
        ByteBuf buf = bytes(frame);
        try {
            return HftpCommandDecoder.decode(buf);
        } finally {
            buf.release();
        }
    }

    /** Cuts {@code stream} at random points, sometimes into single bytes. */
    private static List<String> split(Random random, String stream) {
        List<String> pieces = new ArrayList<>();
        int at = 0;
        while (at < stream.length()) {
            int length;
            switch (random.nextInt(4)) {
                case 0:
                    length = 1;
                    break;
                case 1:
                    length = 1 + random.nextInt(LIMIT + 3);
                    break;
                default:
                    length = 1 + random.nextInt(Math.max(1, stream.length() / 3));
                    break;
            }
            int end = Math.min(stream.length(), at + length);
            pieces.add(stream.substring(at, end));
            at = end;
        }
        return pieces;
    }

    private record Mismatch(String line, Object whole, Object limited) { }

    /** Fails listing, for each kind of wrong answer, how often it happened and its shortest line. */
    private static void assertNoMismatch(int cases, List<Mismatch> mismatches) {
        if (mismatches.isEmpty()) {
            return;
        }
        mismatches.sort(Comparator.comparingInt(m -> m.line().length()));
        Map<String, List<Mismatch>> byKind = new LinkedHashMap<>();
        for (Mismatch m : mismatches) {
            byKind.computeIfAbsent(m.whole() + " -> " + m.limited(), k -> new ArrayList<>()).add(m);
        }
        StringBuilder message = new StringBuilder()
                .append(mismatches.size()).append(" of ").append(cases)
                .append(" lines answered differently through the stand-in (whole line -> through limit ")
                .append(LIMIT).append("):");
        byKind.forEach((kind, list) -> {
            message.append("\n  ").append(kind).append(": ").append(list.size()).append(" lines, shortest:");
            list.stream().limit(3).forEach(m -> message.append("\n    ").append(Escape.of(m.line()))
                    .append(" (").append(m.line().length()).append(" bytes)"));
        });
        fail(message.toString());
    }

    /**
     * Random request lines from a small alphabet of elements: commands, valid and invalid names, numbers
     * with and without leading zeros, {@code raw}, non-ASCII bytes, stray CRs, empty elements, and long
     * elements of lengths around 256 and around the limit. Each line has exactly one LF, at its end.
     */
    static final class LineGenerator {

        private static final String[] COMMANDS = {
            "get_file_listing", "get_metadata", "get_slice", "help", "quit",
        };
        private static final String[] OTHER_FIRST = {
            "GET_SLICE", "quitx", "", "get_slice\u00e9", "q\rt", "get_metadata/", "nonsense",
        };
        private static final String[] NAMES = {
            "a", "archivo.txt", "A-Z_0.9", ".", "..", "-", "007", "raw",
        };
        private static final String[] BAD_NAMES = {
            "/", "a/b", "../x", "a\\b", "caf\u00c3\u00a9", "\u00e9", "a\rb", "\r", "\t", "", "a:b", "x\u0000y",
        };
        private static final String[] NUMBERS = {
            "0", "7", "007", "00", "20", "9223372036854775807", "9223372036854775808",
            "000000000000000000000009223372036854775807", "000000000000000000000009223372036854775808",
            "18446744073709551617", "99999999999999999999", "-1", "+1", "1e3", "", "\u0661",
        };
        private static final String[] FOURTH = {"raw", "rawx", "RAW", "", "r\rw", "ra\u00e9"};
        private static final String[] ENDINGS = {"\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r\r\n", " \r\n", "\rx\n"};

        private LineGenerator() { }

        static String line(Random random, int limit) {
            StringBuilder line = new StringBuilder();
            int kind = random.nextInt(20);
            if (kind == 0) {
                // Only spaces (many empty elements), maybe with something at the end.
                line.append(" ".repeat(length(random, limit)));
                if (random.nextBoolean()) {
                    line.append(element(random, limit));
                }
            } else if (kind < 6) {
                // A well-formed request with long arguments: the stand-in must keep its meaning.
                wellFormed(random, limit, line);
                return line.append("\r\n").toString();
            } else if (kind < 10) {
                shaped(random, limit, line);
            } else {
                int count = 1 + random.nextInt(8);
                for (int i = 0; i < count; i++) {
                    if (i > 0) {
                        line.append(' ');
                    }
                    line.append(i == 0 ? first(random, limit) : element(random, limit));
                }
            }
            if (line.length() <= limit && random.nextInt(4) != 0) {
                // Mostly over-long lines: pad one more element.
                line.append(' ').append(longElement(random, limit));
            }
            return line.append(pick(random, ENDINGS)).toString();
        }

        /** A valid metadata or slice request, its name or numbers made long. */
        private static void wellFormed(Random random, int limit, StringBuilder line) {
            String name = random.nextBoolean() ? pick(random, NAMES) : longName(random, limit);
            if (random.nextInt(4) == 0) {
                line.append("get_metadata ").append(name);
                return;
            }
            line.append("get_slice ").append(name)
                    .append(' ').append(validNumber(random, limit))
                    .append(' ').append(validNumber(random, limit));
            if (random.nextInt(3) == 0) {
                line.append(" raw");
            }
        }

        private static String longName(Random random, int limit) {
            String chars = "aZ09._-";
            StringBuilder name = new StringBuilder();
            int length = length(random, limit);
            char c = chars.charAt(random.nextInt(chars.length()));
            for (int i = 0; i < length; i++) {
                if (random.nextInt(50) == 0) {
                    c = chars.charAt(random.nextInt(chars.length()));
                }
                name.append(c);
            }
            return name.toString();
        }

        /** A number that fits in a long, often behind many leading zeros. */
        private static String validNumber(Random random, int limit) {
            String[] values = {"0", "1", "5", "42", "4096", "9223372036854775807", "1000000000000000000"};
            String zeros = random.nextInt(3) == 0 ? "" : "0".repeat(length(random, limit));
            return zeros + pick(random, values);
        }

        /** A command with about the right arguments, so that the argument checks are reached. */
        private static void shaped(Random random, int limit, StringBuilder line) {
            String command = random.nextInt(4) == 0 ? pick(random, COMMANDS) : "get_slice";
            line.append(command);
            if (command.equals("get_metadata")) {
                line.append(' ').append(name(random, limit));
            } else if (command.equals("get_slice")) {
                line.append(' ').append(name(random, limit));
                line.append(' ').append(number(random, limit));
                line.append(' ').append(number(random, limit));
                if (random.nextInt(3) == 0) {
                    line.append(' ').append(random.nextInt(4) == 0 ? longElement(random, limit) : pick(random, FOURTH));
                }
            }
            if (random.nextInt(10) == 0) {
                line.append(' ').append(element(random, limit));
            }
        }

        private static String first(Random random, int limit) {
            int kind = random.nextInt(10);
            if (kind < 7) {
                return pick(random, COMMANDS);
            }
            return kind < 9 ? pick(random, OTHER_FIRST) : longElement(random, limit);
        }

        private static String element(Random random, int limit) {
            switch (random.nextInt(6)) {
                case 0:
                    return pick(random, NAMES);
                case 1:
                    return pick(random, BAD_NAMES);
                case 2:
                    return number(random, limit);
                case 3:
                    return pick(random, FOURTH);
                case 4:
                    return pick(random, COMMANDS);
                default:
                    return longElement(random, limit);
            }
        }

        private static String name(Random random, int limit) {
            int kind = random.nextInt(5);
            if (kind < 2) {
                return pick(random, NAMES);
            }
            if (kind == 2) {
                return pick(random, BAD_NAMES);
            }
            return longElement(random, limit);
        }

        private static String number(Random random, int limit) {
            int kind = random.nextInt(6);
            if (kind < 2) {
                return pick(random, NUMBERS);
            }
            int zeros = length(random, limit);
            switch (kind) {
                case 2:
                    // Leading zeros, then a number that fits, or just fits, or just does not.
                    return "0".repeat(zeros) + pick(random, new String[] {
                        "", "1", "42", "9223372036854775807", "9223372036854775808", "10000000000000000000"});
                case 3:
                    // Many significant digits: too large.
                    return "1" + "0".repeat(zeros);
                case 4:
                    // Digits, then one that is not.
                    return "0".repeat(zeros) + pick(random, new String[] {"a", "-", "\u00e9", "\r", "/"});
                default:
                    return longElement(random, limit);
            }
        }

        /** A long element: one byte repeated, maybe with a different byte somewhere in it. */
        private static String longElement(Random random, int limit) {
            char[] fill = {'a', 'Z', '0', '9', '.', '_', '-', '/', '\u00e9', '\r', '*'};
            char base = fill[random.nextInt(5) == 0 ? random.nextInt(fill.length) : random.nextInt(7)];
            StringBuilder element = new StringBuilder(String.valueOf(base).repeat(length(random, limit)));
            if (random.nextBoolean()) {
                char odd = fill[random.nextInt(fill.length)];
                int at = random.nextInt(3) == 0 ? element.length() - 1 : random.nextInt(element.length());
                element.setCharAt(at, odd);
            }
            return element.toString();
        }

        /** Lengths around the limit, around 256 (the kept bytes of an element), and longer. */
        private static int length(Random random, int limit) {
            int[] around = {1, limit - 1, limit, limit + 1, limit + 2, 254, 255, 256, 257, 258, 300, 1000, 4096};
            int length = around[random.nextInt(around.length)];
            return Math.max(1, length + (random.nextInt(4) == 0 ? random.nextInt(5) - 2 : 0));
        }

        private static String pick(Random random, String[] choices) {
            return choices[random.nextInt(choices.length)];
        }
    }
}
