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
import java.util.Arrays;
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
    private static final Pattern RESUMED = Pattern.compile("get \\S+: .* (\\d+) bytes were already there");
    private static final Pattern RECORD_DONE = Pattern.compile("(?m)^done (\\d+) (\\d+)$");

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

    /**
     * The command stops its event loops before the JVM exits: the exit otherwise waits 300 ms for threads blocked in
     * {@code epoll_wait} (HotSpot's exit, for threads in native code), a third of a {@code stat} (docs/BENCHMARKS.md).
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void noClientThreadIsLeftRunningAtExit() throws Exception {
        Files.write(served.resolve("data.bin"), new byte[4_321]);
        List<String> jvm = new ArrayList<>(QUICK_JVM);
        jvm.addAll(List.of("-cp", System.getProperty("java.class.path"), ExitThreadsProbe.class.getName()));
        Process process = startJava(jvm, "stat", address, "data.bin");
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the probe did not exit");
        String stderr = Files.readString(work.resolve("stderr.txt"));
        assertEquals(0, process.exitValue(), stderr);
        assertEquals("4321\n", Files.readString(work.resolve("stdout.bin")));
        assertFalse(stderr.contains(ExitThreadsProbe.STILL_RUNNING), stderr);
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
        assertEquals(List.of("data.bin"), namesIn(work), "the .part file and the record are removed");
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

    /** A 1 GiB file, mostly a hole with random blocks scattered in it, over four connections, without a terminal. */
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
        // Without a terminal, a line every few seconds and none at 100 %: the summary says it. Before, the parts were
        // joined after the last byte came, and a "(100%)" line printed each second of the join.
        assertFalse(get.stderr.contains("(100%)"), get.stderr);
    }

    /**
     * A download interrupted (SIGTERM, as Ctrl-C ends the JVM the same way) says what is kept and that the same
     * command continues; run again as it was, it fetches only what the record beside the file says is missing.
     * Before, nothing was said, and a rerun without --resume discarded the parts in silence and fetched it all.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void anInterruptedDownloadContinuesWithTheSameCommand() throws Exception {
        long size = 64 * MIB;
        Path source = sparseFile("stopped.bin", size, 5);
        AccessLogCapture log = AccessLogCapture.begin();
        try {
            Process get = start(List.of("-Xint"), "get", address, "stopped.bin", "-j", "2");
            awaitRecordedBytes(get, "stopped.bin", MIB);
            get.toHandle().destroy();
            assertTrue(get.waitFor(20, TimeUnit.SECONDS), "the client did not stop on SIGTERM");
            String stderr = Files.readString(work.resolve("stderr.txt"));
            String last = stderr.strip().lines().reduce((a, b) -> b).orElse("");
            assertTrue(last.matches("hftp: interrupted: [0-9.]+ [KMG]?i?B kept in stopped\\.bin\\.part; "
                    + "the same command continues from there"), stderr);
            long recorded = recordedBytes("stopped.bin");
            assertTrue(recorded >= MIB && recorded < size, "recorded " + recorded + " of " + size);
            int firstRunLines = log.await(3, line -> line.contains(" get_")).size();

            Result again = run(List.of(), "get", address, "stopped.bin", "-j", "2");
            again.assertExit(0);
            assertTrue(again.stderr.startsWith("hftp: continuing stopped.bin.part: "), again.stderr);
            assertTrue(again.stderr.contains("(same name and size: HFTP has no date or digest"), again.stderr);
            Matcher summary = RESUMED.matcher(again.stderr);
            assertTrue(summary.find(), "no summary:\n" + again.stderr);
            assertEquals(recorded, Long.parseLong(summary.group(1)));
            assertEquals(size - recorded, slicedBytes(log.lines().subList(firstRunLines, log.lines().size())),
                    "the second run asks for exactly what was missing");
            assertEquals(TestFiles.sha256Hex(source), TestFiles.sha256Hex(work.resolve("stopped.bin")));
            assertEquals(List.of("stopped.bin"), namesIn(work), "the .part file and the record are gone");
        } finally {
            log.stop();
        }
    }

    /**
     * A download killed (SIGKILL: no hook runs) while its ranges fill, then continued with another -j: the record
     * saved each second still says what is there, the new run fetches the gaps, and the result is identical. The
     * first client runs interpreted (-Xint), slow enough to be caught half way on any machine.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void killedDownloadContinuesFromItsRecord() throws Exception {
        long size = 64 * MIB;
        Path source = sparseFile("resume.bin", size, 4);
        Process first = start(List.of("-Xint"), "get", address, "resume.bin", "-j", "2", "-q");
        long held = awaitRecordedBytes(first, "resume.bin", MIB);
        first.destroyForcibly();
        assertTrue(first.waitFor(10, TimeUnit.SECONDS));
        long recorded = recordedBytes("resume.bin");
        assertTrue(recorded >= held && recorded < size, "recorded " + recorded + " of " + size);
        assertFalse(Files.exists(work.resolve("resume.bin")));

        Result resumed = run(List.of(), "get", address, "resume.bin", "-j", "4");
        resumed.assertExit(0);
        Matcher line = RESUMED.matcher(resumed.stderr);
        assertTrue(line.find(), "no resume summary:\n" + resumed.stderr);
        assertEquals(recorded, Long.parseLong(line.group(1)));
        AbuseSupport.sayf("ClientCliIT: killed with %d bytes recorded; the next run fetched %d of %d bytes%n",
                recorded, size - recorded, size);
        assertEquals(TestFiles.sha256Hex(source), TestFiles.sha256Hex(work.resolve("resume.bin")));
        assertEquals(List.of("resume.bin"), namesIn(work), "the .part file and the record are removed");
    }

    /**
     * A record with two gaps, continued over one connection: that connection fetches both gaps one after the other,
     * and nothing else (the access log shows the two slices), and the bytes recorded as done are kept.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void oneConnectionFetchesEveryGapOfTheRecord() throws Exception {
        byte[] content = randomBytes((int) (3 * MIB), 11);
        Files.write(served.resolve("gaps.bin"), content);
        byte[] part = content.clone();
        Arrays.fill(part, (int) MIB, (int) (2 * MIB), (byte) 0);
        Arrays.fill(part, (int) (5 * MIB / 2), part.length, (byte) 0);
        Files.write(work.resolve("gaps.bin.part"), part);
        writeRecord("gaps.bin", content.length, "done 0 " + MIB, "done " + 2 * MIB + " " + MIB / 2);
        AccessLogCapture log = AccessLogCapture.begin();
        try {
            Result get = run(QUICK_JVM, "get", address, "gaps.bin", "-j", "1");
            get.assertExit(0);
            assertArrayEquals(content, Files.readAllBytes(work.resolve("gaps.bin")));
            List<String> slices = log.await(2, line -> line.contains(" get_slice "));
            assertEquals(List.of("get_slice gaps.bin " + MIB + " " + MIB, "get_slice gaps.bin " + 5 * MIB / 2 + " " + MIB / 2),
                    slices.stream().map(line -> String.join(" ", List.of(line.split(" ")).subList(1, 5))).toList());
            assertEquals(2, log.lines().stream().filter(line -> line.contains(" get_slice ")).count());
        } finally {
            log.stop();
        }
    }

    /** --no-continue starts over; a record of another size (the file changed on the server) does too, and says so. */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void noContinueOrAChangedFileStartsOver() throws Exception {
        byte[] content = randomBytes((int) (2 * MIB), 7);
        Files.write(served.resolve("data.bin"), content);
        Files.write(work.resolve("data.bin.part"), new byte[(int) (2 * MIB)]);
        writeRecord("data.bin", content.length, "done 0 " + MIB);
        Result fresh = run(QUICK_JVM, "get", address, "data.bin", "--no-continue");
        fresh.assertExit(0);
        assertArrayEquals(content, Files.readAllBytes(work.resolve("data.bin")));
        assertFalse(fresh.stderr.contains("already there"), fresh.stderr);

        Files.write(work.resolve("data.bin.part"), new byte[(int) MIB]);
        writeRecord("data.bin", MIB, "done 0 " + MIB);
        Result changed = run(QUICK_JVM, "get", address, "data.bin");
        changed.assertExit(0);
        assertTrue(changed.stderr.startsWith("hftp: data.bin.hftp is for " + MIB + " bytes, but the server's file has "
                + content.length + " now: starting over"), changed.stderr);
        assertArrayEquals(content, Files.readAllBytes(work.resolve("data.bin")));
        assertEquals(List.of("data.bin"), namesIn(work));
    }

    /** A FILE.hftp that hftp did not write is someone's file: exit 4, one line, the file untouched. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aForeignRecordFileIsLeftAlone() throws Exception {
        Files.writeString(served.resolve("notes"), "served");
        Path mine = Files.writeString(work.resolve("notes.hftp"), "my own notes\n");
        Result get = run(QUICK_JVM, "get", address, "notes");
        get.assertExit(4);
        assertEquals("hftp: notes.hftp: not a download record of hftp (delete or move it)\n", get.stderr);
        assertEquals("my own notes\n", Files.readString(mine));
        assertFalse(Files.exists(work.resolve("notes")));
    }

    // ---------------------------------------------------------------------------------------------------

    /** The bytes the record of {@code name} says are written, once it says at least {@code atLeast}. */
    private long awaitRecordedBytes(Process process, String name, long atLeast) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            long held = recordedBytes(name);
            if (held >= atLeast) {
                return held;
            }
            if (!process.isAlive()) {
                fail("the download ended before it could be killed: exit " + process.exitValue() + "\n"
                        + Files.readString(work.resolve("stderr.txt")));
            }
            Thread.sleep(5);
        }
        fail("the record of " + name + " held less than " + atLeast + " bytes after 60 s");
        return 0;
    }

    /** The sum of the {@code done OFFSET LENGTH} lines of {@code NAME.hftp} (0 while there is none). */
    private long recordedBytes(String name) throws IOException {
        Path record = work.resolve(name + ".hftp");
        if (!Files.exists(record)) {
            return 0;
        }
        long total = 0;
        Matcher done = RECORD_DONE.matcher(Files.readString(record));
        while (done.find()) {
            total += Long.parseLong(done.group(2));
        }
        return total;
    }

    private void writeRecord(String name, long size, String... lines) throws IOException {
        List<String> record = new ArrayList<>(List.of(
                "# hftp download record: the byte ranges of the .part file beside it that are written",
                "server " + address, "name " + name, "size " + size));
        record.addAll(List.of(lines));
        Files.write(work.resolve(name + ".hftp"), record);
    }

    /** The sum of the sizes asked for by the {@code get_slice} lines of an access log. */
    private static long slicedBytes(List<String> accessLines) {
        long total = 0;
        for (String line : accessLines) {
            String[] fields = line.split(" ");
            if (fields[1].startsWith("get_slice")) {
                total += Long.parseLong(fields[4]);
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
        List<String> jvm = new ArrayList<>(jvmOptions);
        jvm.addAll(List.of("-jar", jar.toString()));
        return startJava(jvm, args);
    }

    /** Starts {@code java} with {@code jvm} (options and what to run) and {@code args}, as {@link #start} does. */
    private Process startJava(List<String> jvm, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
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
