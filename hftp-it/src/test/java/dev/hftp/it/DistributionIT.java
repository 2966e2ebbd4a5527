package dev.hftp.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The distribution as a user gets it: {@code hftp-VERSION.tar.gz} unpacked, its {@code bin/hftp-server} serving and
 * its {@code bin/hftp} listing and downloading, through the launchers (java found on the PATH or through
 * JAVA_HOME, exit codes and SIGTERM passed through, the archive's own configuration read).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DistributionIT {

    @TempDir
    static Path unpacked;
    private static Path home;

    @TempDir
    Path dir;

    @RegisterExtension
    final JarProcesses processes = new JarProcesses();

    @BeforeAll
    static void unpack() throws Exception {
        String archive = System.getProperty("hftp.dist.archive");
        assertTrue(archive != null && Files.isRegularFile(Path.of(archive)),
                "no distribution archive at " + archive + " (built by hftp-dist in the package phase)");
        Process tar = new ProcessBuilder("tar", "-xzf", archive, "-C", unpacked.toString())
                .redirectErrorStream(true).start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS), "tar did not finish");
        assertEquals(0, tar.exitValue(), new String(tar.getInputStream().readAllBytes()));
        try (var entries = Files.list(unpacked)) {
            home = entries.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        assertTrue(home.getFileName().toString().matches("hftp-\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), home.toString());
    }

    /** {@code bin/NAME args}, from {@code dir}, with {@code environment} added to this JVM's. */
    private JarProcess run(String name, Map<String, String> environment, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin").resolve(name).toString()));
        command.addAll(List.of(args));
        return processes.run(dir, environment, command);
    }

    @Test
    void holdsTheLaunchersTheJarsAndTheConfiguration() {
        for (String file : List.of("bin/hftp", "bin/hftp-server", "lib/hftp.jar", "lib/hftp-server.jar",
                "lib/launcher.sh", "conf/hftp.yaml", "conf/jvm.options", "conf/log4j2.xml", "conf/hftp-server.service",
                "README.md")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), "missing " + file);
        }
        assertTrue(Files.isExecutable(home.resolve("bin/hftp")) && Files.isExecutable(home.resolve("bin/hftp-server")));
    }

    @Test
    void theServerServesAndTheClientDownloadsThroughTheLaunchers() throws Exception {
        Path served = Files.createDirectory(dir.resolve("served"));
        byte[] bytes = new byte[3 * 1024 * 1024 + 7];
        new Random(13).nextBytes(bytes);
        Files.write(served.resolve("data.bin"), bytes);
        // java from the PATH (this JVM's), as a user who has only a JDK installed has it.
        Map<String, String> path = Map.of("PATH", Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin",
                "JAVA_HOME", "");
        JarProcess server = run("hftp-server", path, "-a", "127.0.0.1", "-p", "0", "-d", served.toString());
        String port = server.awaitServing().group(3);

        JarProcess ls = run("hftp", path, "ls", "127.0.0.1:" + port);
        assertEquals(0, ls.awaitExit(), ls.output());
        assertEquals(List.of("data.bin"), ls.stdoutLines());

        // JAVA_HOME, as a packaged service sets it.
        Map<String, String> javaHome = Map.of("JAVA_HOME", System.getProperty("java.home"), "PATH", "/usr/bin:/bin");
        Path copy = dir.resolve("copy.bin");
        JarProcess get = run("hftp", javaHome, "get", "127.0.0.1:" + port, "data.bin", "-o", copy.toString(), "-q");
        assertEquals(0, get.awaitExit(), get.output());
        assertArrayEquals(bytes, Files.readAllBytes(copy));

        // SIGTERM reaches the server (the launcher execs java): it stops with exit code 0.
        server.process.destroy();
        assertTrue(server.process.waitFor(20, TimeUnit.SECONDS), "the server did not stop on SIGTERM");
        assertEquals(0, server.process.exitValue(), server.output());
    }

    @Test
    void exitCodesPassThroughTheLaunchers() throws Exception {
        JarProcess badPort = run("hftp-server", Map.of(), "-p", "70000");
        assertEquals(2, badPort.awaitExit(), badPort.output());
        assertEquals("hftp-server: --port: 70000 (expected: 0-65535)\n", badPort.stderr());

        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        JarProcess refused = run("hftp", Map.of(), "ls", "127.0.0.1:" + closed);
        assertEquals(3, refused.awaitExit(), refused.output());
    }

    @Test
    void aJavaHomeWithoutJavaIsOneClearLine() throws Exception {
        JarProcess wrong = run("hftp", Map.of("JAVA_HOME", dir.toString()), "--version");
        assertEquals(1, wrong.awaitExit(), wrong.output());
        assertEquals("hftp: JAVA_HOME is " + dir + ", which has no bin/java: point it at a JDK 17 or newer, or unset it\n",
                wrong.stderr());
    }

    /**
     * The version is read from the JDK's release file, without starting a JVM only to ask (0.1 s of every command):
     * here a java that would say so if started, in a JAVA_HOME whose release file says Java 11.
     */
    @Test
    void anOldJavaIsOneClearLineWithoutStartingIt() throws Exception {
        Path jdk = Files.createDirectories(dir.resolve("jdk-11/bin"));
        Path java = Files.writeString(jdk.resolve("java"), "#!/bin/sh\necho 'java was started' >&2\nexit 99\n");
        assertTrue(java.toFile().setExecutable(true));
        Files.writeString(dir.resolve("jdk-11/release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"11.0.22\"\n");
        JarProcess old = run("hftp", Map.of("JAVA_HOME", dir.resolve("jdk-11").toString()), "--version");
        assertEquals(1, old.awaitExit(), old.output());
        assertEquals("hftp: " + java + " is Java 11; Java 17 or newer is needed (set JAVA_HOME)\n", old.stderr());
    }

    @Test
    void theServerReadsTheArchivesConfigurationUnlessGivenOne() throws Exception {
        // The built-in directory, which --print-config checks as a start would: ./testdata of where it runs.
        Files.createDirectories(dir.resolve("testdata"));
        JarProcess printed = run("hftp-server", Map.of(), "--print-config");
        assertEquals(0, printed.awaitExit(), printed.output());
        assertTrue(printed.stdoutLines().contains("port=19500"), printed.output());

        Files.writeString(home.resolve("conf/hftp.yaml"), Files.readString(home.resolve("conf/hftp.yaml"))
                + "port: 19501\n");
        JarProcess fromArchive = run("hftp-server", Map.of(), "--print-config");
        assertEquals(0, fromArchive.awaitExit(), fromArchive.output());
        assertTrue(fromArchive.stdoutLines().contains("port=19501"), fromArchive.output());

        Path own = Files.writeString(dir.resolve("own.properties"), "port=19502\n");
        JarProcess fromOwn = run("hftp-server", Map.of(), "--config", own.toString(), "--print-config");
        assertEquals(0, fromOwn.awaitExit(), fromOwn.output());
        assertTrue(fromOwn.stdoutLines().contains("port=19502"), fromOwn.output());
        Files.writeString(home.resolve("conf/hftp.yaml"),
                Files.readString(home.resolve("conf/hftp.yaml")).replace("port: 19501\n", ""));
    }

    /**
     * The systemd unit of the archive, as systemd would run it (systemd is not PID 1 here): its ExecStart with its
     * Environment, the paths moved to a temporary directory. The server serves, and writes its access log where the
     * unit says; a configuration error (exit code 2) is not restarted.
     */
    @Test
    void theSystemdUnitsCommandServesAndLogsItsAccesses() throws Exception {
        String unit = Files.readString(home.resolve("conf/hftp-server.service"));
        assertTrue(unit.contains("\nRestartPreventExitStatus=2\n"), unit);
        Path etc = Files.createDirectory(dir.resolve("etc"));
        Path log = Files.createDirectory(dir.resolve("log"));
        Path served = Files.createDirectory(dir.resolve("srv"));
        Files.writeString(served.resolve("a.txt"), "served by the unit");
        Files.writeString(etc.resolve("hftp.yaml"), "address: 127.0.0.1\nport: 0\ndatadir: " + served + "\n");
        String moved = unit.replace("/opt/hftp", home.toString()).replace("/etc/hftp", etc.toString())
                .replace("/var/log/hftp", log.toString());
        String execStart = moved.lines().filter(line -> line.startsWith("ExecStart=")).findFirst().orElseThrow()
                .substring("ExecStart=".length());
        String environment = moved.lines().filter(line -> line.startsWith("Environment=")).findFirst().orElseThrow()
                .substring("Environment=".length()).replace("\"", "");
        int equals = environment.indexOf('=');
        JarProcess server = processes.run(dir, Map.of(environment.substring(0, equals), environment.substring(equals + 1)),
                List.of(execStart.split(" ")));
        String port = server.awaitServing().group(3);
        JarProcess ls = run("hftp", Map.of(), "ls", "127.0.0.1:" + port);
        assertEquals(0, ls.awaitExit(), ls.output());
        assertEquals(List.of("a.txt"), ls.stdoutLines());
        AbuseSupport.await(() -> {
            try {
                return Files.exists(log.resolve("access.log"))
                        && Files.readString(log.resolve("access.log")).contains(" get_file_listing - - - 0 ");
            } catch (IOException e) {
                return false;
            }
        }, java.time.Duration.ofSeconds(10), "the access log line of the listing");
    }

    /**
     * In a pseudo-terminal of 60 and of 80 columns (util-linux {@code script}), every redraw of the progress bar fits
     * in one line: the launcher passes the terminal's width as COLUMNS. Before, the bar was 82-84 columns whatever
     * the terminal, and each redraw wrapped.
     */
    @ParameterizedTest
    @ValueSource(ints = {60, 80})
    void theProgressBarFitsTheTerminal(int columns) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux script is needed for a pseudo-terminal");
        Path served = Files.createDirectory(dir.resolve("served"));
        String name = "a-rather-long-name-for-a-bar-" + columns + ".bin";
        byte[] bytes = new byte[64 << 20];
        new Random(columns).nextBytes(bytes);
        Files.write(served.resolve(name), bytes);
        JarProcess server = run("hftp-server", Map.of(), "-a", "127.0.0.1", "-p", "0", "-d", served.toString());
        String port = server.awaitServing().group(3);
        Path typescript = dir.resolve("typescript");
        Path copy = dir.resolve("copy.bin");
        // A rate limit is not needed: the first redraw comes with the first bytes, and the last at the end.
        JarProcess get = processes.run(dir, Map.of("COLUMNS", ""), List.of("/usr/bin/script", "-qec",
                "stty cols " + columns + "; " + home.resolve("bin/hftp") + " get 127.0.0.1:" + port + " " + name
                        + " -o " + copy, typescript.toString()));
        assertEquals(0, get.awaitExit(), get.output());
        assertArrayEquals(bytes, Files.readAllBytes(copy));
        List<String> redraws = List.of(Files.readString(typescript).split("[\r\n]+")).stream()
                .filter(line -> line.contains("%") && line.contains("ETA")).toList();
        assertFalse(redraws.isEmpty(), Files.readString(typescript));
        for (String redraw : redraws) {
            assertTrue(redraw.stripTrailing().length() < columns, columns + " columns: '" + redraw + "'");
        }
    }
}
