package dev.hftp.it;

import dev.hftp.it.ServerFuzzIT.Session;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The sessions of {@link ServerFuzzIT}: what one connection sends, drawn from a {@link SplittableRandom} seeded
 * with one {@code long}, so that the seed alone gives back the same session, byte for byte.
 *
 * <p>Every choice is drawn in a fixed order from that one generator. Weights ({@link #frequency}) and
 * alternatives ({@link #oneOf}, {@link #pick}) are as written below; numbers, sizes and lengths are drawn
 * uniformly from their ranges, each inclusive; a character of a string uniformly from its alphabet. These are
 * the generators of the former property-based version, weight for weight and range for range; where the former library drew numbers
 * in a range unevenly (more small ones), these draw them evenly: a burst, for one, has 50 requests on average,
 * so a sequence gets about 10 replies where it got 7.5 (the replies of every other kind are as many).
 */
final class SessionGenerator {

    private static final String CRLF = "\r\n";

    /** Names that requests use: the served files, then names that are not served files. */
    static final List<String> NAMES = List.of("a.txt", "empty", "bin.dat", "big.bin", "x",
            "sub", ".", "..", "nope", "A.TXT", "a.tx", "a.txt.");
    private static final List<String> COMMANDS = List.of("get_file_listing", "get_metadata", "get_slice", "help",
            "quit");
    private static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
    private static final String COMMAND_CHARS = "abcdefghijklmnopqrstuvwxyz_";
    private static final byte[] SPECIAL_BYTES = {'\r', '\n', ' ', 0, (byte) 0x80, (byte) 0xff, 'a', '0'};

    private final Map<String, byte[]> files;
    private final int servers;
    private final SplittableRandom random;

    private SessionGenerator(Map<String, byte[]> files, int servers, long seed) {
        this.files = files;
        this.servers = servers;
        this.random = new SplittableRandom(seed);
    }

    /**
     * The session of a seed: to which of {@code servers} servers, the bytes (up to 10 items), the chunk sizes
     * (1 to 6) and the pause. Slices are drawn around the sizes of {@code files}, the served files.
     */
    static Session session(long seed, Map<String, byte[]> files, int servers) {
        return new SessionGenerator(files, servers, seed).session();
    }

    private Session session() {
        int server = between(0, servers - 1);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (byte[] item : list(0, 10, this::item)) {
            stream.writeBytes(item);
        }
        List<Integer> cuts = list(1, 6, () -> frequency(
                w(5, () -> between(1, 8)),
                w(3, () -> between(9, 500)),
                w(2, () -> 1 << 20)));
        int pauseEvery = frequency(
                w(8, () -> 0),
                w(1, () -> between(1, 4)));
        return new Session(server, stream.toByteArray(), List.copyOf(cuts), pauseEvery);
    }

    /** One item of a session: a line with its end, a burst of lines, or random bytes. */
    private byte[] item() {
        return frequency(
                w(10, () -> ascii(validLine() + CRLF)),
                w(3, () -> ascii(invalidLine() + CRLF)),
                w(3, () -> mutated(ascii(oneOf(this::validLine, this::invalidLine) + CRLF))),
                w(1, this::oddlyEnded),
                w(1, this::randomBytes),
                w(2, () -> ascii(longLine() + CRLF)),
                w(1, this::burst));
    }

    // ---------------------------------------------------------------- lines

    /** A request that the contract answers with success or a 2xx, most often about a served file. */
    private String validLine() {
        return frequency(
                w(1, () -> pick("get_file_listing", "help")),
                w(3, () -> "get_metadata " + name()),
                w(6, this::slice),
                w(1, () -> {
                    String name = name();
                    String offset = numberText();
                    String size = numberText();
                    return "get_slice " + name + " " + offset + " " + size + pick("", " raw");
                }));
    }

    /** A slice of a name of {@link #NAMES}, its offset and size around the file's length (50 if not a file). */
    private String slice() {
        String file = pick(NAMES);
        int a = between(0, 1 << 20);
        int b = between(0, 1 << 20);
        String raw = pick("", "", " raw");
        int style = pick(0, 0, 0, 1, 2);
        byte[] content = files.get(file);
        int length = content == null ? 50 : content.length;
        // Offsets and sizes around the file's length, so that 203 and its edge come often.
        long offset = a % (length + 3);
        long size = b % (length + 3 - Math.min(offset, length));
        return "get_slice " + file + " " + styled(offset, style) + " " + styled(size, style) + raw;
    }

    private static String styled(long value, int style) {
        switch (style) {
            case 1:
                return "000" + value;
            case 2:
                return "0".repeat(17) + value;
            default:
                return Long.toString(value);
        }
    }

    private String name() {
        return frequency(
                w(6, () -> pick(NAMES)),
                w(2, () -> string(NAME_CHARS, 1, 10)),
                w(1, () -> "n".repeat(between(253, 258))));
    }

    private String numberText() {
        return oneOf(
                () -> String.valueOf(between(0, 300)),
                () -> pick(String.valueOf(Long.MAX_VALUE), "9223372036854775808", "18446744073709551617",
                        "-1", "+5", "1_000", "", "0x10", "1e3", " 5"));
    }

    /** Wrong commands, counts, names and spacing. */
    private String invalidLine() {
        return frequency(
                w(4, () -> {
                    String command = oneOf(
                            () -> pick(COMMANDS),
                            () -> pick("GET_FILE_LISTING", "Help", "get_slic", "get-metadata", "list", "\u0000", "",
                                    "quit\t", "\u007f"),
                            () -> string(COMMAND_CHARS, 1, 16));
                    List<String> args = list(0, 5, () -> oneOf(
                            this::name,
                            this::numberText,
                            () -> pick("", "raw", "rawx", "a/b", "..", "caf\u00e9", "x\ty", "~", "\u0000")));
                    return args.isEmpty() ? command : command + " " + String.join(" ", args);
                }),
                w(1, () -> validLine().replace(" ", "  ")),
                w(1, () -> " " + validLine()),
                w(1, () -> validLine() + " "),
                w(1, () -> validLine().replace(' ', '\t')),
                w(1, () -> string(" ", 0, 3)));
    }

    /** Lines with one element long enough to be over the small limits, some of them valid requests. */
    private String longLine() {
        return oneOf(
                () -> "get_metadata " + "f".repeat(longLength()),
                () -> "get_metadata " + "f".repeat(longLength()) + "/",
                () -> {
                    String file = pick(NAMES);
                    String zeros1 = "0".repeat(longLength());
                    int offset = between(0, 60);
                    String zeros2 = "0".repeat(longLength());
                    int size = between(0, 60);
                    return "get_slice " + file + " " + zeros1 + offset + " " + zeros2 + size + pick("", " raw");
                },
                () -> {
                    String file = pick(NAMES);
                    return "get_slice " + file + " 0 " + "0".repeat(longLength()) + "99999999999999999999";
                },
                () -> "get_file_listing" + "g".repeat(longLength()),
                () -> "help " + "h".repeat(longLength()),
                () -> " ".repeat(longLength()),
                () -> "get_metadata a.txt " + "z".repeat(longLength()),
                () -> "get_slice a.txt 0 1 raw" + " ".repeat(longLength()));
    }

    private int longLength() {
        return frequency(
                w(3, () -> between(250, 260)),
                w(1, () -> between(261, 3000)));
    }

    /** A slice followed at once by many small requests, more than any held-request limit. */
    private byte[] burst() {
        String slice = pick("get_slice big.bin 0 100000", "get_slice bin.dat 0 256 raw", "get_slice a.txt 0 41");
        String request = pick("help", "get_metadata a.txt", "get_slice x 0 1", "get_slice a.txt 1 3 raw",
                "get_metadata nope", "nope", "get_file_listing");
        int count = between(1, 100);
        return ascii(slice + CRLF + (request + CRLF).repeat(count));
    }

    private byte[] oddlyEnded() {
        String line = oneOf(this::validLine, this::invalidLine);
        return ascii(line + pick("\n", "\r\r\n", "\n\r\n", "\r \n"));
    }

    private byte[] randomBytes() {
        byte[] bytes = new byte[between(0, 40)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = oneOf(() -> SPECIAL_BYTES[between(0, SPECIAL_BYTES.length - 1)], this::anyByte);
        }
        return bytes;
    }

    /** A line changed by one to three byte flips, insertions (of CR, LF, space, NUL, non-ASCII), deletions or duplications. */
    private byte[] mutated(byte[] line) {
        byte[] result = line;
        int mutations = between(1, 3);
        for (int m = 0; m < mutations; m++) {
            int kind = between(0, 3);
            int at = between(0, Integer.MAX_VALUE);
            int span = between(0, 15);
            byte value = frequency(
                    w(4, () -> pick((byte) '\r', (byte) '\n', (byte) ' ', (byte) 0)),
                    w(2, () -> (byte) between(0x80, 0xff)),
                    w(1, this::anyByte));
            result = mutate(result, kind, at, span, value);
        }
        return result;
    }

    private static byte[] mutate(byte[] in, int kind, int at, int span, byte value) {
        int n = in.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 16);
        if (n == 0) {
            return kind == 2 ? in : new byte[] {value};
        }
        int i = at % n;
        switch (kind) {
            case 0:
                byte[] flipped = in.clone();
                flipped[i] = value;
                return flipped;
            case 1:
                out.write(in, 0, i);
                out.write(value);
                out.write(in, i, n - i);
                return out.toByteArray();
            case 2:
                out.write(in, 0, i);
                out.write(in, i + 1, n - i - 1);
                return out.toByteArray();
            default:
                int to = Math.min(n, i + 1 + span);
                out.write(in, 0, to);
                out.write(in, i, to - i);
                out.write(in, to, n - to);
                return out.toByteArray();
        }
    }

    // ---------------------------------------------------------------- drawing

    /** Uniformly from {@code min} to {@code max}, both included. */
    private int between(int min, int max) {
        return (int) random.nextLong(min, (long) max + 1);
    }

    private byte anyByte() {
        return (byte) between(0, 255);
    }

    /** One of the values, each as likely (a value given twice is twice as likely). */
    @SafeVarargs
    private <T> T pick(T... values) {
        return values[between(0, values.length - 1)];
    }

    private <T> T pick(List<T> values) {
        return values.get(between(0, values.size() - 1));
    }

    /** One of the alternatives, each as likely, then drawn. */
    @SafeVarargs
    private <T> T oneOf(Supplier<? extends T>... alternatives) {
        return alternatives[between(0, alternatives.length - 1)].get();
    }

    /** An alternative of {@link #frequency} and its weight. */
    private record Weighted<T>(int weight, Supplier<? extends T> alternative) {
    }

    private static <T> Weighted<T> w(int weight, Supplier<? extends T> alternative) {
        return new Weighted<>(weight, alternative);
    }

    /** One of the alternatives, each as likely as its weight, then drawn. */
    @SafeVarargs
    private <T> T frequency(Weighted<? extends T>... alternatives) {
        int total = 0;
        for (Weighted<? extends T> alternative : alternatives) {
            total += alternative.weight();
        }
        int drawn = between(0, total - 1);
        for (Weighted<? extends T> alternative : alternatives) {
            drawn -= alternative.weight();
            if (drawn < 0) {
                return alternative.alternative().get();
            }
        }
        throw new AssertionError("unreachable");
    }

    /** {@code min} to {@code max} elements, as many of each size. */
    private <T> List<T> list(int min, int max, Supplier<? extends T> element) {
        int size = between(min, max);
        List<T> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            list.add(element.get());
        }
        return list;
    }

    private String string(String alphabet, int minLength, int maxLength) {
        char[] chars = new char[between(minLength, maxLength)];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = alphabet.charAt(between(0, alphabet.length() - 1));
        }
        return new String(chars);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
