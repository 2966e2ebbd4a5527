package dev.hftp.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shaded jar as a real process: {@code java -jar hftp-server.jar ...}, its command line, its exit
 * codes and messages, its defaults, and a file it may not read.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerJarIT {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /** nobody/nogroup: an unprivileged user, for whom permission bits hold. */
    private static final String[] AS_NOBODY = {SETPRIV.toString(), "--reuid=65534", "--regid=65534", "--clear-groups"};

    private static Path jar;

    @TempDir
    Path dir;

    @RegisterExtension
    final JarProcesses processes = new JarProcesses();

    @BeforeAll
    static void findJar() {
        String property = System.getProperty("hftp.server.jar");
        assertTrue(property != null && !property.isEmpty(), "system property hftp.server.jar is not set");
        jar = Path.of(property).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), "no server jar at " + jar + " (built in the package phase)");
    }

    @Test
    void servesOverItsSocketUntilDestroyed() throws Exception {
        Files.writeString(dir.resolve("hello.txt"), "Hello, HFTP!");
        Files.write(dir.resolve("bytes.bin"), allBytes());
        JarProcess server = start(dir, List.of(), "-a", "127.0.0.1", "-p", "0", "-d", dir.toString());
        Matcher serving = server.awaitServing();
        assertEquals(dir.toRealPath().toString(), serving.group(1));
        assertEquals("127.0.0.1", serving.group(2));
        int port = Integer.parseInt(serving.group(3));
        assertNotEquals(0, port);

        try (HftpTestClient client = new HftpTestClient(port)) {
            assertEquals("0 OK", client.command("get_file_listing").toString());
            assertEquals(List.of("bytes.bin", "hello.txt"), client.readLines().stream().sorted().toList());
            assertEquals("0 OK", client.command("get_metadata bytes.bin").toString());
            assertEquals("256", client.readLine());
            assertEquals("0 OK", client.command("get_slice hello.txt 7 4").toString());
            assertEquals("SEZUUA==", client.readLine());
            assertEquals("0 OK", client.command("get_slice bytes.bin 10 200 raw").toString());
            assertArrayEquals(Arrays.copyOfRange(allBytes(), 10, 210), client.readRawSlice());
            assertEquals("202 FILE NOT FOUND", client.command("get_metadata nope").toString());
            assertEquals("0 OK", client.command("quit").toString());
            assertTrue(client.isClosedByServer(), "quit closes the connection");
        }

        server.process.destroy();
        assertTrue(server.process.waitFor(10, TimeUnit.SECONDS), "the server did not stop on SIGTERM");
        // SIGTERM closes the server gracefully and main returns: exit code 0, not 128 + 15.
        int exit = server.process.exitValue();
        assertEquals(0, exit, "exit code after SIGTERM\n" + server.output());
        assertFalse(server.stderr().contains("Exception"), "stderr: " + server.stderr());
        assertThrows(ConnectException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            }
        });
    }

    @Test
    void metricsPortServesPrometheusScrapes() throws Exception {
        Files.writeString(dir.resolve("hello.txt"), "Hello, HFTP!");
        JarProcess server = start(dir, List.of(), "-a", "127.0.0.1", "-p", "0", "-d", dir.toString(),
                "--metrics-port", "0");
        int port = Integer.parseInt(server.awaitServing().group(3));
        int metricsPort = server.awaitLine(Pattern.compile("Metrics at http://127\\.0\\.0\\.1:(\\d+)/metrics"));

        try (HftpTestClient client = new HftpTestClient(port)) {
            assertEquals("0 OK", client.command("get_metadata hello.txt").toString());
            assertEquals("12", client.readLine());
            assertEquals("202 FILE NOT FOUND", client.command("get_metadata nope").toString());
        }
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scrape.statusCode());
        assertTrue(scrape.body().contains("\nhftp_requests_total{command=\"get_metadata\",status=\"0\"} 1.0\n"),
                scrape.body());
        assertTrue(scrape.body().contains("\nhftp_requests_total{command=\"get_metadata\",status=\"202\"} 1.0\n"),
                scrape.body());
        assertTrue(scrape.body().contains("\njvm_memory_used_bytes{area=\"heap\"} "), scrape.body());
    }

    /**
     * The first SIGTERM (or Ctrl-C) says at once what the server does, and waits for the transfer in flight; a
     * second one stops the process at once (128 + 15), saying what it cut. Before, nothing was said for the whole
     * grace and the second signal was ignored.
     */
    @Test
    void theFirstSignalIsAnsweredAtOnceAndASecondStopsNow() throws Exception {
        try (java.io.RandomAccessFile big = new java.io.RandomAccessFile(dir.resolve("big").toFile(), "rw")) {
            big.setLength(200L << 20);
        }
        JarProcess server = start(dir, List.of(), "-a", "127.0.0.1", "-p", "0", "-d", dir.toString(),
                "--shutdown-grace", "30");
        int port = Integer.parseInt(server.awaitServing().group(3));
        try (HftpTestClient client = new HftpTestClient(port, 30_000, 4096)) {
            client.sendRaw("get_slice big 0 " + (200L << 20) + " raw\r\n");
            client.readBytes(1024);
            // SIGTERM through the handle: Process.destroy() would also close this side's pipes, and the lines after.
            server.process.toHandle().destroy();
            String first = "INFO  [SIGTERM handler] HftpServerMain - stopping on SIGTERM: 1 connection open, transfers "
                    + "in flight may finish for up to 30 s; send it again (Ctrl-C) to stop now";
            try {
                AbuseSupport.await(() -> server.stderr().contains(first), java.time.Duration.ofSeconds(10),
                        "the first signal's line");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + server.output(), e);
            }
            Thread.sleep(500);
            assertTrue(server.process.isAlive(), "the first signal waits for the transfer");
            long start = System.nanoTime();
            server.process.toHandle().destroy();
            assertTrue(server.process.waitFor(10, TimeUnit.SECONDS), "a second SIGTERM did not stop the server");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(143, server.process.exitValue(), server.output());
            assertTrue(millis < 5_000, "stopped " + millis + " ms after the second signal");
            server.awaitExit();
            assertTrue(server.stderr().contains("WARN  [SIGTERM handler] HftpServerMain - stopping now on a second "
                    + "SIGTERM: 1 connection cut"), server.stderr());
            assertTrue(server.stderr().matches("(?s)\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}.*"),
                    "log lines start with an ISO-8601 date and time: " + server.stderr());
        }
    }

    @Test
    void helpPrintsUsageOnStdoutAndExitsZero() throws Exception {
        JarProcess help = start(dir, List.of(), "--help");
        assertEquals(0, help.awaitExit(), help.output());
        String out = help.stdout();
        assertTrue(out.startsWith("Usage: hftp-server"), out);
        for (String option : List.of("-a", "--address", "-p", "--port", "-d", "--datadir", "--help", "--version")) {
            assertTrue(out.contains(option), "usage lacks " + option + ":\n" + out);
        }
        assertEquals("", help.stderr());
    }

    @Test
    void versionPrintsTheVersionAndExitsZero() throws Exception {
        JarProcess version = start(dir, List.of(), "--version");
        assertEquals(0, version.awaitExit(), version.output());
        String first = version.stdoutLines().get(0);
        assertTrue(first.matches("hftp-server \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), "version line: " + first);
        assertEquals("", version.stderr());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--nope", "-p abc", "-p 70000", "-p -1", "-p"})
    void usageErrorsExitTwoWithAMessageOnStderr(String arguments) throws Exception {
        List<String> args = new ArrayList<>(List.of(arguments.split(" ")));
        args.addAll(List.of("-a", "127.0.0.1", "-d", dir.toString()));
        JarProcess bad = start(dir, List.of(), args.toArray(String[]::new));
        assertEquals(2, bad.awaitExit(), "exit code for " + arguments + "\n" + bad.output());
        assertEquals("", bad.stdout());
        assertFalse(bad.stderr().isBlank(), "a message on stderr");
        String offending = arguments.contains(" ") ? arguments.substring(arguments.indexOf(' ') + 1) : arguments;
        assertTrue(bad.stderr().contains(offending), "stderr should name " + offending + ":\n" + bad.stderr());
        assertNoStackTrace(bad.stderr());
    }

    @Test
    void missingDirectoryExitsOneWithOneLineOnStderr() throws Exception {
        Path missing = dir.resolve("missing");
        JarProcess server = start(dir, List.of(), "-a", "127.0.0.1", "-p", "0", "-d", missing.toString());
        assertEquals(1, server.awaitExit(), server.output());
        assertEquals("", server.stdout());
        List<String> lines = server.stderrLines();
        assertEquals(1, lines.size(), "exactly one line on stderr:\n" + server.stderr());
        assertTrue(lines.get(0).contains("missing"), lines.get(0));
        assertNoStackTrace(server.stderr());
    }

    @Test
    void portInUseExitsOneWithOneLineOnStderr() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            String port = Integer.toString(taken.getLocalPort());
            JarProcess server = start(dir, List.of(), "-a", "127.0.0.1", "-p", port, "-d", dir.toString());
            assertEquals(1, server.awaitExit(), server.output());
            assertEquals("", server.stdout());
            List<String> lines = server.stderrLines();
            assertEquals(1, lines.size(), "exactly one line on stderr:\n" + server.stderr());
            assertTrue(lines.get(0).contains(port), lines.get(0));
            assertNoStackTrace(server.stderr());
        }
    }

    /** No flags: {@code testdata} of the working directory, on 0.0.0.0:19500. */
    @Test
    void defaultsServeTestdataOnAllInterfacesPort19500() throws Exception {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress("0.0.0.0", 19500));
        } catch (IOException e) {
            assumeTrue(false, "port 19500 is busy here: " + e);
        }
        Path testdata = Files.createDirectory(dir.resolve("testdata"));
        Files.writeString(testdata.resolve("default.txt"), "served by default");
        JarProcess server = start(dir, List.of());
        Matcher serving = server.awaitServingOrExit();
        if (serving == null) {
            // Taken in the meantime by someone else (another build on this machine).
            assumeFalse(server.stderr().contains("19500"), "port 19500 was taken: " + server.stderr());
            fail("the server did not start:\n" + server.output());
        }
        assertEquals(testdata.toRealPath().toString(), serving.group(1));
        assertEquals("0.0.0.0", serving.group(2));
        assertEquals("19500", serving.group(3));
        try (HftpTestClient client = new HftpTestClient(19500)) {
            assertEquals("0 OK", client.command("get_file_listing").toString());
            assertEquals(List.of("default.txt"), client.readLines());
            assertEquals("0 OK", client.command("get_metadata default.txt").toString());
            assertEquals("17", client.readLine());
        }
    }

    /**
     * HFTP.md: a file that exists but cannot be read gets {@code 199 INTERNAL SERVER ERROR} on
     * {@code get_slice}, and the connection is closed. Root reads any file, so as root the server runs as
     * nobody (setpriv); the served directory is then made under a world-traversable one.
     */
    @Test
    void unreadableFileSliceAnswers199AndCloses() throws Exception {
        boolean root = isRoot();
        List<String> prefix = List.of();
        Path base = dir;
        Path jarToRun = jar;
        if (root) {
            assumeTrue(Files.isExecutable(SETPRIV), "running as root needs " + SETPRIV + " to drop privileges");
            // JUnit's temporary directory is private to root; this one is open to nobody.
            base = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "hftp-unreadable-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            jarToRun = Files.copy(jar, base.resolve("hftp-server.jar"), StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(jarToRun, PosixFilePermissions.fromString("rw-r--r--"));
            prefix = List.of(AS_NOBODY);
        }
        try {
            Path served = Files.createDirectory(base.resolve("served"));
            Files.setPosixFilePermissions(served, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path readable = Files.writeString(served.resolve("readable"), "readable");
            Files.setPosixFilePermissions(readable, PosixFilePermissions.fromString("rw-r--r--"));
            Path unreadable = Files.writeString(served.resolve("unreadable"), "secret!");
            Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
            if (root) {
                // The premise: as nobody, the file cannot be read.
                Process cat = new ProcessBuilder(concat(prefix, List.of("cat", unreadable.toString())))
                        .redirectErrorStream(true).start();
                cat.getInputStream().readAllBytes();
                assertTrue(cat.waitFor(10, TimeUnit.SECONDS));
                assertNotEquals(0, cat.exitValue(), "setpriv did not drop root's right to read");
            } else {
                assumeFalse(Files.isReadable(unreadable), "this user reads files with mode 000");
            }

            JarProcess server = start(base, prefix, jarToRun, "-a", "127.0.0.1", "-p", "0", "-d", served.toString());
            int port = Integer.parseInt(server.awaitServing().group(3));

            try (HftpTestClient client = new HftpTestClient(port)) {
                // Listing and metadata need no read permission: the file is listed, its size is known.
                assertEquals("0 OK", client.command("get_file_listing").toString());
                assertEquals(List.of("readable", "unreadable"), client.readLines().stream().sorted().toList());
                assertEquals("0 OK", client.command("get_metadata unreadable").toString());
                assertEquals("7", client.readLine());
                assertEquals("0 OK", client.command("get_slice readable 0 4").toString());
                assertEquals("cmVhZA==", client.readLine());
                // Reading it fails: 199, fatal.
                assertEquals("199 INTERNAL SERVER ERROR", client.command("get_slice unreadable 0 1").toString());
                assertTrue(client.isClosedByServer(), "199 is fatal: the connection must be closed");
            }
            try (HftpTestClient client = new HftpTestClient(port)) {
                assertEquals("199 INTERNAL SERVER ERROR",
                        client.command("get_slice unreadable 2 3 raw").toString());
                assertTrue(client.isClosedByServer(), "199 is fatal: the connection must be closed");
            }
            // The server itself goes on.
            try (HftpTestClient client = new HftpTestClient(port)) {
                assertEquals("0 OK", client.command("get_slice readable 4 4 raw").toString());
                assertArrayEquals("able".getBytes(StandardCharsets.US_ASCII), client.readRawSlice());
            }
            assertTrue(server.process.isAlive());
        } finally {
            if (root) {
                // Before its directory goes.
                processes.destroyAll();
                TestFiles.deleteTree(base);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------

    private JarProcess start(Path workingDirectory, List<String> prefix, String... args) throws IOException {
        return processes.start(workingDirectory, prefix, List.of(), jar, args);
    }

    private JarProcess start(Path workingDirectory, List<String> prefix, Path jarFile, String... args)
            throws IOException {
        return processes.start(workingDirectory, prefix, List.of(), jarFile, args);
    }

    private static void assertNoStackTrace(String stderr) {
        assertFalse(stderr.contains("Exception"), "an exception on stderr:\n" + stderr);
        assertFalse(stderr.contains("\tat "), "a stack trace on stderr:\n" + stderr);
    }

    private boolean isRoot() throws IOException {
        Path probe = Files.createTempFile(dir, "uid", "");
        try {
            return ((Integer) Files.getAttribute(probe, "unix:uid")) == 0;
        } finally {
            Files.delete(probe);
        }
    }

    private static byte[] allBytes() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
