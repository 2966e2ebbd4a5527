package dev.hftp.it;

import dev.hftp.codec.testing.FuzzTries;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import io.netty.util.internal.logging.InternalLoggerFactory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static dev.hftp.it.HftpTestClient.escape;

/**
 * Fuzzing of a live server over real sockets: random and mutated request sequences, written in chunks cut
 * at random points (sometimes with pauses), each on a new connection to one of three servers (default limits;
 * a line limit of 40 bytes, 48-byte chunks, a 64-byte write buffer and two held requests at most; a line limit of one byte, so every
 * line is over-long). The whole byte stream received must be exactly what {@link #expectedReplies} says: one
 * reply per request, in order, each a status line of the contract's table and the right body; after a fatal
 * status (1xx) or {@code quit} the server closes the connection and sends nothing more. Nothing may be logged
 * at WARN or above (nor any exception) by the server or Netty meanwhile, and no buffer may leak.
 *
 * <p>Every sequence ends with {@code quit} (after a CRLF that ends a partial last line), so that every
 * connection must be closed by the server, and is sent up to the line that closes the connection. Two variants
 * are disabled while they find production bugs (see each): requests sent past the closing line, and a client
 * that half-closes instead of quitting. The model is written from {@code shared/HFTP.md} and
 * {@code docs/PROTOCOL.md} only: it shares no code with the server or its codec.
 *
 * <p>Tries: {@code hftp.fuzz.server.tries} (200 in {@code mvn verify}); sequences stop being sent after
 * {@code hftp.fuzz.server.seconds} (the remaining tries pass at once), so a long run ({@code -Pfuzz}) is bounded
 * in count and in time.
 */
class ServerFuzzIT {

    private static final String TRIES = "hftp.fuzz.server.tries";
    private static final int QUICK_TRIES = 200;
    private static final String SECONDS = "hftp.fuzz.server.seconds";

    /** The status lines of the contract's table (HFTP.md), code to message. */
    private static final Map<Integer, String> STATUS = Map.of(
            0, "OK", 100, "BAD EOL", 101, "BAD REQUEST", 199, "INTERNAL SERVER ERROR", 200, "NO SUCH COMMAND",
            201, "INVALID ARGUMENTS FOR COMMAND", 202, "FILE NOT FOUND", 203, "OFFSET EXCEEDS FILE SIZE");
    private static final List<String> HELP = List.of("get_file_listing", "get_metadata", "get_slice", "help", "quit");
    private static final String CRLF = "\r\n";

    /** Names that requests use: the served files, then names that are not served files. */
    private static final List<String> NAMES = List.of("a.txt", "empty", "bin.dat", "big.bin", "x",
            "sub", ".", "..", "nope", "A.TXT", "a.tx", "a.txt.");

    private static Path dir;
    /** The served files, by name: what the model answers from. */
    private static final Map<String, byte[]> FILES = new TreeMap<>();
    private static final List<HftpServer> SERVERS = new ArrayList<>();
    private static final List<String> SERVER_NAMES = List.of(
            "defaults", "line limit 40, 2 held requests, 48-byte chunks, 64-byte write buffer", "line limit 1");
    private static LogCapture logs;
    private static ExecutorService readers;

    private long deadline;
    private long started;
    private String mode = "";
    /** What a run covered: sequences, requests, bytes, replies per status code; printed after each property. */
    private final Map<String, Long> figures = new TreeMap<>();

    // ---------------------------------------------------------------- servers, logs

    @BeforeContainer
    static void startServers() throws IOException {
        logs = LogCapture.attach();
        dir = Files.createTempDirectory("hftp-fuzz");
        Random random = new Random(19500);
        byte[] bin = new byte[256];
        for (int i = 0; i < bin.length; i++) {
            bin[i] = (byte) i;
        }
        byte[] big = new byte[100_000];
        random.nextBytes(big);
        FILES.put("a.txt", "!Que calor que hace hoy, pinta una birra!".getBytes(StandardCharsets.US_ASCII));
        FILES.put("empty", new byte[0]);
        FILES.put("bin.dat", bin);
        FILES.put("big.bin", big);
        FILES.put("x", "x".getBytes(StandardCharsets.US_ASCII));
        for (Map.Entry<String, byte[]> file : FILES.entrySet()) {
            Files.write(dir.resolve(file.getKey()), file.getValue());
        }
        Files.createDirectory(dir.resolve("sub"));
        Files.write(dir.resolve("sub").resolve("inner"), new byte[] {1});
        SERVERS.add(new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start());
        SERVERS.add(new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0)
                .maxLineLength(40).maxPendingRequests(2).chunkSize(48).writeBufferHighWaterMark(64).start());
        SERVERS.add(new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).maxLineLength(1).start());
        readers = Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "fuzz-reader");
            thread.setDaemon(true);
            return thread;
        });
    }

    @AfterContainer
    static void stopServers() throws IOException {
        try {
            SERVERS.forEach(HftpServer::close);
            SERVERS.clear();
            if (readers != null) {
                readers.shutdownNow();
            }
            if (dir != null) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(path);
                    }
                }
            }
        } finally {
            if (logs != null) {
                List<String> events = logs.detach();
                if (!events.isEmpty()) {
                    throw new AssertionError("logged at WARN or above, or with an exception, while the servers ran "
                            + "or closed:\n" + String.join("\n", events));
                }
            }
        }
    }

    @BeforeProperty
    void startClock() {
        figures.clear();
        started = System.nanoTime();
        deadline = started + TimeUnit.SECONDS.toNanos(Long.getLong(SECONDS, 60));
    }

    @AfterProperty
    void report() {
        System.out.printf("ServerFuzzIT %s: %s in %.1f s%n", mode, figures, (System.nanoTime() - started) / 1e9);
    }

    // ---------------------------------------------------------------- the property

    /** How a client ends its sequence. */
    enum Ending {
        /** Sends up to the line that closes the connection (a fatal one, or the final {@code quit}), no further. */
        AT_THE_CLOSING_LINE,
        /** Sends the whole sequence, then {@code quit}: requests may follow the line that closes. */
        PAST_THE_CLOSING_LINE,
        /** Sends the whole sequence, then shuts its side down ({@code shutdownOutput()}), then reads. */
        HALF_CLOSE
    }

    /**
     * Sequences that end with {@code quit}, sent up to the line that closes the connection: every request gets
     * its reply, in order, then the server closes and sends nothing more.
     */
    @Property(edgeCases = EdgeCasesMode.NONE)
    @FuzzTries(property = TRIES, byDefault = QUICK_TRIES)
    void everyRequestGetsItsReplyInOrder(@ForAll("sessions") Session session) throws Exception {
        exchange(session, Ending.AT_THE_CLOSING_LINE);
    }

    /**
     * The same, with the requests that follow a fatal line sent too, as a pipelining client does: they get no
     * reply, and every reply before them arrives whole.
     *
     * <p>This is what the server's lingering close is for: closing a socket with client bytes still unread
     * makes the kernel send RST instead of FIN and drop replies not yet delivered. Found by the long run before
     * the lingering close (try 1,413, seed -6138317706355724058; shrunk: {@code get_slice big.bin 0
     * 100000\r\nhelp\r\nget_file_listing\nget_file_listing\r\n...}: the slice's reply was cut short).
     */
    @Property(edgeCases = EdgeCasesMode.NONE)
    @FuzzTries(property = TRIES, byDefault = QUICK_TRIES)
    void everyRequestGetsItsReplyEvenWithRequestsAfterTheClosingLine(@ForAll("sessions") Session session)
            throws Exception {
        exchange(session, Ending.PAST_THE_CLOSING_LINE);
    }

    /**
     * Sequences after which the client shuts its side down (a half-close, as {@code nc -N} or a client that
     * calls {@code shutdownOutput()} after its last request), then reads: every complete line still gets its
     * reply, in order (the course's sequential server answers each line it has read), and then the server
     * closes.
     *
     * <p>Found before the server allowed half-closure (seed -1705145525850549345; shrunk: {@code get_slice
     * a.txt 0 0\r\nget_file_listing\r\n} then {@code shutdownOutput()}: the listing never came back).
     */
    @Property(edgeCases = EdgeCasesMode.NONE)
    @FuzzTries(property = TRIES, byDefault = QUICK_TRIES)
    void everyRequestGetsItsReplyWhenTheClientHalfCloses(@ForAll("sessions") Session session) throws Exception {
        exchange(session, Ending.HALF_CLOSE);
    }

    private void exchange(Session session, Ending ending) throws Exception {
        if (System.nanoTime() > deadline) {
            count("skipped at the time limit", 1);
            return;
        }
        count("sequences", 1);
        mode = ending.name();
        boolean halfClose = ending == Ending.HALF_CLOSE;
        byte[] stream = halfClose ? session.bytes() : session.withQuit();
        List<Reply> expected = expectedReplies(stream);
        Reply closing = expected.isEmpty() || !expected.get(expected.size() - 1).closes()
                ? null : expected.get(expected.size() - 1);
        if (closing == null && !halfClose) {
            throw new AssertionError("the model must end every sequence with a close: " + expected);
        }
        if (ending == Ending.AT_THE_CLOSING_LINE) {
            stream = Arrays.copyOf(stream, closing.end());
        }
        HftpServer server = SERVERS.get(session.server());
        byte[] received;
        IOException writeFailure;
        int written;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
            socket.setSoTimeout(20_000);
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            Future<byte[]> reading = readers.submit(() -> readUntilClosed(in));
            OutputStream out = socket.getOutputStream();
            written = 0;
            writeFailure = null;
            int chunk = 0;
            try {
                while (written < stream.length) {
                    int length = chunk < 64
                            ? Math.min(session.cuts().get(chunk % session.cuts().size()), stream.length - written)
                            : stream.length - written;
                    out.write(stream, written, length);
                    out.flush();
                    written += length;
                    chunk++;
                    if (session.pauseEvery() > 0 && chunk % session.pauseEvery() == 0 && chunk <= 16) {
                        Thread.sleep(1);
                    }
                }
                if (halfClose) {
                    socket.shutdownOutput();
                }
            } catch (IOException e) {
                // The server closed: fine once it had the line that closes, and only then.
                writeFailure = e;
            }
            try {
                received = reading.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError(session + ": the server did not close the connection within 30 s");
            } catch (ExecutionException e) {
                throw new AssertionError(session + ": reading the replies failed: " + e.getCause(), e.getCause());
            }
        }
        count("bytes sent", written);
        count("bytes received", received.length);
        count("replies", expected.size());
        for (Reply reply : expected) {
            count("code " + reply.code(), 1);
        }
        if (writeFailure != null && (closing == null || written < closing.end())) {
            throw new AssertionError("the connection failed after " + written + " byte(s) sent, before a line that "
                    + "ends it: " + writeFailure + "; received " + abbreviate(escape(received)));
        }
        checkReplies(expected, received);
        List<String> events = logs.drain();
        if (!events.isEmpty()) {
            throw new AssertionError("logged at WARN or above, or with an exception:\n" + String.join("\n", events));
        }
    }

    private void count(String figure, long n) {
        figures.merge(figure, n, Long::sum);
    }

    /** The bytes received must be the expected replies, each whole, in order, and nothing after the last. */
    private static void checkReplies(List<Reply> expected, byte[] received) {
        int at = 0;
        for (int i = 0; i < expected.size(); i++) {
            Reply reply = expected.get(i);
            byte[] bytes = reply.bytes();
            int n = Math.min(bytes.length, received.length - at);
            if (n < bytes.length || !Arrays.equals(bytes, 0, n, received, at, at + n)) {
                byte[] got = Arrays.copyOfRange(received, at, Math.min(received.length, at + bytes.length + 64));
                throw new AssertionError("reply " + (i + 1) + " of " + expected.size() + ", to " + escape(reply.line())
                        + ": expected " + abbreviate(escape(bytes)) + " but received " + abbreviate(escape(got))
                        + (received.length - at < bytes.length ? " and the connection closed" : ""));
            }
            at += bytes.length;
        }
        if (at != received.length) {
            throw new AssertionError("after the " + expected.size() + " expected replies, the server sent more: "
                    + abbreviate(escape(Arrays.copyOfRange(received, at, received.length))));
        }
    }

    /** Reads until the server closes the connection (end of stream, or a reset). */
    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        try {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                received.write(buffer, 0, read);
            }
        } catch (SocketException e) {
            // A reset (the server closed with our later requests unread): the connection is closed too.
        }
        return received.toByteArray();
    }

    private static String abbreviate(String text) {
        return text.length() <= 400 ? text : text.substring(0, 400) + "...(" + text.length() + " chars)";
    }

    // ---------------------------------------------------------------- the model, from HFTP.md alone

    /**
     * One reply the contract requires: the request line it answers, ending at byte {@code end} of the stream,
     * the reply's bytes, and whether the server then closes the connection.
     */
    record Reply(byte[] line, int end, int code, byte[] bytes, boolean closes) {
        @Override
        public String toString() {
            return escape(line) + " -> " + abbreviate(escape(bytes)) + (closes ? " (closes)" : "");
        }
    }

    /** The replies to a byte stream: one per line (up to each LF), up to the first that closes the connection. */
    static List<Reply> expectedReplies(byte[] stream) {
        List<Reply> replies = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < stream.length; i++) {
            if (stream[i] == '\n') {
                byte[] line = Arrays.copyOfRange(stream, start, i + 1);
                start = i + 1;
                Reply reply = answer(line, start);
                replies.add(reply);
                if (reply.closes()) {
                    break;
                }
            }
        }
        return replies;
    }

    private static Reply answer(byte[] line, int end) {
        int n = line.length;
        if (n < 2 || line[n - 2] != '\r') {
            return status(line, end, 100);
        }
        boolean onlySpaces = true;
        for (int i = 0; i < n - 2; i++) {
            if (line[i] == '\r' || (line[i] & 0xff) > 0x7f) {
                return status(line, end, 101);
            }
            onlySpaces &= line[i] == ' ';
        }
        if (onlySpaces) {
            return status(line, end, 101);
        }
        String[] e = new String(line, 0, n - 2, StandardCharsets.US_ASCII).split(" ", -1);
        switch (e[0]) {
            case "get_file_listing":
                return e.length == 1 ? ok(line, end, lines(FILES.keySet())) : status(line, end, 201);
            case "help":
                return e.length == 1 ? ok(line, end, lines(HELP)) : status(line, end, 201);
            case "quit":
                return e.length == 1 ? new Reply(line, end, 0, ascii("0 OK" + CRLF), true) : status(line, end, 201);
            case "get_metadata":
                if (e.length != 2 || !isName(e[1])) {
                    return status(line, end, 201);
                }
                byte[] file = FILES.get(e[1]);
                return file == null ? status(line, end, 202) : ok(line, end, ascii(file.length + CRLF));
            case "get_slice":
                boolean raw = e.length == 5 && e[4].equals("raw");
                if (e.length != 4 && !raw || !isName(e[1]) || !isNumber(e[2]) || !isNumber(e[3])) {
                    return status(line, end, 201);
                }
                byte[] content = FILES.get(e[1]);
                if (content == null) {
                    return status(line, end, 202);
                }
                long offset = Long.parseLong(e[2]);
                long size = Long.parseLong(e[3]);
                if (BigInteger.valueOf(offset).add(BigInteger.valueOf(size)).compareTo(BigInteger.valueOf(content.length)) > 0) {
                    return status(line, end, 203);
                }
                byte[] slice = Arrays.copyOfRange(content, (int) offset, (int) (offset + size));
                if (raw) {
                    ByteArrayOutputStream body = new ByteArrayOutputStream();
                    body.writeBytes(ascii("Content-Length: " + size + CRLF + CRLF));
                    body.writeBytes(slice);
                    return ok(line, end, body.toByteArray());
                }
                return ok(line, end, ascii(Base64.getEncoder().encodeToString(slice) + CRLF));
            default:
                return status(line, end, 200);
        }
    }

    private static Reply status(byte[] line, int end, int code) {
        return new Reply(line, end, code, ascii(code + " " + STATUS.get(code) + CRLF), code >= 100 && code < 200);
    }

    private static Reply ok(byte[] line, int end, byte[] body) {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        reply.writeBytes(ascii("0 OK" + CRLF));
        reply.writeBytes(body);
        return new Reply(line, end, 0, reply.toByteArray(), false);
    }

    private static byte[] lines(Iterable<String> names) {
        StringBuilder body = new StringBuilder();
        names.forEach(name -> body.append(name).append(CRLF));
        return ascii(body.append(CRLF).toString());
    }

    private static boolean isName(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_');
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9')
                && new BigInteger(s).compareTo(BigInteger.valueOf(Long.MAX_VALUE)) <= 0;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- generators

    /**
     * What one connection sends: to which server, the bytes (before the final {@code quit}), the sizes of the
     * chunks they are written in (cycled; past 64 chunks the rest goes at once), and a 1 ms pause after every
     * so many of the first 16 chunks (0: none).
     */
    record Session(int server, byte[] bytes, List<Integer> cuts, int pauseEvery) {

        /** The bytes, a CRLF if they end inside a line, then {@code quit}: every connection must end. */
        byte[] withQuit() {
            ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 8);
            out.writeBytes(bytes);
            if (bytes.length > 0 && bytes[bytes.length - 1] != '\n') {
                out.writeBytes(ascii(CRLF));
            }
            out.writeBytes(ascii("quit" + CRLF));
            return out.toByteArray();
        }

        @Override
        public String toString() {
            return "Session[server=" + SERVER_NAMES.get(server) + ", cuts=" + cuts + ", pauseEvery=" + pauseEvery
                    + ", " + bytes.length + " bytes \"" + abbreviate(escape(bytes)) + "\"]";
        }
    }

    @Provide
    Arbitrary<Session> sessions() {
        Arbitrary<byte[]> item = Arbitraries.frequencyOf(
                Tuple.of(10, validLine().map(l -> ascii(l + CRLF))),
                Tuple.of(3, invalidLine().map(l -> ascii(l + CRLF))),
                Tuple.of(3, mutated(Arbitraries.oneOf(validLine(), invalidLine()).map(l -> ascii(l + CRLF)))),
                Tuple.of(1, oddlyEnded()),
                Tuple.of(1, randomBytes()),
                Tuple.of(2, longLine().map(l -> ascii(l + CRLF))),
                Tuple.of(1, burst()));
        Arbitrary<byte[]> stream = item.list().ofMinSize(0).ofMaxSize(10).map(items -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            items.forEach(out::writeBytes);
            return out.toByteArray();
        });
        Arbitrary<List<Integer>> cuts = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.integers().between(1, 8)),
                Tuple.of(3, Arbitraries.integers().between(9, 500)),
                Tuple.of(2, Arbitraries.just(1 << 20))).list().ofMinSize(1).ofMaxSize(6);
        Arbitrary<Integer> pauseEvery = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 4)));
        return Combinators.combine(Arbitraries.integers().between(0, SERVERS_COUNT - 1), stream, cuts, pauseEvery)
                .as(Session::new);
    }

    private static final int SERVERS_COUNT = 3;

    /** A request that the contract answers with success or a 2xx, most often about a served file. */
    private static Arbitrary<String> validLine() {
        Arbitrary<String> name = names();
        Arbitrary<String> number = numberText();
        Arbitrary<String> slice = Combinators.combine(Arbitraries.of(NAMES), Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.integers().between(0, 1 << 20), Arbitraries.of("", "", " raw"), Arbitraries.of(0, 0, 0, 1, 2))
                .as((file, a, b, raw, style) -> {
                    byte[] content = FILES.get(file);
                    int length = content == null ? 50 : content.length;
                    // Offsets and sizes around the file's length, so that 203 and its edge come often.
                    long offset = a % (length + 3);
                    long size = b % (length + 3 - Math.min(offset, length));
                    return "get_slice " + file + " " + styled(offset, style) + " " + styled(size, style) + raw;
                });
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of("get_file_listing", "help")),
                Tuple.of(3, name.map(n -> "get_metadata " + n)),
                Tuple.of(6, slice),
                Tuple.of(1, Combinators.combine(name, number, number, Arbitraries.of("", " raw"))
                        .as((n, o, s, raw) -> "get_slice " + n + " " + o + " " + s + raw)));
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

    private static Arbitrary<String> names() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(NAMES)),
                Tuple.of(2, Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
                        .withCharRange('0', '9').withChars('.', '-', '_').ofMinLength(1).ofMaxLength(10)),
                Tuple.of(1, Arbitraries.integers().between(253, 258).map(n -> "n".repeat(n))));
    }

    private static Arbitrary<String> numberText() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(0, 300).map(String::valueOf),
                Arbitraries.of(String.valueOf(Long.MAX_VALUE), "9223372036854775808", "18446744073709551617",
                        "-1", "+5", "1_000", "", "0x10", "1e3", " 5"));
    }

    /** Wrong commands, counts, names and spacing. */
    private static Arbitrary<String> invalidLine() {
        Arbitrary<String> word = Arbitraries.oneOf(names(), numberText(),
                Arbitraries.of("", "raw", "rawx", "a/b", "..", "caf\u00e9", "x\ty", "~", "\u0000"));
        Arbitrary<String> command = Arbitraries.oneOf(Arbitraries.of(HELP),
                Arbitraries.of("GET_FILE_LISTING", "Help", "get_slic", "get-metadata", "list", "\u0000", "",
                        "quit\t", "\u007f"),
                Arbitraries.strings().withCharRange('a', 'z').withChars('_').ofMinLength(1).ofMaxLength(16));
        return Arbitraries.frequencyOf(
                Tuple.of(4, Combinators.combine(command, word.list().ofMinSize(0).ofMaxSize(5))
                        .as((c, args) -> args.isEmpty() ? c : c + " " + String.join(" ", args))),
                Tuple.of(1, validLine().map(l -> l.replace(" ", "  "))),
                Tuple.of(1, validLine().map(l -> " " + l)),
                Tuple.of(1, validLine().map(l -> l + " ")),
                Tuple.of(1, validLine().map(l -> l.replace(' ', '\t'))),
                Tuple.of(1, Arbitraries.strings().withChars(' ').ofMaxLength(3)));
    }

    /** Lines with one element long enough to be over the small limits, some of them valid requests. */
    private static Arbitrary<String> longLine() {
        Arbitrary<Integer> length = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(250, 260)),
                Tuple.of(1, Arbitraries.integers().between(261, 3000)));
        Arbitrary<String> zeros = length.map("0"::repeat);
        Arbitrary<String> nameFile = Arbitraries.of(NAMES);
        return Arbitraries.oneOf(
                length.map(n -> "get_metadata " + "f".repeat(n)),
                length.map(n -> "get_metadata " + "f".repeat(n) + "/"),
                Combinators.combine(nameFile, zeros, Arbitraries.integers().between(0, 60), zeros, Arbitraries.integers().between(0, 60),
                        Arbitraries.of("", " raw")).as((f, z1, o, z2, s, raw) -> "get_slice " + f + " " + z1 + o + " " + z2 + s + raw),
                Combinators.combine(nameFile, zeros).as((f, z) -> "get_slice " + f + " 0 " + z + "99999999999999999999"),
                length.map(n -> "get_file_listing" + "g".repeat(n)),
                length.map(n -> "help " + "h".repeat(n)),
                length.map(" "::repeat),
                length.map(n -> "get_metadata a.txt " + "z".repeat(n)),
                length.map(n -> "get_slice a.txt 0 1 raw" + " ".repeat(n)));
    }

    /** A slice followed at once by many small requests, more than any held-request limit. */
    private static Arbitrary<byte[]> burst() {
        Arbitrary<String> small = Arbitraries.of("help", "get_metadata a.txt", "get_slice x 0 1", "get_slice a.txt 1 3 raw",
                "get_metadata nope", "nope", "get_file_listing");
        return Combinators.combine(Arbitraries.of("get_slice big.bin 0 100000", "get_slice bin.dat 0 256 raw",
                        "get_slice a.txt 0 41"), small, Arbitraries.integers().between(1, 100))
                .as((slice, request, count) -> ascii(slice + CRLF + (request + CRLF).repeat(count)));
    }

    private static Arbitrary<byte[]> oddlyEnded() {
        return Combinators.combine(Arbitraries.oneOf(validLine(), invalidLine()),
                        Arbitraries.of("\n", "\r\r\n", "\n\r\n", "\r \n"))
                .as((l, end) -> ascii(l + end));
    }

    private static Arbitrary<byte[]> randomBytes() {
        Arbitrary<Byte> special = Arbitraries.of((byte) '\r', (byte) '\n', (byte) ' ', (byte) 0, (byte) 0x80,
                (byte) 0xff, (byte) 'a', (byte) '0');
        return Arbitraries.oneOf(special, Arbitraries.bytes()).list().ofMaxSize(40).map(list -> {
            byte[] bytes = new byte[list.size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = list.get(i);
            }
            return bytes;
        });
    }

    /** A line changed by one to three byte flips, insertions (of CR, LF, space, NUL, non-ASCII), deletions or duplications. */
    private static Arbitrary<byte[]> mutated(Arbitrary<byte[]> lines) {
        Arbitrary<byte[]> values = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of((byte) '\r', (byte) '\n', (byte) ' ', (byte) 0)),
                Tuple.of(2, Arbitraries.bytes().between((byte) 0x80, (byte) 0xff)),
                Tuple.of(1, Arbitraries.bytes())).map(b -> new byte[] {b});
        Arbitrary<int[]> mutation = Combinators.combine(Arbitraries.integers().between(0, 3),
                        Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.integers().between(0, 15), values)
                .as((kind, at, span, value) -> new int[] {kind, at, span, value[0]});
        return Combinators.combine(lines, mutation.list().ofMinSize(1).ofMaxSize(3)).as((line, mutations) -> {
            byte[] result = line;
            for (int[] m : mutations) {
                result = mutate(result, m[0], m[1], m[2], (byte) m[3]);
            }
            return result;
        });
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

    // ---------------------------------------------------------------- log capture

    /**
     * Records what the server and Netty log at WARN or above, or with an exception, through the log4j2
     * configuration of the test JVM (Netty logs through log4j2 here, as in the server's jar).
     */
    static final class LogCapture extends AbstractAppender {

        private final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();

        private LogCapture() {
            super("hftp-fuzz-capture", null, null, true, org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY);
        }

        static LogCapture attach() {
            LogCapture capture = new LogCapture();
            capture.start();
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            Configuration config = context.getConfiguration();
            config.addAppender(capture);
            // The root's appenders get every event of the dev.hftp and io.netty loggers (they are additive).
            config.getRootLogger().addAppender(capture, null, null);
            context.updateLoggers();
            // Proves that the server's logging (Netty's InternalLogger) reaches this appender.
            InternalLoggerFactory.getInstance("dev.hftp.fuzz").warn("ServerFuzzIT log capture self-test: expected, not a problem");
            List<String> selfTest = capture.drain();
            if (selfTest.size() != 1 || !selfTest.get(0).contains("log capture self-test")) {
                throw new AssertionError("the log capture does not see the server's loggers (factory "
                        + InternalLoggerFactory.getDefaultFactory() + "): " + selfTest);
            }
            return capture;
        }

        @Override
        public void append(LogEvent event) {
            if (event.getLevel().isMoreSpecificThan(Level.WARN) || event.getThrown() != null) {
                events.add(event.getLevel() + " [" + event.getThreadName() + "] " + event.getLoggerName() + " - "
                        + event.getMessage().getFormattedMessage()
                        + (event.getThrown() != null ? " " + event.getThrown() : ""));
            }
        }

        /** The events recorded so far, which are forgotten. */
        List<String> drain() {
            List<String> drained = new ArrayList<>();
            events.drainTo(drained);
            return drained;
        }

        /** Stops recording; returns what was recorded and not drained. */
        List<String> detach() {
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            Configuration config = context.getConfiguration();
            config.getRootLogger().removeAppender(getName());
            context.updateLoggers();
            stop();
            return drain();
        }
    }
}
