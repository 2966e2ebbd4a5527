package dev.hftp.codec;

import dev.hftp.codec.testing.RequestModel;
import dev.hftp.codec.testing.Gen;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

import static dev.hftp.codec.testing.RequestModel.NAME_MAX;

/**
 * Random request inputs for {@link RequestDecoderCheck}, aimed at the edges of the contract: valid and invalid
 * lines, oddly ended and mutated lines, random bytes, long elements, and lines made for the drawn limit
 * (within a few bytes of it, or of the 256 bytes that an over-long line keeps of each element).
 */
final class RequestInputs {

    private static final byte LF = '\n';
    private static final List<String> COMMANDS = List.of("get_file_listing", "get_metadata", "get_slice", "help", "quit");
    private static final String NAME_CHARS = Gen.range('a', 'z') + Gen.range('A', 'Z') + Gen.range('0', '9') + ".-_";
    private static final String LATIN1 = Gen.range('\u0000', '\u00ff');

    private RequestInputs() { }

    /** One to eight lines of every kind, sometimes followed by the start of one more. */
    static final Gen<RequestInput> ANY = random -> {
        Gen<byte[]> line = Gen.<byte[]>frequency()
                .with(3, validLine().map(RequestInputs::crlf))
                .with(3, invalidLine().map(RequestInputs::crlf))
                .with(2, oddlyEnded(Gen.oneOf(validLine(), invalidLine())))
                .with(5, mutated(Gen.<String>oneOf(validLine(), invalidLine()).map(RequestInputs::crlf)))
                .with(2, randomBytes())
                .with(1, longLine().map(RequestInputs::crlf));
        return new RequestInput(stream(line).next(random), limits().next(random), cuts().next(random));
    };

    /** One to four lines near the drawn limit or long, sometimes followed by the start of one more. */
    static final Gen<RequestInput> OVERLONG = random -> {
        Gen<IntFunction<byte[]>> line = Gen.<IntFunction<byte[]>>frequency()
                .with(4, aroundLimit())
                .with(2, r -> {
                    IntFunction<byte[]> f = aroundLimit().next(r);
                    List<Mutation> m = mutations().next(r);
                    return limit -> mutate(f.apply(limit), m);
                })
                .with(3, fixed(longLine().map(RequestInputs::crlf)))
                .with(2, fixed(mutated(longLine().map(RequestInputs::crlf))))
                .with(1, fixed(oddlyEnded(longLine())))
                .with(1, fixed(validLine().map(RequestInputs::crlf)));
        int limit = limits().next(random);
        List<IntFunction<byte[]>> lines = line.list(1, 4).next(random);
        IntFunction<byte[]> last = line.next(random);
        boolean withTail = random.nextInt(4) == 0;
        List<Integer> cuts = cuts().next(random);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        lines.forEach(f -> out.writeBytes(f.apply(limit)));
        if (withTail) {
            out.writeBytes(beforeFirstLf(last.apply(limit)));
        }
        return new RequestInput(out.toByteArray(), limit, cuts);
    };

    private static Gen<IntFunction<byte[]>> fixed(Gen<byte[]> lines) {
        return lines.map(line -> limit -> line);
    }

    private static Gen<byte[]> stream(Gen<byte[]> line) {
        Gen<byte[]> tail = Gen.<byte[]>frequency()
                .with(3, Gen.just(new byte[0]))
                .with(1, line.map(RequestInputs::beforeFirstLf));
        return random -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            line.list(1, 8).next(random).forEach(out::writeBytes);
            out.writeBytes(tail.next(random));
            return out.toByteArray();
        };
    }

    /** Small limits (even 1), limits near a kept element (256 bytes) and the length of valid requests. */
    static Gen<Integer> limits() {
        return Gen.<Integer>frequency()
                .with(3, Gen.ints(1, 24))
                .with(3, Gen.ints(25, 300))
                .with(1, Gen.ints(250, 265))
                .with(1, Gen.of(512, 1024));
    }

    /** Chunk sizes, used in turn: often one byte at a time or a few, sometimes all at once. */
    static Gen<List<Integer>> cuts() {
        return Gen.<Integer>frequency()
                .with(6, Gen.ints(1, 8))
                .with(3, Gen.ints(9, 300))
                .with(1, Gen.just(1 << 20)).list(1, 8);
    }

    static Gen<String> validLine() {
        Gen<String> name = names();
        Gen<String> number = numbers();
        Gen<String> raw = Gen.of("", " raw");
        return Gen.<String>frequency()
                .with(1, Gen.of("get_file_listing", "help", "quit"))
                .with(2, name.map(n -> "get_metadata " + n))
                .with(3, r -> "get_slice " + name.next(r) + " " + number.next(r) + " " + number.next(r) + raw.next(r));
    }

    /** Wrong commands, counts, names, numbers and spacing, but well ended. */
    static Gen<String> invalidLine() {
        Gen<String> name = names();
        Gen<String> number = numbers();
        Gen<String> anyWord = Gen.oneOf(name, badNames(), badNumbers(), Gen.of("", "raw"));
        Gen<String> command = Gen.oneOf(Gen.of(COMMANDS),
                Gen.of("GET_FILE_LISTING", "Help", "quit\t", "get_slic", "get_slices", "get-metadata",
                        "\u0000quit", "", "q", "list", "\u007f"),
                Gen.strings(Gen.range('a', 'z') + "_", 0, 17));
        Gen<String> numberOrNot = Gen.oneOf(number, badNumbers());
        Gen<String> rawOrNot = Gen.of("", " raw", " rawx", " RAW", " raw raw", " ");
        return Gen.<String>frequency()
                // A command with any number of any words.
                .with(4, r -> {
                    String c = command.next(r);
                    List<String> args = anyWord.list(0, 6).next(r);
                    return args.isEmpty() ? c : c + " " + String.join(" ", args);
                })
                .with(2, r -> "get_slice " + badNames().next(r) + " " + number.next(r) + " " + number.next(r))
                .with(2, r -> "get_slice " + name.next(r) + " " + numberOrNot.next(r) + " " + numberOrNot.next(r)
                        + rawOrNot.next(r))
                .with(1, badNames().map(n -> "get_metadata " + n))
                .with(1, validLine().map(l -> l.replace(" ", "  ")))
                .with(1, validLine().map(l -> " " + l))
                .with(1, validLine().map(l -> l + " "))
                .with(1, Gen.strings(" ", 0, 4));
    }

    static Gen<String> names() {
        return Gen.<String>frequency()
                .with(3, Gen.of("a.txt", "empty", "bin.dat", "x", ".", "..", "sub", "-", "_", "A"))
                .with(3, Gen.strings(NAME_CHARS, 1, 12))
                .with(1, Gen.ints(NAME_MAX - 2, NAME_MAX + 3).map("n"::repeat));
    }

    private static Gen<String> badNames() {
        return Gen.oneOf(
                Gen.of("a/b", "../x", "a b", "caf\u00e9", "x\ty", "semi;colon", "~", "a\u0000", "a\r"),
                Gen.strings(LATIN1, 1, 8));
    }

    static Gen<String> numbers() {
        return Gen.<String>frequency()
                .with(4, Gen.longs(0, 100).map(String::valueOf))
                .with(1, Gen.longs(0, 100).map(v -> "000" + v))
                .with(1, Gen.of(String.valueOf(Long.MAX_VALUE), "09223372036854775807", "0", "4611686018427387904"))
                .with(1, r -> String.valueOf(Math.abs(r.nextLong() % Long.MAX_VALUE)));
    }

    private static Gen<String> badNumbers() {
        return Gen.of("-1", "+5", "1_000", "", " 5", "5 ", "1e3", "0x10", "\u00b2", "9223372036854775808",
                "18446744073709551617", "99999999999999999999999", "1.0", "a");
    }

    /** A line with one element (command, name or number) long enough to be over any small limit. */
    private static Gen<String> longLine() {
        Gen<Integer> length = Gen.<Integer>frequency().with(3, Gen.ints(250, 262)).with(2, Gen.ints(263, 1200));
        Gen<String> digits = r -> "0".repeat(r.nextInt(0, 2001)) + Gen.strings(Gen.range('0', '9'), 0, 24).next(r);
        Gen<String> longName = r -> {
            int n = length.next(r);
            return String.valueOf(Gen.of('a', 'Z', '9', '.', '-', '_').next(r)).repeat(n);
        };
        Gen<String> longBad = r -> {
            int n = length.next(r);
            return "a".repeat(n - 1) + Gen.of('/', ' ', '\t', '\u0000', '\u00ff').next(r);
        };
        Gen<String> number = numbers();
        Gen<String> name = names();
        return Gen.oneOf(
                longName.map(n -> "get_metadata " + n),
                longBad.map(n -> "get_metadata " + n),
                r -> "get_slice " + longName.next(r) + " " + number.next(r) + " " + number.next(r)
                        + Gen.of("", " raw").next(r),
                r -> "get_slice " + name.next(r) + " " + digits.next(r) + " " + number.next(r),
                r -> "get_slice " + name.next(r) + " " + number.next(r) + " " + digits.next(r)
                        + Gen.of("", " raw", " rawx").next(r),
                longName,
                longName.map(c -> "get_file_listing" + c.toLowerCase()),
                r -> {
                    String n = longName.next(r);
                    return "get_metadata" + " x".repeat(r.nextInt(0, 9)) + " " + n;
                },
                length.map(" "::repeat),
                r -> {
                    int n = length.next(r);
                    int count = r.nextInt(1, 8);
                    return "get_slice" + (" " + "1".repeat(n / count)).repeat(count);
                });
    }

    /** Lines whose length (or one element's) is within a few bytes of the limit, made for a given limit. */
    private static Gen<IntFunction<byte[]>> aroundLimit() {
        Gen<String> prefix = Gen.of("get_metadata ", "get_slice a 0 ", "get_slice ", "", " ", "get_metadata x", "quit");
        Gen<Character> fill = Gen.of('a', '0', '.', ' ', '/', '\r', '\u00e9');
        Gen<String> terminator = Gen.<String>frequency()
                .with(6, Gen.just("\r\n")).with(1, Gen.of("\n", "\r\r\n", " \r\n"));
        Gen<String> suffix = Gen.of("", " 0", " 0 0", " raw", " 1 2 raw");
        return r -> {
            String p = prefix.next(r);
            char c = fill.next(r);
            int d = r.nextInt(-3, 4);
            String s = suffix.next(r);
            String t = terminator.next(r);
            return limit -> {
                int n = Math.max(0, limit + d - p.length() - s.length());
                return bytes(p + String.valueOf(c).repeat(n) + s + t);
            };
        };
    }

    private static Gen<byte[]> oddlyEnded(Gen<String> line) {
        Gen<String> end = Gen.of("\n", "\r\r\n", "\n\r\n", "\r\n\n", "\r \n");
        return r -> bytes(line.next(r) + end.next(r));
    }

    /** Bytes drawn mostly from those that matter to a decoder, with LFs among them. */
    private static Gen<byte[]> randomBytes() {
        Gen<Byte> special = Gen.of((byte) '\r', (byte) '\n', (byte) ' ', (byte) 0, (byte) 0x7f,
                (byte) 0x80, (byte) 0xff, (byte) '0', (byte) 'a', (byte) '\t');
        Gen<Byte> any = Gen.<Byte>frequency()
                .with(3, special)
                .with(2, r -> (byte) r.nextInt(256))
                .with(2, r -> (byte) r.nextInt('a', 'z' + 1));
        return any.list(0, 60).map(list -> {
            byte[] bytes = new byte[list.size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = list.get(i);
            }
            return bytes;
        });
    }

    /** A line changed by one to four byte flips, insertions, deletions or duplications. */
    private static Gen<byte[]> mutated(Gen<byte[]> lines) {
        return r -> mutate(lines.next(r), mutations().next(r));
    }

    private static Gen<List<Mutation>> mutations() {
        Gen<Byte> value = Gen.<Byte>frequency()
                .with(4, Gen.of((byte) '\r', (byte) '\n', (byte) ' ', (byte) 0))
                .with(2, r -> (byte) r.nextInt(0x80, 0x100))
                .with(1, r -> (byte) r.nextInt(256));
        Gen<Mutation> mutation = r -> new Mutation(Gen.of(MutationKind.values()).next(r),
                r.nextInt(Integer.MAX_VALUE), r.nextInt(Integer.MAX_VALUE), value.next(r));
        return mutation.list(1, 4);
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

    static byte[] crlf(String line) {
        return bytes(line + "\r\n");
    }

    static byte[] bytes(String text) {
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
