package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static dev.hftp.it.Exchanges.HELP_REPLY;
import static dev.hftp.it.TestBytes.bytes;
import static dev.hftp.it.TestBytes.concat;
import static dev.hftp.it.HftpTestClient.escape;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Hostile file names through the real socket: each name is asked for with {@code get_metadata},
 * {@code get_slice} and {@code get_slice ... raw}, and must get exactly the expected reply, after which the
 * connection is either still serving (a {@code help} gets exactly its reply, so no stray byte came) or
 * closed with nothing more sent. Then a name swapped between a file and a link to a secret while it is
 * requested, and the open flags of a served file as the kernel shows them.
 *
 * <p>{@link ProtocolConformanceIT} has a row for some of these names under one command each; here every
 * name is tried under all three commands, with the range of a slice chosen so that an escape would be
 * answered {@code 0} (the slice is valid for the file the name would reach), not {@code 203}.
 */
@Timeout(60)
class HostileNamesIT {

    private static final String OK = "0 OK\r\n";
    private static final String BAD_REQUEST = "101 BAD REQUEST\r\n";
    private static final String INVALID_ARGUMENTS = "201 INVALID ARGUMENTS FOR COMMAND\r\n";
    private static final String FILE_NOT_FOUND = "202 FILE NOT FOUND\r\n";

    private static final byte[] INSIDE = bytes("inside the served directory\n");
    private static final byte[] SECRET = bytes("SECRET outside the served directory\n");
    private static final byte[] HARD = bytes("hard-linked from outside\n");
    private static final byte[] LONGEST = bytes("the name has 255 bytes\n");

    @TempDir
    static Path tmp;
    private static Path dir;
    private static Path outside;
    private static HftpServer server;

    @BeforeAll
    static void startServer() throws IOException {
        dir = Files.createDirectory(tmp.resolve("served"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        Files.write(dir.resolve("inside.txt"), INSIDE);
        Files.write(outside.resolve("secret"), SECRET);
        // What the names with separators would reach, so that refusing them is not just not finding them.
        Files.createDirectory(dir.resolve("a"));
        Files.write(dir.resolve("a").resolve("b"), INSIDE);
        Files.write(dir.resolve("..."), INSIDE);
        Files.write(dir.resolve("n".repeat(255)), LONGEST);
        Files.createSymbolicLink(dir.resolve("outlink"), outside.resolve("secret"));
        Files.createSymbolicLink(dir.resolve("inlink"), Path.of("inside.txt"));
        // ../../..(as many as the directory is deep, and more)../etc/passwd
        Files.createSymbolicLink(dir.resolve("passwdlink"),
                Path.of("../".repeat(dir.getNameCount() + 2) + "etc/passwd"));
        Path hardTarget = Files.write(outside.resolve("hard-target"), HARD);
        Files.createLink(dir.resolve("hardlink"), hardTarget);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start();
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
        // Removed here, so that JUnit's clean-up of the temporary directory does not warn about a link to /etc.
        Files.deleteIfExists(dir.resolve("passwdlink"));
    }

    // ---------------------------------------------------------------- the table

    /** The three requests that take a name. */
    enum Command {
        GET_METADATA, GET_SLICE, GET_SLICE_RAW;

        /** The request for {@code name} (its bytes as they are); a slice asks for {@code [0, size)}. */
        byte[] request(byte[] name, int size) {
            String head = this == GET_METADATA ? "get_metadata " : "get_slice ";
            String tail = this == GET_METADATA ? "" : this == GET_SLICE ? " 0 " + size : " 0 " + size + " raw";
            return concat(bytes(head), name, bytes(tail + "\r\n"));
        }

        /** The whole reply that serves {@code content}. */
        byte[] served(byte[] content) {
            switch (this) {
                case GET_METADATA:
                    return bytes(OK + content.length + "\r\n");
                case GET_SLICE:
                    return bytes(OK + Base64.getEncoder().encodeToString(content) + "\r\n");
                default:
                    return concat(bytes(OK + "Content-Length: " + content.length + "\r\n\r\n"), content);
            }
        }
    }

    /** What the connection does after the reply. */
    enum After { STAYS_OPEN, CLOSED }

    /**
     * A hostile name: either it is refused with {@code status} under every command, or it serves
     * {@code content}.
     */
    record Case(String label, byte[] name, String status, byte[] content, After after) {
        @Override
        public String toString() {
            return label;
        }
    }

    private static Case refused(String label, String name, String status) {
        return new Case(label, bytes(name), status, null, status.startsWith("1") ? After.CLOSED : After.STAYS_OPEN);
    }

    /** A name sent as its UTF-8 bytes: any character outside US-ASCII makes the line {@code 101}. */
    private static Case refusedUtf8(String label, String name) {
        return new Case(label, name.getBytes(UTF_8), BAD_REQUEST, null, After.CLOSED);
    }

    private static Case served(String label, String name, byte[] content) {
        return new Case(label, bytes(name), null, content, After.STAYS_OPEN);
    }

    static List<Case> cases() {
        return List.of(
                refused("..", "..", FILE_NOT_FOUND),
                refused(".", ".", FILE_NOT_FOUND),
                served("... (a valid name; this one exists)", "...", INSIDE),
                refused("a/b (a/b exists)", "a/b", INVALID_ARGUMENTS),
                refused("../outside/secret", "../outside/secret", INVALID_ARGUMENTS),
                refused("/etc/passwd", "/etc/passwd", INVALID_ARGUMENTS),
                refused("%2e%2e", "%2e%2e", INVALID_ARGUMENTS),
                refused("..%2fetc%2fpasswd", "..%2fetc%2fpasswd", INVALID_ARGUMENTS),
                refused("a NUL b", "a\0b", INVALID_ARGUMENTS),
                refused("inside.txt NUL (a C string would end at the NUL)", "inside.txt\0", INVALID_ARGUMENTS),
                refused(".. NUL", "..\0", INVALID_ARGUMENTS),
                refused("..\\..\\etc\\passwd", "..\\..\\etc\\passwd", INVALID_ARGUMENTS),
                refused("a\\b", "a\\b", INVALID_ARGUMENTS),
                refusedUtf8("U+2024 U+2024 (one dot leaders, like ..)", "\u2024\u2024"),
                refusedUtf8("..U+FF0Fetc U+FF0F passwd (fullwidth solidus)", "..\uFF0Fetc\uFF0Fpasswd"),
                refusedUtf8("U+FF0E U+FF0E (fullwidth full stops)", "\uFF0E\uFF0E"),
                refusedUtf8("..U+2215secret (division slash)", "..\u2215secret"),
                served("255-byte name (exists)", "n".repeat(255), LONGEST),
                refused("256-byte name (its first 255 bytes name a file)", "n".repeat(256), FILE_NOT_FOUND),
                refused("300-byte name (its first 255 bytes name a file)", "n".repeat(300), FILE_NOT_FOUND),
                refused("symlink to a file outside", "outlink", FILE_NOT_FOUND),
                served("symlink to a file inside", "inlink", INSIDE),
                refused("symlink ../../(...)/etc/passwd", "passwdlink", FILE_NOT_FOUND),
                served("hard link (a regular file in the directory)", "hardlink", HARD));
    }

    static Stream<Arguments> hostileNames() {
        return cases().stream().flatMap(c -> Arrays.stream(Command.values())
                .map(command -> Arguments.of(Named.of(command.name().toLowerCase(), command), c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("hostileNames")
    void shouldAnswerHostileNameExactlyAndLeaveConnectionAsExpected(Command command, Case c) throws IOException {
        int size = c.content() == null ? 1 : c.content().length;
        byte[] request = command.request(c.name(), size);
        byte[] expected = c.content() == null ? bytes(c.status()) : command.served(c.content());
        try (HftpTestClient client = new HftpTestClient(server.port())) {
            client.sendRaw(request);
            byte[] actual = client.readAtMost(expected.length);
            if (!Arrays.equals(expected, actual)) {
                actual = concat(actual, client.readUntilSilentFor(200));
            }
            assertEquals(escape(expected), escape(actual), "reply to " + escape(request));
            if (c.after() == After.STAYS_OPEN) {
                client.sendRaw("help\r\n");
                assertEquals(escape(bytes(HELP_REPLY)), escape(client.readAtMost(HELP_REPLY.length())),
                        "help after the reply: the connection stays open and nothing more was sent");
            } else {
                assertEquals("", escape(client.readUntilClosed()), "after the fatal reply, the end of the stream");
            }
        }
    }

    // ---------------------------------------------------------------- a name swapped while requested

    /**
     * A thread swaps {@code swapped} between a regular file inside the directory and a symbolic link to a
     * secret file outside, each time atomically (rename over the name), while a client asks for its slice in
     * batches of pipelined requests, base64 and raw in turn. The secret has the same length as the inside
     * file, so a server that followed the link would answer {@code 0} with it, not {@code 203}. The secret
     * must never appear; every reply that is {@code 0} must carry the inside content.
     */
    @Test
    @Timeout(30)
    void shouldNeverServeTheTargetOfALinkSwappedInAfterValidation() throws Exception {
        SwapRace race = runSwapRace("swapped-secret");
        assertEquals(0, race.secretServed, "replies that served the secret file outside the directory");
        assertEquals(List.of(), race.otherContent, "replies 0 with neither the inside content nor the secret");
        race.assertInterleaved();
    }

    /**
     * The same race, held to the whole contract: a name that is, at every instant, either a regular file
     * inside or a link outside must be answered {@code 0} with the inside content or {@code 202}; {@code 199}
     * ("the file exists but cannot be read") is not among them, and it closes the connection.
     *
     * <p>The hard case: {@code FileStore.openSlice} resolves the name (a regular file), the name becomes a
     * link, {@code open(O_NOFOLLOW)} fails with {@code ELOOP}, and by the time anyone looks again the name is a
     * regular file again; the request met a link, so it is {@code 202}.
     */
    @Test
    @Timeout(30)
    void shouldAnswerOnlyZeroOr202ForANameSwappedBetweenFileAndLink() throws Exception {
        SwapRace race = runSwapRace("swapped-strict");
        assertEquals(0, race.secretServed, "replies that served the secret file outside the directory");
        assertEquals(List.of(), race.otherContent, "replies 0 with neither the inside content nor the secret");
        assertEquals(List.of(), race.otherStatus, "replies neither 0 with the inside content nor 202");
        race.assertInterleaved();
    }

    /** How many times each state of the swapped name must have been seen for the race to count as run. */
    private static final int MIN_EACH = 50;

    /** What the client saw during one run of the race. */
    private static final class SwapRace {
        int servedInside;
        int notFound;
        int secretServed;
        long swaps;
        final List<String> otherContent = new ArrayList<>();
        final List<String> otherStatus = new ArrayList<>();

        /** The race was run, not dodged: both states of the name were seen, many times. */
        void assertInterleaved() {
            assertTrue(servedInside >= MIN_EACH && notFound >= MIN_EACH && swaps >= MIN_EACH,
                    "too little interleaving: " + servedInside + " served, " + notFound + " not found, "
                            + swaps + " swaps");
        }
    }

    private static SwapRace runSwapRace(String name) throws Exception {
        Path stage = Files.createDirectory(tmp.resolve("stage-" + name));
        byte[] inside = repeat("inside-", 3000);
        byte[] secret = repeat("SECRET-", 3000);
        Path insideOriginal = Files.write(stage.resolve("inside-original"), inside);
        Path secretFile = Files.write(outside.resolve("secret-" + name), secret);
        Path swapped = dir.resolve(name);
        Files.copy(insideOriginal, swapped);

        SwapRace race = new SwapRace();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong swaps = new AtomicLong();
        AtomicReference<Throwable> swapFailure = new AtomicReference<>();
        Thread swapper = new Thread(() -> {
            Path nextFile = stage.resolve("next-file");
            Path nextLink = stage.resolve("next-link");
            try {
                while (!stop.get()) {
                    // A copy, not a hard link: renaming a link over another link to the same file does nothing.
                    Files.copy(insideOriginal, nextFile);
                    Files.move(nextFile, swapped, StandardCopyOption.ATOMIC_MOVE);
                    Files.createSymbolicLink(nextLink, secretFile);
                    Files.move(nextLink, swapped, StandardCopyOption.ATOMIC_MOVE);
                    swaps.incrementAndGet();
                }
            } catch (Throwable e) {
                swapFailure.set(e);
            }
        }, "link-swapper");

        int batch = 50;
        // 6,000 replies or 4 s, and until each state of the name has been seen MIN_EACH times, at most 15 s.
        int wanted = 6000;
        long budgetNanos = TimeUnit.SECONDS.toNanos(4);
        long limitNanos = TimeUnit.SECONDS.toNanos(15);
        int replies = 0;
        int connections = 1;
        long start = System.nanoTime();
        swapper.start();
        HftpTestClient client = new HftpTestClient(server.port());
        try {
            StringBuilder requests = new StringBuilder();
            for (int i = 0; i < batch; i++) {
                requests.append("get_slice ").append(name).append(" 0 3000").append(i % 2 == 0 ? "" : " raw")
                        .append("\r\n");
            }
            // Past the 6,000 replies too while a state of the name has not been seen enough (a loaded machine
            // swaps slowly, and the name is a file only between two renames), up to the limit.
            while (System.nanoTime() - start < limitNanos
                    && (replies < wanted && System.nanoTime() - start < budgetNanos
                            || race.servedInside < MIN_EACH || race.notFound < MIN_EACH)) {
                client.sendRaw(requests.toString());
                for (int i = 0; i < batch; i++) {
                    replies++;
                    String failure;
                    try {
                        HftpTestClient.Reply reply = client.readReply();
                        if (reply.code() == 0) {
                            byte[] body = i % 2 == 0 ? client.readSlice() : client.readRawSlice();
                            if (Arrays.equals(inside, body)) {
                                race.servedInside++;
                            } else if (Arrays.equals(secret, body)) {
                                race.secretServed++;
                            } else {
                                race.otherContent.add(escape(Arrays.copyOf(body, Math.min(body.length, 40))));
                            }
                            continue;
                        }
                        if (reply.code() == 202 && reply.message().equals("FILE NOT FOUND")) {
                            race.notFound++;
                            continue;
                        }
                        failure = reply + (i % 2 == 0 ? " (base64)" : " (raw)");
                    } catch (IOException e) {
                        failure = "connection failed: " + e;
                    }
                    // Anything else: note it, and go on with a new connection (the reply may have been fatal).
                    race.otherStatus.add(failure);
                    client.close();
                    client = new HftpTestClient(server.port());
                    connections++;
                    break;
                }
            }
        } finally {
            stop.set(true);
            swapper.join(5000);
            client.close();
        }
        race.swaps = swaps.get();
        AbuseSupport.sayf("HostileNamesIT swap race (%s): %d replies in %d ms, %d swaps; 0 with the inside content: "
                        + "%d, 202: %d, secret: %d, other content: %d, other status: %d %s, connections: %d%n",
                name, replies, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), race.swaps,
                race.servedInside, race.notFound, race.secretServed, race.otherContent.size(),
                race.otherStatus.size(), race.otherStatus.stream().distinct().limit(4).toList(), connections);
        assertEquals(null, swapFailure.get(), "the swapper failed");
        return race;
    }

    // ---------------------------------------------------------------- open flags

    /**
     * While a slice is being sent (the client reads only the status line, so the transfer waits with the
     * file open), the server's descriptor on the file is found through {@code /proc/self/fd}, and its
     * flags in {@code /proc/self/fdinfo} must hold {@code O_NOFOLLOW}. Through a link inside, the file opened
     * is the link's target (the link was resolved and checked first), also without following links. When the
     * client leaves, the descriptor is closed.
     */
    @Test
    void shouldOpenServedFilesWithoutFollowingLinks() throws Exception {
        assumeTrue(ProcFds.available(), "needs Linux /proc/self/fd");
        int size = 64 << 20;
        Path big = dir.resolve("nofollow-big");
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(size);
        }
        Files.createSymbolicLink(dir.resolve("nofollow-link"), Path.of("nofollow-big"));
        int noFollow = ProcFds.noFollowBit(Files.write(outside.resolve("probe"), INSIDE));
        for (String request : List.of("get_slice nofollow-big 0 " + size, "get_slice nofollow-big 0 " + size + " raw",
                "get_slice nofollow-link 0 " + size, "get_slice nofollow-link 0 " + size + " raw")) {
            try (HftpTestClient client = new HftpTestClient(server.port())) {
                client.sendRaw(request + "\r\n");
                assertEquals(OK, client.readLine() + "\r\n", request);
                // The status line follows the open: the descriptor exists now, and stays while the transfer waits.
                List<Integer> fds = ProcFds.openOn(big);
                assertEquals(1, fds.size(), request + ": descriptors on the file " + fds);
                int flags = ProcFds.flags(fds.get(0));
                assertTrue((flags & noFollow) != 0, request + ": opened without O_NOFOLLOW, flags "
                        + Integer.toOctalString(flags) + " (O_NOFOLLOW here: " + Integer.toOctalString(noFollow) + ")");
                client.socket().setSoLinger(true, 0);
            }
            assertTrue(ProcFds.await(5000, () -> ProcFds.countOpenOn(big) == 0),
                    request + ": the file is still open after the client left");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static byte[] repeat(String pattern, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) pattern.charAt(i % pattern.length());
        }
        return bytes;
    }


}
