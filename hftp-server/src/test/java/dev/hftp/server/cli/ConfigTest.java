package dev.hftp.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Settings from the command line, the environment and a config file, with that precedence, as
 * {@code --print-config} shows them; and the errors a wrong file or value gets.
 */
class ConfigTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> environment, String... args) {
        return HftpServerMain.commandLine(args, environment, new PrintWriter(out), new PrintWriter(err));
    }

    /**
     * For the tests of how settings are resolved: they were printed, and the check that follows (as a start would
     * do it) passed, or failed only on a directory or TLS file the settings name and this machine lacks (the
     * built-in {@code ./testdata} is relative to the module here). The check itself: {@code shouldCheckLikeAStart*}.
     */
    private void assertPrinted(int exitCode, String... message) {
        String error = err.toString().replace("\r", "");
        if (exitCode == 1) {
            assertTrue(error.matches("hftp-server: (directory not found: .*|cannot load TLS .*)\n"), error);
        } else {
            assertEquals(0, exitCode, error);
        }
        assertFalse(out.toString().isEmpty(), "nothing printed");
        err.getBuffer().setLength(0);
    }

    private Path file(String content) throws IOException {
        return Files.writeString(dir.resolve("hftp.properties"), content);
    }

    @Test
    void shouldPrintEveryBuiltInDefault() {
        assertPrinted(run(Map.of(), "--print-config"));
        assertEquals(String.join("\n", "address=0.0.0.0", "port=19500", "datadir=testdata", "max-line-length=65536",
                "max-connections=10000", "idle-timeout=300", "write-buffer=262144", "memory-budget=0",
                "file-timeout=5", "shutdown-grace=10", "transport=nio", "io-threads=0", "metrics-port=", "metrics-address=127.0.0.1",
                "tls-cert=", "tls-key=", "proxy-protocol=false", "proxy-protocol-from=") + "\n",
                out.toString().replace("\r", ""));
    }

    @Test
    void shouldReadBackWhatItPrints() throws IOException {
        assertPrinted(run(Map.of("HFTP_METRICS_PORT", "9100"), "--port", "1234", "--print-config"));
        String printed = out.toString();
        assertTrue(printed.contains("metrics-port=9100\n"), printed);
        Path config = file(printed);
        out.getBuffer().setLength(0);
        assertPrinted(run(Map.of(), "--config", config.toString(), "--print-config"), err.toString());
        assertEquals(printed, out.toString());
    }

    @Test
    void shouldReadYamlWithFlatAndNestedKeys() throws IOException {
        Path config = Files.writeString(dir.resolve("hftp.yaml"), String.join("\n",
                "# the production settings",
                "port: 20000",
                "datadir: /srv/files",
                "max-connections: 5",
                "metrics:",
                "  port: 9100",
                "  address: 127.0.0.1",
                "transport: epoll",
                "io-threads:",
                ""));
        assertPrinted(run(Map.of("HFTP_PORT", "21000"), "--config", config.toString(), "--print-config"),
                err.toString());
        String printed = out.toString();
        assertTrue(printed.contains("port=21000\n"), printed);          // the environment still wins
        assertTrue(printed.contains("datadir=/srv/files\n"), printed);
        assertTrue(printed.contains("max-connections=5\n"), printed);
        assertTrue(printed.contains("metrics-port=9100\n"), printed);
        assertTrue(printed.contains("metrics-address=127.0.0.1\n"), printed);
        assertTrue(printed.contains("transport=epoll\n"), printed);
        assertTrue(printed.contains("io-threads=0\n"), printed);        // empty: the default
    }

    @Test
    void shouldRefuseYamlThatIsNotSettings() throws IOException {
        Path list = Files.writeString(dir.resolve("list.yml"), "port:\n  - 1\n  - 2\n");
        assertEquals(2, run(Map.of(), "--config", list.toString(), "--print-config"));
        assertTrue(err.toString().contains(list + ": port: expected a single value"), err.toString());

        Path scalar = Files.writeString(dir.resolve("scalar.yaml"), "just text\n");
        assertEquals(2, run(Map.of(), "--config", scalar.toString(), "--print-config"));
        assertTrue(err.toString().contains("expected a mapping of settings"), err.toString());

        Path broken = Files.writeString(dir.resolve("broken.yaml"), "port: [1\n");
        assertEquals(2, run(Map.of(), "--config", broken.toString(), "--print-config"));
        assertTrue(err.toString().contains(broken + ": not valid YAML"), err.toString());

        Path twice = Files.writeString(dir.resolve("twice.yaml"), "port: 1\nport: 2\n");
        assertEquals(2, run(Map.of(), "--config", twice.toString(), "--print-config"));
        assertTrue(err.toString().contains(twice + ": not valid YAML"), err.toString());

        Path typo = Files.writeString(dir.resolve("typo.yaml"), "metrics:\n  prot: 9100\n");
        assertEquals(2, run(Map.of(), "--config", typo.toString(), "--print-config"));
        assertTrue(err.toString().contains("unknown settings in " + typo + ": metrics-prot"), err.toString());

        Path unsafe = Files.writeString(dir.resolve("unsafe.yaml"), "port: !!java.io.File [/etc/passwd]\n");
        assertEquals(2, run(Map.of(), "--config", unsafe.toString(), "--print-config"));
        assertTrue(err.toString().contains(unsafe + ": not valid YAML"), err.toString());
    }

    @Test
    void shouldCheckLikeAStartAfterPrinting() throws IOException {
        assertEquals(0, run(Map.of(), "-d", dir.toString(), "--print-config"));
        assertEquals("", err.toString());
        assertTrue(out.toString().contains("datadir=" + dir + "\n"), out.toString());

        Path missing = dir.resolve("nonexistent");
        assertEquals(1, run(Map.of(), "-d", missing.toString(), "--print-config"));
        assertEquals("hftp-server: directory not found: " + missing + "\n", err.toString().replace("\r", ""));
        assertTrue(out.toString().contains("datadir=" + missing + "\n"), "printed before the check: " + out);

        err.getBuffer().setLength(0);
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
        assertEquals(1, run(Map.of(), "-d", plain.toString(), "--print-config"));
        assertEquals("hftp-server: not a directory: " + plain + "\n", err.toString().replace("\r", ""));
    }

    @Test
    void shouldCheckLikeAStartTheTlsFilesToo() {
        Path cert = dir.resolve("cert.pem");
        assertEquals(1, run(Map.of(), "-d", dir.toString(), "--tls-cert", cert.toString(), "--tls-key",
                dir.resolve("key.pem").toString(), "--print-config"));
        String error = err.toString().replace("\r", "");
        assertTrue(error.startsWith("hftp-server: cannot load TLS ") && error.contains(cert.toString())
                && error.indexOf('\n') == error.length() - 1, error);
    }

    @Test
    void shouldTakeCommandLineOverEnvironmentOverFileOverDefault() throws IOException {
        Path config = file("port=20000\nmax-connections=5\nidle-timeout=7\ntransport=epoll\n");
        Map<String, String> environment = Map.of("HFTP_PORT", "21000", "HFTP_IDLE_TIMEOUT", "8", "OTHER", "x");
        assertPrinted(run(environment, "--config", config.toString(), "--idle-timeout", "9", "--print-config"));
        String printed = out.toString();
        assertTrue(printed.contains("port=21000\n"), printed);           // environment over file
        assertTrue(printed.contains("max-connections=5\n"), printed);    // file over default
        assertTrue(printed.contains("idle-timeout=9\n"), printed);       // command line over environment
        assertTrue(printed.contains("transport=epoll\n"), printed);
        assertTrue(printed.contains("address=0.0.0.0\n"), printed);      // default
    }

    @Test
    void shouldAcceptConfigWithEqualsSign() throws IOException {
        Path config = file("datadir=/srv/files\n");
        assertPrinted(run(Map.of(), "--config=" + config, "--print-config"));
        assertTrue(out.toString().contains("datadir=/srv/files\n"), out.toString());
    }

    @Test
    void shouldRefuseUnknownSettingsInTheFile() throws IOException {
        Path config = file("port=1\nmax-conections=5\n");
        assertEquals(2, run(Map.of(), "--config", config.toString(), "--print-config"));
        assertTrue(err.toString().contains("unknown settings in " + config + ": max-conections"), err.toString());
    }

    @Test
    void shouldRefuseAMissingFile() {
        assertEquals(2, run(Map.of(), "--config", dir.resolve("nope").toString(), "--print-config"));
        assertTrue(err.toString().startsWith("hftp-server: cannot read the config file "), err.toString());
    }

    @Test
    void shouldRefuseBadValuesFromTheEnvironmentAsUsageErrors() {
        assertEquals(2, run(Map.of("HFTP_PORT", "abc"), "--print-config"));
        assertTrue(err.toString().contains("abc"), err.toString());
        assertEquals(2, run(Map.of("HFTP_PORT", "70000"), "--print-config"));
    }
    @Test
    void shouldTakeTlsFilesFromTheEnvironmentAndTheFile() throws IOException {
        Path config = file("tls-key=/etc/hftp/key.pem\n");
        assertPrinted(run(Map.of("HFTP_TLS_CERT", "/etc/hftp/cert.pem"), "--config", config.toString(),
                "--print-config"));
        String printed = out.toString();
        assertTrue(printed.contains("tls-cert=/etc/hftp/cert.pem\n"), printed);
        assertTrue(printed.contains("tls-key=/etc/hftp/key.pem\n"), printed);
    }

    @Test
    void shouldReadPrintedEmptyTlsSettingsAsPlaintext() throws IOException {
        assertPrinted(run(Map.of(), "--print-config"));
        Path printed = file(out.toString());
        out.getBuffer().setLength(0);
        assertPrinted(run(Map.of("HFTP_TLS_KEY", ""), "--config", printed.toString(), "--print-config"));
        assertTrue(out.toString().contains("tls-cert=\ntls-key=\n"), out.toString());
    }

    @Test
    void shouldTakeTheFileWhereAnEnvironmentVariableIsEmpty() throws IOException {
        Path config = file("tls-cert=/etc/hftp/cert.pem\ntls-key=/etc/hftp/key.pem\nproxy-protocol=true\n"
                + "proxy-protocol-from=10.0.0.0/8\n");
        assertPrinted(run(Map.of("HFTP_TLS_CERT", "", "HFTP_TLS_KEY", " ", "HFTP_PROXY_PROTOCOL", "",
                "HFTP_PROXY_PROTOCOL_FROM", ""), "--config", config.toString(), "--print-config"), err.toString());
        String printed = out.toString();
        assertTrue(printed.contains("tls-cert=/etc/hftp/cert.pem\ntls-key=/etc/hftp/key.pem\n"), printed);
        assertTrue(printed.contains("proxy-protocol=true\nproxy-protocol-from=10.0.0.0/8\n"), printed);
    }

    @Test
    void shouldTakeTheProxyProtocolPeersFromEachSourceAndPrintThemBack() throws IOException {
        assertPrinted(run(Map.of(), "--proxy-protocol", "--proxy-protocol-from", "10.0.0.0/8, 2001:db8::/32",
                "--print-config"), err.toString());
        assertTrue(out.toString().contains("proxy-protocol-from=10.0.0.0/8,2001:db8::/32\n"), out.toString());

        Path printed = file(out.toString());
        out.getBuffer().setLength(0);
        assertPrinted(run(Map.of(), "--config", printed.toString(), "--print-config"), err.toString());
        assertTrue(out.toString().contains("proxy-protocol=true\nproxy-protocol-from=10.0.0.0/8,2001:db8::/32\n"),
                out.toString());

        out.getBuffer().setLength(0);
        assertPrinted(run(Map.of("HFTP_PROXY_PROTOCOL", "true", "HFTP_PROXY_PROTOCOL_FROM", "192.0.2.7"),
                "--config", printed.toString(), "--print-config"), err.toString());
        assertTrue(out.toString().contains("proxy-protocol-from=192.0.2.7\n"), out.toString());

        Path yaml = Files.writeString(dir.resolve("hftp.yaml"), "proxy:\n  protocol: true\n  protocol-from: "
                + "10.1.0.0/16,10.2.0.0/16\n");
        out.getBuffer().setLength(0);
        assertPrinted(run(Map.of(), "--config", yaml.toString(), "--print-config"), err.toString());
        assertTrue(out.toString().contains("proxy-protocol-from=10.1.0.0/16,10.2.0.0/16\n"), out.toString());
    }

    @Test
    void shouldRefuseAProxyProtocolPeerThatIsNotAnAddressAsUsageError() {
        assertEquals(2, run(Map.of(), "--proxy-protocol", "--proxy-protocol-from", "10.0.0.0/8,balancer.example",
                "--print-config"));
        assertTrue(err.toString().startsWith("hftp-server: Invalid value for option '--proxy-protocol-from': 'balancer.example': "
                + "not an IP address"), err.toString());
    }

    @Test
    void shouldRefuseTheProxyProtocolOnAnyAddressWithoutPeersInOneLine() {
        assertEquals(2, run(Map.of(), "--proxy-protocol", "--print-config"));
        assertEquals("hftp-server: --proxy-protocol on 0.0.0.0 would let any client that reaches the port choose "
                + "the address the logs show: name the balancers with --proxy-protocol-from CIDR[,CIDR...], or "
                + "listen on a loopback address only\n", err.toString().replace("\r", ""));
        assertEquals("", out.toString());
    }

    @Test
    void shouldRefuseToStartTheProxyProtocolOnANonLoopbackAddressWithoutPeers() {
        // 192.0.2.1 (documentation) is not an address of this machine: were the check missing, the bind would
        // fail (exit code 1), not listen.
        assertEquals(2, run(Map.of("HFTP_PROXY_PROTOCOL", "true"), "-d", dir.toString(), "-a", "192.0.2.1",
                "-p", "0"));
        String[] lines = err.toString().split("\n");
        assertEquals(1, lines.length, err.toString());
        // Named where the setting at fault came from: the variable.
        assertTrue(lines[0].startsWith("hftp-server: HFTP_PROXY_PROTOCOL: proxy-protocol on 192.0.2.1 would let any "
                + "client"), lines[0]);
    }

    @Test
    void shouldAllowTheProxyProtocolWithoutPeersOnLoopback() {
        assertPrinted(run(Map.of(), "--proxy-protocol", "-a", "127.0.0.1", "--print-config"), err.toString());
        assertPrinted(run(Map.of(), "--proxy-protocol", "-a", "localhost", "--print-config"), err.toString());
        assertPrinted(run(Map.of(), "--proxy-protocol", "--proxy-protocol-from", "10.0.0.0/8", "--print-config"),
                err.toString());
    }

    @Test
    void shouldRefusePeersWithoutTheProxyProtocolInOneLine() {
        assertEquals(2, run(Map.of("HFTP_PROXY_PROTOCOL_FROM", "10.0.0.0/8"), "--print-config"));
        assertEquals("hftp-server: HFTP_PROXY_PROTOCOL_FROM: proxy-protocol-from is set but proxy-protocol is off: turn "
                + "it on, or drop the list\n", err.toString().replace("\r", ""));
    }

    @Test
    void shouldNameTheVariableOrTheFileOfABadValueInOneLine() throws IOException {
        assertEquals(2, run(Map.of("HFTP_PORT", "abc"), "--print-config"));
        assertEquals("hftp-server: HFTP_PORT: port: 'abc' is not an int\n", err.toString().replace("\r", ""));
        err.getBuffer().setLength(0);
        Path config = file("max-connections=lots\n");
        assertEquals(2, run(Map.of(), "--config", config.toString(), "--print-config"));
        assertEquals("hftp-server: " + config + ": max-connections: 'lots' is not an int\n",
                err.toString().replace("\r", ""));
        err.getBuffer().setLength(0);
        Path outOfRange = file("port=70000\n");
        assertEquals(2, run(Map.of(), "--config", outOfRange.toString(), "--print-config"));
        assertEquals("hftp-server: " + outOfRange + ": port: 70000 (expected: 0-65535)\n",
                err.toString().replace("\r", ""));
    }

    @Test
    void shouldShowAHintNotTheUsageForACommandLineMistake() {
        assertEquals(2, run(Map.of(), "-x"));
        assertEquals("hftp-server: Unknown option: '-x'\nTry 'hftp-server --help' for more information.\n",
                err.toString().replace("\r", ""));
    }

    @Test
    void shouldRefuseValuesOutOfRangeInOneLineNamingTheOption() {
        assertEquals(2, run(Map.of(), "--idle-timeout", "-1", "--print-config"));
        assertEquals("hftp-server: --idle-timeout: -1 s (expected: >= 0)\n", err.toString().replace("\r", ""));
        err.getBuffer().setLength(0);
        assertEquals(2, run(Map.of("HFTP_WRITE_BUFFER", "0"), "--print-config"));
        assertEquals("hftp-server: HFTP_WRITE_BUFFER: write-buffer: 0 (expected: > 0)\n", err.toString().replace("\r", ""));
        err.getBuffer().setLength(0);
        assertEquals(2, run(Map.of(), "--port", "70000", "--print-config"));
        assertEquals("hftp-server: --port: 70000 (expected: 0-65535)\n", err.toString().replace("\r", ""));
    }

    @Test
    void shouldRefuseTlsCertWithoutKeyAsUsageError() {
        assertEquals(2, run(Map.of(), "--tls-cert", "cert.pem", "--print-config"));
        assertTrue(err.toString().contains("--tls-cert and --tls-key go together"), err.toString());
    }

    @Test
    void shouldRefuseTlsKeyFromTheEnvironmentWithoutCertAsUsageError() {
        assertEquals(2, run(Map.of("HFTP_TLS_KEY", "key.pem"), "--print-config"));
        assertTrue(err.toString().contains("--tls-cert and --tls-key go together"), err.toString());
    }

    @Test
    void shouldExitOneWithOneLineForAMissingKeyFile() throws IOException {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "");
        Path key = dir.resolve("missing-key.pem");
        assertEquals(1, run(Map.of(), "-d", dir.toString(), "-a", "127.0.0.1", "-p", "0",
                "--tls-cert", cert.toString(), "--tls-key", key.toString()));
        assertTrue(err.toString().startsWith("hftp-server: cannot load TLS "), err.toString());
        assertFalse(err.toString().contains("Exception"), err.toString());
    }
}
