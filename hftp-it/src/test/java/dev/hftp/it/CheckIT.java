package dev.hftp.it;

import dev.hftp.codec.testing.TestCertificate;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.hftp.it.AbuseSupport.figure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code hftp check} as its users run it (the client jar, in a JVM of its own) against this project's server, a
 * classic server written here without the extensions, and servers broken on purpose, each with one defect that
 * the case meant for it must catch.
 */
class CheckIT {

    private static final List<String> QUICK_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:-UsePerfData");
    private static final Pattern SUMMARY = Pattern.compile(
            "hftp check: (\\d+) passed, (\\d+) failed, (\\d+) skipped, (\\d+) info \\(([0-9.]+) s\\)");

    private static Path jar;

    @TempDir
    Path dir;

    private Path data;
    private final List<AutoCloseable> servers = new ArrayList<>();

    @BeforeAll
    static void findJar() {
        String property = System.getProperty("hftp.client.jar");
        assertTrue(property != null && !property.isEmpty(), "system property hftp.client.jar is not set");
        jar = Path.of(property).toAbsolutePath().normalize();
    }

    @BeforeEach
    void makeData() throws Exception {
        data = dir.resolve("data");
        Result made = run("check", "--make-data", data.toString());
        made.assertExit(0);
        assertTrue(made.stdout.contains("the data set is in " + data), made.stdout);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable server : servers) {
            server.close();
        }
        // Removed here: JUnit warns about a link to outside its temporary directory when it deletes one.
        Files.deleteIfExists(data.resolve("outside.lnk"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theProjectsServerPassesEveryCaseInUnderThirtySeconds() throws Exception {
        HftpServer server = new HftpServerBootstrap().directory(data).address("127.0.0.1").port(0).start();
        servers.add(server);
        Result check = run("check", "127.0.0.1:" + server.port());
        check.assertExit(0);
        Matcher counts = check.summary();
        assertEquals("0", counts.group(2), check.stdout);
        // Root reads a file of mode 000: that case, and only that one, is then skipped.
        boolean root = "root".equals(System.getProperty("user.name"));
        assertEquals(root ? "1" : "0", counts.group(3), "skipped\n" + check.stdout);
        assertTrue(check.stdout.contains((root ? "SKIP" : "PASS") + "  errors/unreadable-file-closes"), check.stdout);
        assertTrue(Integer.parseInt(counts.group(1)) >= 50, check.stdout);
        assertFalse(check.stdout.contains("FAIL"), check.stdout);
        assertTrue(check.stdout.contains("INFO  info/two-spaces  as this project decides"), check.stdout);
        double seconds = Double.parseDouble(counts.group(5));
        figure("CheckIT", "hftp check of this project's server: %s passed, %s info in %.1f s", counts.group(1),
                counts.group(4), seconds);
        assertTrue(seconds < 30, "a full check took " + seconds + " s");
    }

    /** Over TLS, the same cases, through the JDK's own TLS sockets, the server's certificate checked. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theProjectsServerPassesOverTls() throws Exception {
        TestCertificate certificate = TestCertificate.generate(dir, "server", "hftp test", "ip:127.0.0.1", "EC");
        HftpServer server = new HftpServerBootstrap().directory(data).address("127.0.0.1").port(0)
                .tls(certificate.certPem(), certificate.keyPem()).start();
        servers.add(server);
        Result check = run("check", "--tls-ca", certificate.certPem().toString(), "127.0.0.1:" + server.port());
        check.assertExit(0);
        assertTrue(check.stdout.startsWith("hftp check 127.0.0.1:" + server.port() + " (TLS)\n"), check.stdout);
        assertEquals("0", check.summary().group(2), check.stdout);

        Result untrusted = run("check", "--tls", "127.0.0.1:" + server.port());
        untrusted.assertExit(3);
        assertTrue(untrusted.stderr.startsWith("hftp: check: cannot reach 127.0.0.1:" + server.port()),
                untrusted.stderr);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aClassicServerPassesWithoutTheExtensionsAndFailsOnlyThemWith() throws Exception {
        ClassicServer classic = new ClassicServer(data, ClassicServer.Defect.NONE);
        servers.add(classic);
        Result without = run("check", "--skip-extensions", "127.0.0.1:" + classic.port());
        without.assertExit(0);
        assertEquals("0", without.summary().group(2), without.stdout);
        assertFalse(without.stdout.contains("extensions/"), without.stdout);

        Result with = run("check", "127.0.0.1:" + classic.port());
        with.assertExit(1);
        for (String line : with.stdout.split("\n")) {
            if (line.startsWith("FAIL")) {
                assertTrue(line.startsWith("FAIL  extensions/"), "only the extensions fail: " + line);
            }
        }
        assertTrue(with.stdout.contains("FAIL  extensions/help"), with.stdout);
    }

    /** A lab server that serves one client at a time fails the concurrency group, and only it. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aServerOfOneClientAtATimeFailsOnlyTheConcurrencyGroup() throws Exception {
        ClassicServer sequential = new ClassicServer(data, ClassicServer.Defect.NONE, true);
        servers.add(sequential);
        Result check = run("check", "--skip-extensions", "--case-timeout", "2", "127.0.0.1:" + sequential.port());
        check.assertExit(1);
        List<String> failed = check.stdout.lines().filter(l -> l.startsWith("FAIL")).toList();
        assertEquals(2, failed.size(), check.stdout);
        for (String line : failed) {
            assertTrue(line.startsWith("FAIL  concurrency/"), "only concurrency fails: " + line);
        }
    }

    @ParameterizedTest(name = "{0} is caught by {1}")
    @CsvSource({
            "WRONG_CODE,           metadata/missing-file",
            "NO_CLOSE_AFTER_FATAL, errors/empty-line-closes",
            "OUT_OF_ORDER,         framing/pipelined-in-one-packet",
            "OFF_BY_ONE_RANGE,     slice/one-byte-past-the-end",
            "BASE64_LINE_BREAKS,   slice/whole-random-file",
            "MISSING_CRLF,         metadata/size-of-archivo.txt",
            "LISTING_HIDES_DOTFILES, listing/every-file-once",
    })
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void eachBrokenServerFailsTheCaseMeantForItsDefect(ClassicServer.Defect defect, String caseId) throws Exception {
        ClassicServer broken = new ClassicServer(data, defect);
        servers.add(broken);
        // A broken server may leave a case waiting for a reply that never comes: 2 s each keeps the run short.
        Result check = run("check", "--skip-extensions", "--case-timeout", "2", "127.0.0.1:" + broken.port());
        check.assertExit(1);
        assertTrue(check.stdout.contains("FAIL  " + caseId + "  "), defect + " not caught by " + caseId + ":\n"
                + check.stdout);
        // The failure shows what was sent, expected and received, and the run went on to its summary.
        int at = check.stdout.indexOf("FAIL  " + caseId);
        String details = check.stdout.substring(at, Math.min(check.stdout.length(), at + 2_000));
        assertTrue(details.contains("      sent:     ") && details.contains("      got:      "), details);
        check.summary();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFailureMarksItsFirstDifferentByte() throws Exception {
        ClassicServer broken = new ClassicServer(data, ClassicServer.Defect.WRONG_CODE);
        servers.add(broken);
        Result check = run("check", "--only", "metadata", "127.0.0.1:" + broken.port());
        check.assertExit(1);
        String report = check.stdout;
        int at = report.indexOf("FAIL  metadata/missing-file");
        assertTrue(at >= 0, report);
        String[] lines = report.substring(at).split("\n");
        assertEquals("      expected: 202 FILE NOT FOUND\\r\\n", lines[2]);
        assertEquals("      got:      201 INVALID ARGUMENTS FOR COMMAND\\r\\n", lines[3]);
        assertEquals("                  ^ first difference, byte 2", lines[4]);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theJsonReportCountsEveryCase() throws Exception {
        ClassicServer broken = new ClassicServer(data, ClassicServer.Defect.OFF_BY_ONE_RANGE);
        servers.add(broken);
        Result check = run("check", "--json", "--only", "slice", "127.0.0.1:" + broken.port());
        check.assertExit(1);
        String json = check.stdout.trim();
        assertTrue(json.startsWith("{\"target\":\"127.0.0.1:" + broken.port() + "\""), json);
        assertTrue(json.contains("\"id\":\"slice/one-byte-past-the-end\",\"group\":\"slice\","
                + "\"name\":\"one-byte-past-the-end\",\"verdict\":\"FAIL\""), json);
        Matcher failed = Pattern.compile("\"failed\":(\\d+)").matcher(json);
        assertTrue(failed.find(), json);
        assertEquals(count(json, "\"verdict\":\"FAIL\""), Integer.parseInt(failed.group(1)));
    }

    /** A server that accepts and never answers: every case fails within its time, and the run ends. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aHungServerFailsEachCaseAndTheRunEnds() throws Exception {
        ServerSocket silent = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        List<Socket> held = new ArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    held.add(silent.accept());
                }
            } catch (IOException e) {
                // Closed at the end of the test.
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        servers.add(() -> {
            silent.close();
            for (Socket socket : held) {
                socket.close();
            }
        });
        Result check = run("check", "--case-timeout", "1", "--only", "listing,isolation",
                "127.0.0.1:" + silent.getLocalPort());
        check.assertExit(1);
        Matcher counts = check.summary();
        assertEquals("0", counts.group(1), check.stdout);
        assertEquals(check.stdout.lines().filter(l -> l.startsWith("FAIL")).count(), Long.parseLong(counts.group(2)),
                check.stdout);
        assertTrue(Integer.parseInt(counts.group(2)) >= 4, check.stdout);
        assertTrue(check.stdout.contains("note  the data set's files could not be told from the listing"),
                check.stdout);
        assertTrue(check.stdout.contains("no reply before the case's time was up"), check.stdout);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anUnreachableServerExitsThreeWithOneLine() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Result check = run("check", "127.0.0.1:" + port);
        check.assertExit(3);
        assertEquals("", check.stdout);
        assertTrue(check.stderr.startsWith("hftp: check: cannot reach 127.0.0.1:" + port + ": "), check.stderr);
        assertEquals(1, check.stderr.strip().split("\n").length, check.stderr);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void makeDataKeepsItsOwnFilesAndRefusesToOverwriteOthers() throws Exception {
        assertEquals(41, Files.size(data.resolve("archivo.txt")));
        assertEquals(3 * 1024 * 1024 + 2, Files.size(data.resolve("random.bin")));
        assertEquals(0, Files.size(data.resolve("empty.txt")));
        assertTrue(Files.isSymbolicLink(data.resolve("outside.lnk")));
        assertTrue(Files.isDirectory(data.resolve("subdir")));
        run("check", "--make-data", data.toString()).assertExit(0);
        Files.writeString(data.resolve("archivo.txt"), "someone else's file");
        Result refused = run("check", "--make-data", data.toString());
        refused.assertExit(4);
        assertTrue(refused.stderr.contains("archivo.txt"), refused.stderr);
        assertEquals("someone else's file", Files.readString(data.resolve("archivo.txt")));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void hostAndMakeDataTogetherIsAUsageError() throws Exception {
        Result both = run("check", "--make-data", data.toString(), "127.0.0.1:1");
        both.assertExit(2);
        Result neither = run("check");
        neither.assertExit(2);
        Result unknownGroup = run("check", "--only", "nonsense", "127.0.0.1:1");
        unknownGroup.assertExit(2);
        assertTrue(unknownGroup.stderr.contains("no group nonsense"), unknownGroup.stderr);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private Result run(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(QUICK_JVM);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(150, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("hftp " + String.join(" ", args) + " did not exit within 150 s");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), String.join(" ", args));
    }

    private record Result(int exit, String stdout, String stderr, String command) {
        void assertExit(int expected) {
            assertEquals(expected, exit, "exit code of hftp " + command + "\n--- stdout ---\n" + stdout
                    + "\n--- stderr ---\n" + stderr);
        }

        /** The summary line's counts: passed, failed, skipped, info, seconds. */
        Matcher summary() {
            Matcher m = SUMMARY.matcher(stdout);
            assertTrue(m.find(), "no summary line:\n" + stdout);
            return m;
        }
    }
}
