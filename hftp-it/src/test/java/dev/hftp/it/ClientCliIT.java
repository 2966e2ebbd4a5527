package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The {@code hftp} client jar as a real process ({@code java -jar hftp.jar ...}) against an embedded server:
 * every command, its output, its exit codes and one-line errors, a parallel download of a 1 GiB file, and a
 * download killed and resumed.
 */
class ClientCliIT {

    private static final long MIB = 1 << 20;
    /** Quick start for short commands; no effect on what the client does. */
    private static final List<String> QUICK_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:-UsePerfData");
    private static final Pattern RESUMED = Pattern.compile("get \\S+: .* (\\d+) bytes resumed from part files");

    private static Path jar;

    @TempDir
    Path dir;

    private Path served;
    private Path work;
    private HftpServer server;
    private String address;
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void findJar() {
        String property = System.getProperty("hftp.client.jar");
        assertTrue(property != null && !property.isEmpty(), "system property hftp.client.jar is not set");
        jar = Path.of(property).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), "no client jar at " + jar + " (built in the package phase)");
    }

    @BeforeEach
    void startServer() throws IOException {
        served = Files.createDirectory(dir.resolve("served"));
        work = Files.createDirectory(dir.resolve("work"));
        server = new HftpServerBootstrap().directory(served).address("127.0.0.1").port(0).start();
        address = "127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        server.close();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void lsPrintsTheSortedNames() throws Exception {
        Files.writeString(served.resolve("b.txt"), "b");
        Files.writeString(served.resolve("a.txt"), "a");
        Result ls = run(QUICK_JVM, "ls", address);
        ls.assertExit(0);
        assertEquals("a.txt\nb.txt\n", ls.stdoutText());
        assertEquals("", ls.stderr);
    }

    /** An HTTP server on the port: one line saying it is not HFTP, with what came back; no class name. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aServerThatIsNotHftpIsSaidSo() throws Exception {
        try (ServerSocket http = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread answerer = new Thread(() -> {
                try (Socket client = http.accept()) {
                    client.getInputStream().read(new byte[64]);
                    client.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // The test fails on what the command printed.
                }
            }, "http-answerer");
            answerer.setDaemon(true);
            answerer.start();
            Result ls = run(QUICK_JVM, "ls", "127.0.0.1:" + http.getLocalPort());
            ls.assertExit(3);
            assertEquals("hftp: 127.0.0.1:" + http.getLocalPort() + " is not an HFTP server (or it speaks TLS: --tls): "
                    + "its reply was not HFTP: not a status line: HTTP/1.1 400 Bad Request\n", ls.stderr);
        }
    }

    /**
     * A listener that accepts and never answers (as a stuck server, or a service that waits for its client to
     * speak first): the command gives up after --timeout, with exit code 3 and one line. Before, it waited for ever.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aServerThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                List<Socket> held = new ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException e) {
                    // Closed by the test.
                }
            }, "silent-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            long start = System.nanoTime();
            Result ls = run(QUICK_JVM, "ls", "--timeout", "2", "127.0.0.1:" + silent.getLocalPort());
            long millis = (System.nanoTime() - start) / 1_000_000;
            ls.assertExit(3);
            assertEquals("hftp: 127.0.0.1:" + silent.getLocalPort() + " sent nothing for 2 s while a reply was due: "
                    + "not an HFTP server, or a stuck one (--timeout SECONDS to wait longer)\n", ls.stderr);
            assertTrue(millis >= 2_000 && millis < 15_000, "gave up after " + millis + " ms");
        }
    }

    /**
     * A listener whose accept queue is full (it never accepts, and the queue was filled first): the kernel drops
     * the next connection's SYN, so the connection neither succeeds nor fails; --connect-timeout ends it.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aConnectionThatIsNeverAcceptedTimesOut() throws Exception {
        try (ServerSocketChannel full = ServerSocketChannel.open()) {
            full.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            List<SocketChannel> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    SocketChannel filler = SocketChannel.open();
                    filler.configureBlocking(false);
                    filler.connect(full.getLocalAddress());
                    fillers.add(filler);
                }
                int port = ((InetSocketAddress) full.getLocalAddress()).getPort();
                Result ls = run(QUICK_JVM, "--connect-timeout", "1", "ls", "127.0.0.1:" + port);
                ls.assertExit(3);
                assertEquals("hftp: cannot connect to 127.0.0.1:" + port + ": connection timed out after 1000 ms\n",
                        ls.stderr);
            } finally {
                for (SocketChannel filler : fillers) {
                    filler.close();
                }
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void statPrintsTheSize() throws Exception {
        Files.write(served.resolve("data.bin"), new byte[123_457]);
        Result stat = run(QUICK_JVM, "stat", address, "data.bin");
        stat.assertExit(0);
        assertEquals("123457\n", stat.stdoutText());
        assertEquals("", stat.stderr);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void catWritesTheBytesToStdout() throws Exception {
        byte[] content = randomBytes(300_001, 1);
        Files.write(served.resolve("data.bin"), content);
        Result cat = run(QUICK_JVM, "cat", address, "data.bin");
        cat.assertExit(0);
        assertArrayEquals(content, cat.stdout);
        assertEquals("", cat.stderr);
    }

    @ParameterizedTest(name = "raw={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void getDownloadsOverTwoConnectionsAndCleansUp(boolean raw) throws Exception {
        byte[] content = randomBytes((int) (3 * MIB + 7), 2);
        Files.write(served.resolve("data.bin"), content);
        List<String> args = new ArrayList<>(List.of("get", address, "data.bin", "-j", "2"));
        if (raw) {
            args.add("--raw");
        }
        Result get = run(QUICK_JVM, args.toArray(String[]::new));
        get.assertExit(0);
        assertArrayEquals(content, Files.readAllBytes(work.resolve("data.bin")));
        assertEquals(List.of("data.bin"), namesIn(work), "part files are removed");
        assertEquals("", get.stdoutText());
        assertTrue(get.stderr.contains("get data.bin: 3.0 MiB (" + content.length + " bytes) in "),
                "summary line:\n" + get.stderr);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void getWritesWhereOutputSaysAndQuietPrintsNothing() throws Exception {
        Files.writeString(served.resolve("hello.txt"), "Hello, HFTP!");
        Result get = run(QUICK_JVM, "get", address, "hello.txt", "-o", "copy.txt", "-q");
        get.assertExit(0);
        assertEquals("Hello, HFTP!", Files.readString(work.resolve("copy.txt")));
        assertEquals("", get.stderr);
        assertEquals(0, get.stdout.length);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stat", "cat", "get"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void unknownFileExitsOneWithOneLine(String command) throws Exception {
        Result result = run(QUICK_JVM, command, address, "nope.txt");
        result.assertExit(1);
        assertEquals("hftp: nope.txt: 202 FILE NOT FOUND\n", result.stderr);
        assertEquals(0, result.stdout.length);
        assertEquals(List.of(), namesIn(work), "nothing written");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ls", "stat", "get"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void serverDownExitsThreeWithOneLine(String command) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        List<String> args = new ArrayList<>(List.of(command, "127.0.0.1:" + port));
        if (!command.equals("ls")) {
            args.add("x");
        }
        Result result = run(QUICK_JVM, args.toArray(String[]::new));
        result.assertExit(3);
        assertEquals("hftp: cannot connect to 127.0.0.1:" + port + ": Connection refused\n", result.stderr);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ls 127.0.0.1:99999", "get 127.0.0.1 x -j 0", "frobnicate", "stat 127.0.0.1"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void usageErrorsExitTwo(String arguments) throws Exception {
        Result result = run(QUICK_JVM, arguments.split(" "));
        result.assertExit(2);
        assertFalse(result.stderr.isBlank());
        assertFalse(result.stderr.contains("Exception"), result.stderr);
    }

    /** A 1 GiB file, mostly a hole with random blocks scattered in it, over four connections. */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void parallelGetOfOneGibibyteMatchesBySha256() throws Exception {
        Path source = sparseFile("big.bin", 1024 * MIB, 3);
        long started = System.nanoTime();
        Result get = run(List.of(), "get", address, "big.bin", "-j", "4");
        get.assertExit(0);
        AbuseSupport.sayf("ClientCliIT: get -j 4 of 1 GiB (base64) in %.1f s%n", (System.nanoTime() - started) / 1e9);
        Path copy = work.resolve("big.bin");
        assertEquals(Files.size(source), Files.size(copy));
        assertEquals(TestFiles.sha256Hex(source), TestFiles.sha256Hex(copy));
        assertEquals(List.of("big.bin"), namesIn(work));
    }

    /**
     * A download interrupted (SIGTERM, as Ctrl-C ends the JVM the same way) says that what came is kept and how to
     * continue. Before, nothing was said, and a rerun without --resume discarded the parts in silence.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void anInterruptedDownloadSaysHowToContinue() throws Exception {
        long size = 64 * MIB;
        sparseFile("stopped.bin", size, 5);
        Process get = start(List.of("-Xint"), "get", address, "stopped.bin", "-j", "2");
        awaitPartBytes(get, "stopped.bin", MIB);
        get.toHandle().destroy();
        assertTrue(get.waitFor(20, TimeUnit.SECONDS), "the client did not stop on SIGTERM");
        String stderr = Files.readString(work.resolve("stderr.txt"));
        String last = stderr.strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.matches("hftp: interrupted: the [0-9.]+ [KMG]?i?B downloaded so far are kept beside "
                + "stopped\\.bin; the same command with --resume continues"), stderr);
    }

    /**
     * A download killed (SIGKILL) while its parts fill, then resumed with another -j: the resumed run keeps the
     * earlier split, fetches only what the parts lack, and the result is identical. The first client runs
     * interpreted (-Xint), slow enough to be caught half way on any machine.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void killedDownloadResumesFromItsParts() throws Exception {
        long size = 64 * MIB;
        Path source = sparseFile("resume.bin", size, 4);
        Process first = start(List.of("-Xint"), "get", address, "resume.bin", "-j", "2", "-q");
        long held = awaitPartBytes(first, "resume.bin", MIB);
        first.destroyForcibly();
        assertTrue(first.waitFor(10, TimeUnit.SECONDS));
        long inParts = partBytes("resume.bin");
        assertTrue(inParts >= held && inParts < size, "parts hold " + inParts + " of " + size);
        assertFalse(Files.exists(work.resolve("resume.bin")));

        Result resumed = run(List.of(), "get", address, "resume.bin", "-j", "4", "--resume");
        resumed.assertExit(0);
        Matcher line = RESUMED.matcher(resumed.stderr);
        assertTrue(line.find(), "no resume summary:\n" + resumed.stderr);
        assertEquals(inParts, Long.parseLong(line.group(1)));
        AbuseSupport.sayf("ClientCliIT: killed with %d bytes in parts; the resumed run fetched %d of %d bytes%n",
                inParts, size - inParts, size);
        assertEquals(TestFiles.sha256Hex(source), TestFiles.sha256Hex(work.resolve("resume.bin")));
        assertEquals(List.of("resume.bin"), namesIn(work), "parts and their manifest are removed");
    }

    // ---------------------------------------------------------------------------------------------------

    /** The bytes the parts of {@code name} hold, once they hold at least {@code atLeast}. */
    private long awaitPartBytes(Process process, String name, long atLeast) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            long held = partBytes(name);
            if (held >= atLeast) {
                return held;
            }
            if (!process.isAlive()) {
                fail("the download ended before it could be killed: exit " + process.exitValue() + "\n"
                        + Files.readString(work.resolve("stderr.txt")));
            }
            Thread.sleep(5);
        }
        fail("the parts of " + name + " held less than " + atLeast + " bytes after 60 s");
        return 0;
    }

    private long partBytes(String name) throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.list(work)) {
            for (Path file : files.toList()) {
                if (file.getFileName().toString().matches(Pattern.quote(name) + "\\.part-\\d+")) {
                    total += Files.size(file);
                }
            }
        }
        return total;
    }

    private Path sparseFile(String name, long size, long seed) throws IOException {
        Path file = served.resolve(name);
        Random random = new Random(seed);
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.setLength(size);
            byte[] block = new byte[64 * 1024];
            for (int i = 0; i < 16; i++) {
                random.nextBytes(block);
                out.seek((long) (random.nextDouble() * (size - block.length)));
                out.write(block);
            }
            // The last bytes too, so that a short copy cannot match by its hole.
            out.seek(size - 3);
            out.write(new byte[] {1, 2, 3});
        }
        return file;
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }


    private List<String> namesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("stdout.bin") && !n.equals("stderr.txt"))
                    .sorted().toList();
        }
    }

    /** Starts the jar in the work directory; stdout and stderr go to files there (not listed by namesIn). */
    private Process start(List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(work.resolve("stdout.bin").toFile())
                .redirectError(work.resolve("stderr.txt").toFile())
                .start();
        processes.add(process);
        return process;
    }

    private Result run(List<String> jvmOptions, String... args) throws Exception {
        Process process = start(jvmOptions, args);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("hftp " + String.join(" ", args) + " did not exit within 60 s");
        }
        return new Result(process.exitValue(), Files.readAllBytes(work.resolve("stdout.bin")),
                Files.readString(work.resolve("stderr.txt")), String.join(" ", args));
    }

    /** What a finished process left. */
    private record Result(int exit, byte[] stdout, String stderr, String command) {
        String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        void assertExit(int expected) {
            assertEquals(expected, exit, "exit code of hftp " + command + "\n--- stderr ---\n" + stderr);
        }
    }
}
