package dev.hftp.codec;

import dev.hftp.codec.testing.FuzzTries;
import dev.hftp.codec.testing.JqwikLeakCheck;
import dev.hftp.codec.testing.TrackingAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Fuzzing of the request decoder ({@link HftpLineDecoder} then {@link HftpCommandDecoder}, as in the
 * server's pipeline): random and mutated request bytes, cut at random points, must each give exactly the
 * answer that the contract ({@code shared/HFTP.md}, {@code docs/PROTOCOL.md}) gives, whatever the line limit.
 *
 * <p>The expected answer of each line comes from {@link #expected(byte[])}, a model written from the contract
 * alone, not from the decoder. Tries: {@code hftp.fuzz.decoder.tries} (1,000 in {@code mvn verify}, a million
 * with {@code -Pfuzz}). Leaks: each decoder's buffers are counted exactly ({@link TrackingAllocator}) or, for one
 * decoder in {@value #DEFAULT_ALLOCATOR_EVERY}, come from Netty's default allocator, whose PARANOID detector is
 * read after each property and after the class ({@link JqwikLeakCheck}).
 *
 * <p>jqwik's edge cases are off: the generators aim at the edges themselves, and jqwik would otherwise build
 * and hold as many combined edge cases as there are tries (a million in the long run).
 */
class HftpDecoderProperties {

    /** A limit that no generated line reaches: that decoder sees every line whole. */
    private static final int HUGE = 1 << 30;
    /** No file name can be longer (NAME_MAX), so a longer valid name is 202 FILE NOT FOUND. */
    private static final int NAME_MAX = 255;
    private static final String TRIES = "hftp.fuzz.decoder.tries";
    /** Chunks per input at most; the rest then arrives at once, so that long inputs stay cheap. */
    private static final int MAX_CHUNKS = 64;
    /**
     * One decoder in so many allocates from Netty's default (pooled, leak-aware) allocator, under the PARANOID
     * detector that {@link JqwikLeakCheck} reads after each property; the others count their buffers exactly.
     */
    private static final int DEFAULT_ALLOCATOR_EVERY = 16;
    private static int decodes;
    private static final int QUICK_TRIES = 1000;

    /** What a run covered, e.g. lines per expected status, printed after each property. */
    private static final Map<String, Long> figures = new TreeMap<>();
    private static long started;

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final List<String> COMMANDS = List.of("get_file_listing", "get_metadata", "get_slice", "help", "quit");

    // ---------------------------------------------------------------- properties

    /**
     * Any bytes, cut anywhere: the decoders never throw; each LF-terminated line gives exactly one request,
     * in order, the one the model expects (a Malformed with the model's status, fatal 1xx for a bad line,
     * 2xx for a bad command or arguments); a limited decoder answers as an unlimited one; what follows the
     * last LF gives nothing, not even when the channel closes.
     */
    @Property(edgeCases = EdgeCasesMode.NONE)
    @FuzzTries(property = TRIES, byDefault = QUICK_TRIES)
    void everyLineGetsItsAnswerInOrder(@ForAll("inputs") Input input) {
        check(input);
    }

    /**
     * Lines and elements just around the line limit and the 256 bytes that an over-long line keeps of each
     * element: a limited decoder answers each line as the whole line would be answered.
     */
    @Property(edgeCases = EdgeCasesMode.NONE)
    @FuzzTries(property = TRIES, byDefault = QUICK_TRIES)
    void overlongLinesAreAnsweredAsWholeLines(@ForAll("overlongInputs") Input input) {
        check(input);
    }

    @BeforeProperty
    void resetFigures() {
        figures.clear();
        started = System.nanoTime();
    }

    @AfterProperty
    void noBufferLeakedAndReport() throws InterruptedException {
        System.out.printf("HftpDecoderProperties: %s in %.1f s%n", figures, (System.nanoTime() - started) / 1e9);
        JqwikLeakCheck.assertNoLeak();
    }

    private static void check(Input input) {
        count("inputs", 1);
        count("bytes", input.bytes().length);
        List<byte[]> lines = lines(input.bytes());
        List<HftpRequest> whole = decode(input.bytes(), HUGE, input.cuts());
        List<HftpRequest> limited = decode(input.bytes(), input.limit(), input.cuts());
        if (whole.size() != lines.size() || limited.size() != lines.size()) {
            throw new AssertionError(lines.size() + " line(s), but " + whole.size() + " request(s) from the "
                    + "unlimited decoder and " + limited.size() + " from the one limited to " + input.limit());
        }
        for (int i = 0; i < lines.size(); i++) {
            HftpRequest expected = expected(lines.get(i));
            count("lines", 1);
            count("over the limit", lines.get(i).length - 2 > input.limit() ? 1 : 0);
            count(expected instanceof HftpRequest.Malformed m ? String.valueOf(m.status().code()) : "valid", 1);
            String line = "line " + i + " " + show(lines.get(i));
            if (!sameRequest(expected, whole.get(i))) {
                throw new AssertionError(line + ": expected " + expected + ", unlimited decoder gave " + whole.get(i));
            }
            if (!answer(expected).equals(answer(limited.get(i)))) {
                throw new AssertionError(line + ": expected " + answer(expected) + ", decoder limited to "
                        + input.limit() + " gave " + limited.get(i));
            }
            for (HftpRequest request : List.of(whole.get(i), limited.get(i))) {
                if (request instanceof HftpRequest.Malformed malformed) {
                    checkStatusClass(line, malformed);
                }
            }
        }
    }

    /** A decoder rejects a line (fatal 1xx) or a command (2xx); files, ranges and success are not its to say. */
    private static void checkStatusClass(String line, HftpRequest.Malformed malformed) {
        HftpStatus status = malformed.status();
        boolean lineLevel = status == HftpStatus.BAD_EOL || status == HftpStatus.BAD_REQUEST;
        boolean commandLevel = status == HftpStatus.INVALID_COMMAND || status == HftpStatus.INVALID_ARGUMENTS;
        if (!(lineLevel && status.isFatal() && status.code() / 100 == 1
                || commandLevel && !status.isFatal() && status.code() / 100 == 2)) {
            throw new AssertionError(line + ": a decoder may not answer " + status);
        }
    }

    /**
     * Feeds {@code bytes} in chunks of the sizes {@code cuts} (cycled, at most {@value #MAX_CHUNKS} chunks, then
     * the rest at once), reading what each chunk gives; then closes the channel, which must give nothing more,
     * and checks that every buffer was released.
     */
    private static List<HftpRequest> decode(byte[] bytes, int limit, List<Integer> cuts) {
        EmbeddedChannel channel = new EmbeddedChannel(new HftpLineDecoder(limit), new HftpCommandDecoder());
        // Most runs count their buffers exactly (cheap); some use the server's allocator under Netty's detector.
        TrackingAllocator tracking = DEFAULT_ALLOCATOR_EVERY > 0 && ++decodes % DEFAULT_ALLOCATOR_EVERY == 0
                ? null : new TrackingAllocator();
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

    private static void count(String figure, long n) {
        figures.merge(figure, n, Long::sum);
    }

    // ---------------------------------------------------------------- the model, from the contract alone

    /** The bytes up to and with each LF; what follows the last LF is not a line. */
    static List<byte[]> lines(byte[] bytes) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == LF) {
                byte[] line = new byte[i + 1 - start];
                System.arraycopy(bytes, start, line, 0, line.length);
                lines.add(line);
                start = i + 1;
            }
        }
        return lines;
    }

    /** The answer the contract gives to one line (terminator included), as the request a decoder must give. */
    static HftpRequest expected(byte[] line) {
        int n = line.length;
        // A line ends at its first LF; without a CR just before it, that LF is a bad EOL.
        if (n < 2 || line[n - 2] != CR) {
            return malformed(HftpStatus.BAD_EOL);
        }
        boolean onlySpaces = true;
        for (int i = 0; i < n - 2; i++) {
            if (line[i] == CR || (line[i] & 0xff) > 0x7f) {
                return malformed(HftpStatus.BAD_REQUEST);
            }
            onlySpaces &= line[i] == ' ';
        }
        if (onlySpaces) {
            return malformed(HftpStatus.BAD_REQUEST);
        }
        String[] e = new String(line, 0, n - 2, StandardCharsets.US_ASCII).split(" ", -1);
        switch (e[0]) {
            case "get_file_listing":
                return e.length == 1 ? HftpRequest.GET_FILE_LISTING : malformed(HftpStatus.INVALID_ARGUMENTS);
            case "help":
                return e.length == 1 ? HftpRequest.HELP : malformed(HftpStatus.INVALID_ARGUMENTS);
            case "quit":
                return e.length == 1 ? HftpRequest.QUIT : malformed(HftpStatus.INVALID_ARGUMENTS);
            case "get_metadata":
                return e.length == 2 && isName(e[1])
                        ? new HftpRequest.GetMetadata(e[1]) : malformed(HftpStatus.INVALID_ARGUMENTS);
            case "get_slice":
                boolean raw = e.length == 5 && e[4].equals("raw");
                if ((e.length == 4 || raw) && isName(e[1]) && isNumber(e[2]) && isNumber(e[3])) {
                    return new HftpRequest.GetSlice(e[1], Long.parseLong(e[2]), Long.parseLong(e[3]), raw);
                }
                return malformed(HftpStatus.INVALID_ARGUMENTS);
            default:
                return malformed(HftpStatus.INVALID_COMMAND);
        }
    }

    private static boolean isName(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_');
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9')
                && new BigInteger(s).compareTo(BigInteger.valueOf(Long.MAX_VALUE)) <= 0;
    }

    private static HftpRequest malformed(HftpStatus status) {
        return new HftpRequest.Malformed(status, "expected");
    }

    /** Equal requests; for two Malformed, the same status (the reason is free text). */
    private static boolean sameRequest(HftpRequest expected, HftpRequest actual) {
        if (expected instanceof HftpRequest.Malformed e && actual instanceof HftpRequest.Malformed a) {
            return e.status() == a.status();
        }
        return expected.equals(actual);
    }

    /**
     * What the server answers to a request, as far as the request decides it: a file name longer than any
     * file's is 202 FILE NOT FOUND, whichever such name it is.
     */
    private static String answer(HftpRequest request) {
        if (request instanceof HftpRequest.Malformed m) {
            return m.status().toString();
        }
        if (request instanceof HftpRequest.GetMetadata g) {
            return g.fileName().length() > NAME_MAX ? "202 (long name)" : "metadata " + g.fileName();
        }
        if (request instanceof HftpRequest.GetSlice s) {
            return s.fileName().length() > NAME_MAX ? "202 (long name)"
                    : "slice " + s.fileName() + " " + s.offset() + " " + s.size() + (s.raw() ? " raw" : "");
        }
        return request.toString();
    }

    // ---------------------------------------------------------------- generators

    /** Bytes to decode, the line limit of the limited decoder, and the sizes of the chunks they arrive in. */
    record Input(byte[] bytes, int limit, List<Integer> cuts) {
        @Override
        public String toString() {
            return "Input[limit=" + limit + ", cuts=" + cuts + ", " + bytes.length + " bytes "
                    + show(bytes) + "]";
        }
    }

    static String show(byte[] bytes) {
        return Escape.of(new String(bytes, StandardCharsets.ISO_8859_1));
    }

    @Provide
    Arbitrary<Input> inputs() {
        Arbitrary<byte[]> line = Arbitraries.frequencyOf(
                Tuple.of(3, validLine().map(HftpDecoderProperties::crlf)),
                Tuple.of(3, invalidLine().map(HftpDecoderProperties::crlf)),
                Tuple.of(2, oddlyEnded(Arbitraries.oneOf(validLine(), invalidLine()))),
                Tuple.of(5, mutated(Arbitraries.oneOf(validLine(), invalidLine()).map(HftpDecoderProperties::crlf))),
                Tuple.of(2, randomBytes()),
                Tuple.of(1, longLine().map(HftpDecoderProperties::crlf)));
        return Combinators.combine(stream(line), limits(), cuts()).as(Input::new);
    }

    @Provide
    Arbitrary<Input> overlongInputs() {
        // Lines are made for the limit drawn with them (not by flatMap, which is slow to generate).
        Arbitrary<IntFunction<byte[]>> line = Arbitraries.frequencyOf(
                Tuple.of(4, aroundLimit()),
                Tuple.of(2, Combinators.combine(aroundLimit(), mutations())
                        .as((f, m) -> limit -> mutate(f.apply(limit), m))),
                Tuple.of(3, fixed(longLine().map(HftpDecoderProperties::crlf))),
                Tuple.of(2, fixed(mutated(longLine().map(HftpDecoderProperties::crlf)))),
                Tuple.of(1, fixed(oddlyEnded(longLine()))),
                Tuple.of(1, fixed(validLine().map(HftpDecoderProperties::crlf))));
        Arbitrary<Boolean> tail = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(false)),
                Tuple.of(1, Arbitraries.just(true)));
        return Combinators.combine(limits(), line.list().ofMinSize(1).ofMaxSize(4), line, tail, cuts())
                .as((limit, lines, last, withTail, cuts) -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    lines.forEach(f -> out.writeBytes(f.apply(limit)));
                    if (withTail) {
                        out.writeBytes(beforeFirstLf(last.apply(limit)));
                    }
                    return new Input(out.toByteArray(), limit, cuts);
                });
    }

    private static Arbitrary<IntFunction<byte[]>> fixed(Arbitrary<byte[]> lines) {
        return lines.map(line -> limit -> line);
    }

    /** One to eight lines one after the other, and sometimes the start of one more (bytes without LF). */
    private static Arbitrary<byte[]> stream(Arbitrary<byte[]> line) {
        Arbitrary<byte[]> tail = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(new byte[0])),
                Tuple.of(1, line.map(HftpDecoderProperties::beforeFirstLf)));
        return Combinators.combine(line.list().ofMinSize(1).ofMaxSize(8), tail).as((lines, rest) -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            lines.forEach(out::writeBytes);
            out.writeBytes(rest);
            return out.toByteArray();
        });
    }

    /** Small limits (even 1), limits near a kept element (256 bytes) and the length of valid requests. */
    private static Arbitrary<Integer> limits() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(1, 24)),
                Tuple.of(3, Arbitraries.integers().between(25, 300)),
                Tuple.of(1, Arbitraries.integers().between(250, 265)),
                Tuple.of(1, Arbitraries.of(512, 1024)));
    }

    /** Chunk sizes, used in turn: often one byte at a time or a few, sometimes all at once. */
    private static Arbitrary<List<Integer>> cuts() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(1, 8)),
                Tuple.of(3, Arbitraries.integers().between(9, 300)),
                Tuple.of(1, Arbitraries.just(1 << 20))).list().ofMinSize(1).ofMaxSize(8);
    }

    private static Arbitrary<String> validLine() {
        Arbitrary<String> name = names();
        Arbitrary<String> number = numbers();
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of("get_file_listing", "help", "quit")),
                Tuple.of(2, name.map(n -> "get_metadata " + n)),
                Tuple.of(3, Combinators.combine(name, number, number, Arbitraries.of("", " raw"))
                        .as((n, o, s, raw) -> "get_slice " + n + " " + o + " " + s + raw)));
    }

    /** Wrong commands, counts, names, numbers and spacing, but well ended. */
    private static Arbitrary<String> invalidLine() {
        Arbitrary<String> name = names();
        Arbitrary<String> number = numbers();
        Arbitrary<String> anyWord = Arbitraries.oneOf(name, badNames(), badNumbers(), Arbitraries.of("", "raw"));
        Arbitrary<String> command = Arbitraries.oneOf(Arbitraries.of(COMMANDS),
                Arbitraries.of("GET_FILE_LISTING", "Help", "quit\t", "get_slic", "get_slices", "get-metadata",
                        "\u0000quit", "", "q", "list", "\u007f"),
                Arbitraries.strings().withCharRange('a', 'z').withChars('_').ofMaxLength(17));
        return Arbitraries.frequencyOf(
                // A command with any number of any words.
                Tuple.of(4, Combinators.combine(command, anyWord.list().ofMaxSize(6))
                        .as((c, args) -> args.isEmpty() ? c : c + " " + String.join(" ", args))),
                Tuple.of(2, Combinators.combine(badNames(), number, number)
                        .as((n, o, s) -> "get_slice " + n + " " + o + " " + s)),
                Tuple.of(2, Combinators.combine(name, Arbitraries.oneOf(number, badNumbers()),
                        Arbitraries.oneOf(number, badNumbers()), Arbitraries.of("", " raw", " rawx", " RAW", " raw raw", " "))
                        .as((n, o, s, raw) -> "get_slice " + n + " " + o + " " + s + raw)),
                Tuple.of(1, badNames().map(n -> "get_metadata " + n)),
                Tuple.of(1, validLine().map(l -> l.replace(" ", "  "))),
                Tuple.of(1, validLine().map(l -> " " + l)),
                Tuple.of(1, validLine().map(l -> l + " ")),
                Tuple.of(1, Arbitraries.strings().withChars(' ').ofMaxLength(4)));
    }

    private static Arbitrary<String> names() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of("a.txt", "empty", "bin.dat", "x", ".", "..", "sub", "-", "_", "A")),
                Tuple.of(3, Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
                        .withCharRange('0', '9').withChars('.', '-', '_').ofMinLength(1).ofMaxLength(12)),
                Tuple.of(1, Arbitraries.integers().between(NAME_MAX - 2, NAME_MAX + 3).map(n -> "n".repeat(n))));
    }

    private static Arbitrary<String> badNames() {
        return Arbitraries.oneOf(
                Arbitraries.of("a/b", "../x", "a b", "caf\u00e9", "x\ty", "semi;colon", "~", "a\u0000", "a\r"),
                Arbitraries.strings().ofMinLength(1).ofMaxLength(8).withCharRange('\u0000', '\u00ff'));
    }

    private static Arbitrary<String> numbers() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.longs().between(0, 100).map(String::valueOf)),
                Tuple.of(1, Arbitraries.longs().between(0, 100).map(v -> "000" + v)),
                Tuple.of(1, Arbitraries.of(String.valueOf(Long.MAX_VALUE), "09223372036854775807", "0",
                        "4611686018427387904")),
                Tuple.of(1, Arbitraries.longs().map(v -> String.valueOf(Math.abs(v % Long.MAX_VALUE)))));
    }

    private static Arbitrary<String> badNumbers() {
        return Arbitraries.of("-1", "+5", "1_000", "", " 5", "5 ", "1e3", "0x10", "\u00b2", "9223372036854775808",
                "18446744073709551617", "99999999999999999999999", "1.0", "a");
    }

    /** A line with one element (command, name or number) long enough to be over any small limit. */
    private static Arbitrary<String> longLine() {
        Arbitrary<Integer> length = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(250, 262)),
                Tuple.of(2, Arbitraries.integers().between(263, 1200)));
        Arbitrary<String> digits = Combinators.combine(Arbitraries.integers().between(0, 2000),
                        Arbitraries.strings().numeric().ofMinLength(0).ofMaxLength(24))
                .as((zeros, rest) -> "0".repeat(zeros) + rest);
        Arbitrary<String> longName = Combinators.combine(length, Arbitraries.of('a', 'Z', '9', '.', '-', '_'))
                .as((n, c) -> String.valueOf(c).repeat(n));
        Arbitrary<String> longBad = Combinators.combine(length, Arbitraries.of('/', ' ', '\t', '\u0000', '\u00ff'))
                .as((n, c) -> "a".repeat(n - 1) + c);
        Arbitrary<String> number = numbers();
        Arbitrary<String> name = names();
        return Arbitraries.oneOf(
                longName.map(n -> "get_metadata " + n),
                longBad.map(n -> "get_metadata " + n),
                Combinators.combine(longName, number, number, Arbitraries.of("", " raw"))
                        .as((n, o, s, raw) -> "get_slice " + n + " " + o + " " + s + raw),
                Combinators.combine(name, digits, number).as((n, o, s) -> "get_slice " + n + " " + o + " " + s),
                Combinators.combine(name, number, digits, Arbitraries.of("", " raw", " rawx"))
                        .as((n, o, s, raw) -> "get_slice " + n + " " + o + " " + s + raw),
                longName.map(c -> c),
                longName.map(c -> "get_file_listing" + c.toLowerCase()),
                Combinators.combine(longName, Arbitraries.integers().between(0, 8))
                        .as((n, count) -> "get_metadata" + " x".repeat(count) + " " + n),
                length.map(n -> " ".repeat(n)),
                Combinators.combine(length, Arbitraries.integers().between(1, 7))
                        .as((n, count) -> "get_slice" + (" " + "1".repeat(n / count)).repeat(count)));
    }

    /** Lines whose length (or one element's) is within a few bytes of the limit, made for a given limit. */
    private static Arbitrary<IntFunction<byte[]>> aroundLimit() {
        Arbitrary<Integer> delta = Arbitraries.integers().between(-3, 3);
        Arbitrary<String> prefix = Arbitraries.of("get_metadata ", "get_slice a 0 ", "get_slice ", "", " ",
                "get_metadata x", "quit");
        Arbitrary<Character> fill = Arbitraries.of('a', '0', '.', ' ', '/', '\r', '\u00e9');
        Arbitrary<String> terminator = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just("\r\n")), Tuple.of(1, Arbitraries.of("\n", "\r\r\n", " \r\n")));
        Arbitrary<String> suffix = Arbitraries.of("", " 0", " 0 0", " raw", " 1 2 raw");
        return Combinators.combine(prefix, fill, delta, suffix, terminator).as((p, c, d, s, t) -> limit -> {
            int n = Math.max(0, limit + d - p.length() - s.length());
            return bytes(p + String.valueOf(c).repeat(n) + s + t);
        });
    }

    private static Arbitrary<byte[]> oddlyEnded(Arbitrary<String> line) {
        return Combinators.combine(line, Arbitraries.of("\n", "\r\r\n", "\n\r\n", "\r\n\n", "\r \n"))
                .as((l, end) -> bytes(l + end));
    }

    /** Bytes drawn mostly from those that matter to a decoder, with LFs among them. */
    private static Arbitrary<byte[]> randomBytes() {
        Arbitrary<Byte> special = Arbitraries.of((byte) '\r', (byte) '\n', (byte) ' ', (byte) 0, (byte) 0x7f,
                (byte) 0x80, (byte) 0xff, (byte) '0', (byte) 'a', (byte) '\t');
        Arbitrary<Byte> any = Arbitraries.frequencyOf(
                Tuple.of(3, special), Tuple.of(2, Arbitraries.bytes()),
                Tuple.of(2, Arbitraries.bytes().between((byte) 'a', (byte) 'z')));
        return any.list().ofMaxSize(60).map(list -> {
            byte[] bytes = new byte[list.size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = list.get(i);
            }
            return bytes;
        });
    }

    /** A line changed by one to four byte flips, insertions, deletions or duplications. */
    static Arbitrary<byte[]> mutated(Arbitrary<byte[]> lines) {
        return Combinators.combine(lines, mutations()).as(HftpDecoderProperties::mutate);
    }

    private static Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> mutation = Combinators.combine(
                Arbitraries.of(MutationKind.values()),
                Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.frequencyOf(
                        Tuple.of(4, Arbitraries.of((byte) '\r', (byte) '\n', (byte) ' ', (byte) 0)),
                        Tuple.of(2, Arbitraries.bytes().between((byte) 0x80, (byte) 0xff)),
                        Tuple.of(1, Arbitraries.bytes()))).as(Mutation::new);
        return mutation.list().ofMinSize(1).ofMaxSize(4);
    }

    private static byte[] mutate(byte[] line, List<Mutation> mutations) {
        byte[] result = line;
        for (Mutation m : mutations) {
            result = m.apply(result);
        }
        return result;
    }

    enum MutationKind { FLIP, INSERT, DELETE, DUPLICATE }

    /** One change at a position (taken modulo the length), with a byte to write or insert. */
    record Mutation(MutationKind kind, int at, int span, byte value) {
        byte[] apply(byte[] in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 16);
            int n = in.length;
            switch (kind) {
                case FLIP:
                    if (n == 0) {
                        return new byte[] {value};
                    }
                    byte[] flipped = in.clone();
                    flipped[at % n] = value;
                    return flipped;
                case INSERT:
                    int i = at % (n + 1);
                    out.write(in, 0, i);
                    out.write(value);
                    out.write(in, i, n - i);
                    return out.toByteArray();
                case DELETE:
                    if (n == 0) {
                        return in;
                    }
                    int d = at % n;
                    out.write(in, 0, d);
                    out.write(in, d + 1, n - d - 1);
                    return out.toByteArray();
                case DUPLICATE:
                default:
                    if (n == 0) {
                        return in;
                    }
                    int from = at % n;
                    int to = from + 1 + span % Math.min(16, n - from);
                    out.write(in, 0, to);
                    out.write(in, from, to - from);
                    out.write(in, to, n - to);
                    return out.toByteArray();
            }
        }
    }

    private static byte[] crlf(String line) {
        return bytes(line + "\r\n");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] beforeFirstLf(byte[] line) {
        for (int i = 0; i < line.length; i++) {
            if (line[i] == LF) {
                byte[] head = new byte[i];
                System.arraycopy(line, 0, head, 0, i);
                return head;
            }
        }
        return line;
    }
}
