package dev.hftp.it;

import dev.hftp.codec.testing.LoggerCapture;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.hftp.it.AbuseSupport.await;
import static dev.hftp.it.AbuseSupport.figure;
import static dev.hftp.it.AbuseSupport.serverJar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One client cannot flood the server's log, which the threads serving everyone write synchronously: a warning
 * it can repeat at will (a refused connection, a {@code 199}, an accept that fails for want of descriptors) is
 * written at most once a second, with the count of the ones not written, and an expected condition never with a
 * stack trace. Each test counts the lines and checks that their counts add up to what happened.
 */
@Timeout(120)
class LogFloodIT {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Pattern COUNT = Pattern.compile("^([\\d,]+) more ");

    @TempDir
    Path tmp;

    @RegisterExtension
    final JarProcesses processes = new JarProcesses();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /**
     * One client reconnecting 2,000 times past {@code maxConnections(2)}: before, one WARN per refusal (2,000
     * lines); now one line when the first is refused and then one a second with the count of the others.
     */
    @Test
    void refusalsPastTheLimitAreLoggedAtMostOnceASecondWithTheirCount() throws Exception {
        int refusals = 2_000;
        Path served = Files.createDirectory(tmp.resolve("served"));
        LoggerCapture log = LoggerCapture.begin("dev.hftp.server.pipeline.ConnectionAdmission");
        toClose.add(log::stop);
        HftpServer server = new HftpServerBootstrap().directory(served).address("127.0.0.1").port(0)
                .maxConnections(2).start();
        toClose.add(server);
        for (int i = 0; i < 2; i++) {
            HftpTestClient admitted = new HftpTestClient(server.port());
            toClose.add(admitted);
            assertEquals("0 OK", admitted.command("help").toString());
            admitted.readLines();
        }

        long start = System.nanoTime();
        for (int i = 0; i < refusals; i++) {
            assertClosedAtOnce(server.port());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        await(() -> server.refusedConnections() == refusals, Duration.ofSeconds(10), "all refusals counted");
        // The count of the last second comes in a line written up to a second after the last refusal.
        await(() -> total(messages(log)) == refusals, Duration.ofSeconds(5),
                "the lines account for every refusal");

        List<String> lines = messages(log);
        figure("LogFloodIT", "%,d refusals in %.1f s (maxConnections 2): %d WARN lines: %s", refusals, seconds,
                lines.size(), lines);
        assertTrue(lines.size() <= Math.ceil(seconds) + 2,
                lines.size() + " WARN lines for " + refusals + " refusals in " + seconds + " s, expected at most "
                        + (long) (Math.ceil(seconds) + 2) + ": " + abbreviate(lines));
        assertFalse(log.events().stream().anyMatch(LoggerCapture.Event::thrown), "a refusal logged with a trace");
    }

    /** Connects and expects the server to close the connection without a byte. */
    private static void assertClosedAtOnce(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            try {
                assertEquals(-1, in.read(), "a connection over the limit is closed without a reply");
            } catch (SocketException e) {
                // A reset: closed as well.
            }
        }
    }

    /**
     * A client asking 1,000 times for a file the server may not read: each gets {@code 199} and its connection
     * closed; before, one WARN each (1,000 lines). Root reads any file whatever its mode, so as root the server
     * runs under uid 65534 ({@code setpriv}, as in {@link ServerJarIT}); its log is its standard error.
     */
    @Test
    void internalErrorsAreLoggedAtMostOnceASecondWithTheirCount() throws Exception {
        int requests = 1_000;
        boolean root = isRoot();
        List<String> prefix = List.of();
        Path base = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "hftp-logflood-");
        toClose.add(() -> TestFiles.deleteTree(base));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = serverJar();
        if (root) {
            assumeTrue(Files.isExecutable(SETPRIV), "running as root needs " + SETPRIV + " to drop privileges");
            jar = Files.copy(jar, base.resolve("hftp-server.jar"), StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
            prefix = List.of(SETPRIV.toString(), "--reuid=65534", "--regid=65534", "--clear-groups");
        }
        Path served = Files.createDirectory(base.resolve("served"));
        Files.setPosixFilePermissions(served, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path unreadable = Files.writeString(served.resolve("unreadable"), "secret!");
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
        if (root) {
            Process cat = new ProcessBuilder(concat(prefix, List.of("cat", unreadable.toString())))
                    .redirectErrorStream(true).start();
            cat.getInputStream().readAllBytes();
            assertTrue(cat.waitFor(10, TimeUnit.SECONDS));
            assertNotEquals(0, cat.exitValue(), "setpriv did not drop root's right to read");
        } else {
            assumeFalse(Files.isReadable(unreadable), "this user reads files with mode 000");
        }
        JarProcess server = startJar(prefix, jar, "-d", served.toString());
        int port = Integer.parseInt(server.awaitServing().group(3));

        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            try (HftpTestClient client = new HftpTestClient(port)) {
                assertEquals("199 INTERNAL SERVER ERROR", client.command("get_slice unreadable 0 1").toString());
                assertTrue(client.isClosedByServer(), "199 is fatal: the connection must be closed");
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        await(() -> total(handlerWarnings(server)) == requests, Duration.ofSeconds(5),
                "the lines account for every 199");

        List<String> lines = handlerWarnings(server);
        figure("LogFloodIT", "%,d requests answered 199 in %.1f s: %d WARN lines: %s", requests, seconds,
                lines.size(), lines);
        assertTrue(lines.size() <= Math.ceil(seconds) + 2,
                lines.size() + " WARN lines for " + requests + " 199s in " + seconds + " s, expected at most "
                        + (long) (Math.ceil(seconds) + 2) + ": " + abbreviate(lines));
        assertNoStackTrace(server.stderr());
    }

    /** The messages of the WARN lines of HftpHandler in a server process's standard error. */
    private static List<String> handlerWarnings(JarProcess server) {
        String marker = " HftpHandler - ";
        return server.stderrLines().stream()
                .filter(line -> line.contains(" WARN ") && line.contains(marker))
                .map(line -> line.substring(line.indexOf(marker) + marker.length()))
                .toList();
    }

    /**
     * A server run with 64 file descriptors ({@code prlimit}) and 100 clients connected at once: once its
     * descriptors are spent, every accept fails with EMFILE, and Netty retries once a second. Before, each failure
     * reached the end of the server channel's pipeline, which logged it with a 20-line stack trace; now one line
     * each, at most one a second. Once the clients leave, the server serves again.
     */
    @Test
    void acceptFailuresForWantOfDescriptorsAreOneLineEachWithoutAStackTrace() throws Exception {
        assumeTrue(onPath("prlimit"), "prlimit (util-linux) is needed to lower the server's descriptor limit");
        Path served = Files.createDirectory(tmp.resolve("served"));
        JarProcess server = startJar(List.of("prlimit", "--nofile=64:64"), serverJar(), "-d", served.toString());
        int port = Integer.parseInt(server.awaitServing().group(3));

        List<Socket> hogs = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < 100; i++) {
                Socket socket = new Socket();
                hogs.add(socket);
                // The kernel completes the handshake even when the server cannot accept: the backlog holds it.
                socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            }
            await(() -> server.stderr().contains("Too many open files"), Duration.ofSeconds(10),
                    "an accept failing with EMFILE");
            Thread.sleep(3_000);
        } finally {
            for (Socket socket : hogs) {
                socket.close();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        try (HftpTestClient client = new HftpTestClient(port)) {
            assertEquals("0 OK", client.command("help").toString(), "served again once descriptors are free");
            client.readLines();
        }

        List<String> failures = server.stderrLines().stream().filter(line -> line.contains("Too many open files"))
                .toList();
        figure("LogFloodIT", "100 clients against 64 descriptors for %.1f s: %d lines naming EMFILE, %d lines "
                + "of standard error in all: %s", seconds, failures.size(), server.stderrLines().size(), failures);
        assertNoStackTrace(server.stderr());
        assertTrue(failures.size() <= Math.ceil(seconds) + 2, failures.size() + " lines for accept failures in "
                + seconds + " s: " + abbreviate(failures));
    }

    // ---------------------------------------------------------------------------------------------------

    /** What the lines account for: a line that names a count ({@code N more ...}) stands for N, any other for 1. */
    private static long total(List<String> lines) {
        long total = 0;
        for (String line : lines) {
            Matcher count = COUNT.matcher(line);
            total += count.find() ? Long.parseLong(count.group(1).replace(",", "")) : 1;
        }
        return total;
    }

    private static List<String> messages(LoggerCapture log) {
        return log.events().stream().map(LoggerCapture.Event::message).toList();
    }

    private static String abbreviate(List<String> lines) {
        return lines.size() <= 10 ? lines.toString()
                : lines.subList(0, 5) + " ... " + lines.subList(lines.size() - 5, lines.size());
    }

    private static void assertNoStackTrace(String stderr) {
        assertFalse(stderr.contains("\tat "), "a stack trace on the server's standard error:\n"
                + stderr.lines().limit(40).reduce("", (a, b) -> a + b + "\n"));
    }

    /**
     * The server's jar on 127.0.0.1 and a free port, under {@code prefix} ({@code setpriv}, {@code prlimit}), from
     * the jar's directory: one the server's user may enter (uid 65534 may not enter this module's).
     */
    private JarProcess startJar(List<String> prefix, Path jar, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("-a", "127.0.0.1", "-p", "0"));
        all.addAll(List.of(args));
        JarProcess process = processes.start(jar.getParent(), prefix, List.of(), jar, all.toArray(String[]::new));
        // Before what the test registered earlier (its directories) is removed.
        toClose.add(process::destroy);
        return process;
    }

    private boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(tmp, "unix:uid")) == 0;
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(entry -> !entry.isEmpty() && Files.isExecutable(Path.of(entry, command)));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

}
