package dev.hftp.client.cli;

import dev.hftp.client.HftpClientTls;
import dev.hftp.codec.testing.TestCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TLS options of {@code hftp}: where they may stand, what they imply, and the combinations refused. */
class TlsOptionsTest {

    @TempDir
    Path dir;

    /** The TLS the command line asks for, as the commands get it. */
    private static HftpClientTls tls(String... args) throws CliFailure {
        picocli.CommandLine commandLine = HftpCli.commandLine();
        commandLine.parseArgs(args);
        return commandLine.<HftpCli>getCommand().tls();
    }

    @Test
    void shouldBePlaintextWithoutTlsOptions() throws CliFailure {
        assertNull(tls("ls", "host"));
    }

    @Test
    void shouldVerifyWithTlsBeforeOrAfterTheCommand() throws CliFailure {
        assertTrue(tls("--tls", "ls", "host").verifiesServer());
        assertTrue(tls("stat", "--tls", "host", "a.txt").verifiesServer());
        assertTrue(tls("get", "host", "a.txt", "--tls", "-j", "2").verifiesServer());
    }

    @Test
    void shouldNotVerifyWithInsecure() throws CliFailure {
        assertFalse(tls("--insecure", "cat", "host", "a.txt").verifiesServer());
        assertFalse(tls("ls", "--tls", "--insecure", "host").verifiesServer());
    }

    @Test
    void shouldVerifyAgainstTheGivenCa() throws Exception {
        Path ca = TestCertificate.generate(dir, "ca", "localhost", "dns:localhost", "EC").certPem();
        assertTrue(tls("ls", "--tls-ca", ca.toString(), "host").verifiesServer());
    }

    @Test
    void shouldRefuseInsecureWithCaAsUsageError() {
        CliFailure failure = assertThrows(CliFailure.class,
                () -> tls("--insecure", "ls", "--tls-ca", dir.resolve("ca.pem").toString(), "host"));
        assertEquals(ExitCodes.USAGE, failure.exitCode());
        assertTrue(failure.getMessage().startsWith("--insecure and --tls-ca exclude each other"), failure.getMessage());
    }

    @Test
    void shouldNameAMissingCaFile() {
        Path missing = dir.resolve("missing.pem");
        CliFailure failure = assertThrows(CliFailure.class, () -> tls("ls", "--tls-ca", missing.toString(), "host"));
        assertEquals(ExitCodes.USAGE, failure.exitCode());
        assertEquals("cannot load TLS CA file " + missing + ": no such file", failure.getMessage());
    }

    @Test
    void shouldRefuseACaFileWithoutCertificate() throws IOException {
        Path notPem = Files.writeString(dir.resolve("key.pem"),
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        CliFailure failure = assertThrows(CliFailure.class, () -> tls("ls", "--tls-ca", notPem.toString(), "host"));
        assertTrue(failure.getMessage().startsWith("cannot load TLS CA file " + notPem + ": "), failure.getMessage());
    }
}
