package dev.hftp.it;

import dev.hftp.client.HftpClient;
import dev.hftp.client.HftpClientTls;
import dev.hftp.codec.testing.TestCertificate;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server over TLS on 127.0.0.1 with a certificate made for the test: the same reply bytes as in plaintext
 * for every command, large slices by SHA-256, plaintext clients refused without harm, certificate checks of the
 * client, the limits (connections, handshake, idle) still holding, and both jars end to end.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsIT {

    private static final int TIMEOUT_MILLIS = 10_000;
    private static final long BIG_SIZE = 64L << 20;

    @TempDir
    static Path dir;

    /** For 127.0.0.1 and localhost. */
    private static TestCertificate certificate;
    /** For localhost only: not valid for 127.0.0.1. */
    private static TestCertificate localhostOnly;
    private static Path served;
    private static HftpServer tlsServer;
    private static HftpServer plainServer;

    @RegisterExtension
    final JarProcesses processes = new JarProcesses();
    /** Servers of one test, closed after it. */
    private final List<AutoCloseable> perTest = new ArrayList<>();

    @BeforeAll
    static void startServers() throws Exception {
        certificate = TestCertificate.generate(dir, "server", "hftp test", "ip:127.0.0.1,dns:localhost", "EC");
        localhostOnly = TestCertificate.generate(dir, "localhost", "localhost", "dns:localhost", "RSA");
        served = Files.createDirectory(dir.resolve("served"));
        Files.writeString(served.resolve("hello.txt"), "Hello, HFTP over TLS!");
        byte[] random = new byte[300_001];
        new Random(7).nextBytes(random);
        Files.write(served.resolve("bytes.bin"), random);
        try (RandomAccessFile big = new RandomAccessFile(served.resolve("big.bin").toFile(), "rw")) {
            // Sparse, with data at a few places so that a misplaced byte changes the digest.
            big.setLength(BIG_SIZE);
            for (long at = 0; at < BIG_SIZE; at += 7_654_321) {
                big.seek(at);
                big.write(random, 0, 4096);
            }
        }
        tlsServer = tlsBootstrap(certificate).start();
        plainServer = new HftpServerBootstrap().directory(served).address("127.0.0.1").port(0).start();
    }

    @AfterAll
    static void stopServers() {
        if (tlsServer != null) {
            tlsServer.close();
        }
        if (plainServer != null) {
            plainServer.close();
        }
    }

    @AfterEach
    void closePerTest() throws Exception {
        for (AutoCloseable closeable : perTest) {
            closeable.close();
        }
    }

    private static HftpServerBootstrap tlsBootstrap(TestCertificate pair) {
        return new HftpServerBootstrap().directory(served).address("127.0.0.1").port(0)
                .tls(pair.certPem(), pair.keyPem());
    }

    private HftpServer startPerTest(HftpServerBootstrap bootstrap) throws IOException {
        HftpServer server = bootstrap.start();
        perTest.add(server);
        return server;
    }

    /**
     * A test client over the JDK's own TLS socket (no Netty), trusting the test certificate, offering only
     * {@code protocols} if any are given (else the JDK's defaults); handshake done.
     */
    private static HftpTestClient tlsTestClient(int port, String... protocols) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("server", certificate.certificate());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        if (protocols.length > 0) {
            socket.setEnabledProtocols(protocols);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.startHandshake();
        return new HftpTestClient(socket, TIMEOUT_MILLIS);
    }

    /** Everything the server sends for {@code requests}, sent at once, up to its close after the final quit. */
    private static byte[] exchange(HftpTestClient client, String requests) throws IOException {
        try (client) {
            client.sendRaw(requests);
            return client.readUntilClosed();
        }
    }

    // ---- the same bytes -------------------------------------------------------------------------------

    @Test
    void shouldAnswerEveryCommandWithTheSameBytesAsInPlaintext() throws Exception {
        String requests = "get_file_listing\r\nhelp\r\nget_metadata hello.txt\r\nget_metadata nope\r\n"
                + "get_slice hello.txt 7 4\r\nget_slice bytes.bin 1 300000\r\nget_slice bytes.bin 3 299998 raw\r\n"
                + "get_slice bytes.bin 300000 2\r\nget_slice bytes.bin 0 0 raw\r\nno_such_command\r\nquit\r\n";
        byte[] plain = exchange(new HftpTestClient(plainServer.port(), TIMEOUT_MILLIS), requests);
        byte[] tls = exchange(tlsTestClient(tlsServer.port()), requests);
        String start = new String(plain, 0, 40, StandardCharsets.ISO_8859_1);
        assertTrue(start.startsWith("0 OK\r\n"), start);
        assertTrue(plain.length > 700_000, "both slices are there: " + plain.length);
        assertArrayEquals(plain, tls);
    }

    @Test
    void shouldAnswerPipelinedRequestsHeldBehindASliceInOrder() throws Exception {
        // More requests than the server holds (64): the rest waits in its line decoder, behind the SslHandler.
        StringBuilder requests = new StringBuilder("get_slice big.bin 0 4000000 raw\r\n");
        for (int i = 0; i < 300; i++) {
            requests.append("get_metadata hello.txt\r\n");
        }
        requests.append("quit\r\n");
        byte[] plain = exchange(new HftpTestClient(plainServer.port(), TIMEOUT_MILLIS), requests.toString());
        byte[] tls = exchange(tlsTestClient(tlsServer.port()), requests.toString());
        String tail = new String(tls, tls.length - 12, 12, StandardCharsets.ISO_8859_1);
        assertEquals("21\r\n0 OK\r\n", tail.substring(tail.length() - 10));
        assertArrayEquals(plain, tls);
    }

    @Test
    void shouldStreamLargeRawAndBase64SlicesEqualBySha256() throws Exception {
        String expected = TestFiles.sha256Hex(Files.newInputStream(served.resolve("big.bin")));
        try (HftpClient client = HftpClient.connect("127.0.0.1", tlsServer.port(),
                HftpClientTls.trusting(certificate.certPem()))) {
            Digesting raw = new Digesting();
            assertEquals(BIG_SIZE, client.slice("big.bin", 0, BIG_SIZE, raw, true, null).get(60, TimeUnit.SECONDS));
            assertEquals(expected, raw.hex());
            Digesting base64 = new Digesting();
            assertEquals(BIG_SIZE, client.slice("big.bin", 0, BIG_SIZE, base64, false, null)
                    .get(60, TimeUnit.SECONDS));
            assertEquals(expected, base64.hex());
        }
    }

    // ---- clients that do not speak TLS, or not in time -------------------------------------------------

    @Test
    void shouldCloseAPlaintextClientWithoutServingItAndStayHealthy() throws Exception {
        long accepted = tlsServer.acceptedConnections();
        try (HftpTestClient plain = new HftpTestClient(tlsServer.port(), TIMEOUT_MILLIS)) {
            plain.sendRaw("get_file_listing\r\nget_slice hello.txt 0 5 raw\r\n");
            String answer = new String(plain.readUntilClosed(), StandardCharsets.ISO_8859_1);
            assertFalse(answer.contains("OK") || answer.contains("hello") || answer.contains("Hello"), answer);
        }
        assertEquals(accepted + 1, tlsServer.acceptedConnections());
        try (HftpTestClient tls = tlsTestClient(tlsServer.port())) {
            assertEquals("0 OK", tls.command("get_metadata hello.txt").toString());
            assertEquals("21", tls.readLine());
        }
    }

    @Test
    void shouldCloseAClientThatNeverHandshakesAfterTheHandshakeTimeout() throws Exception {
        HftpServer server = startPerTest(tlsBootstrap(certificate).tlsHandshakeTimeout(Duration.ofMillis(500)));
        assertSilentClientClosedAfterHalfASecond(server);
    }

    @Test
    void shouldCloseAClientThatNeverHandshakesAfterTheIdleTimeoutToo() throws Exception {
        HftpServer server = startPerTest(tlsBootstrap(certificate).tlsHandshakeTimeout(Duration.ZERO)
                .idleTimeout(Duration.ofMillis(500)));
        assertSilentClientClosedAfterHalfASecond(server);
    }

    /** A client that connects and sends nothing is closed, without a byte, after about 500 ms. */
    private static void assertSilentClientClosedAfterHalfASecond(HftpServer server) throws IOException {
        long start = System.nanoTime();
        try (HftpTestClient silent = new HftpTestClient(server.port(), TIMEOUT_MILLIS)) {
            assertEquals(0, silent.readUntilClosed().length);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= 400 && millis < 5_000, "closed after " + millis + " ms");
    }

    @Test
    void shouldCloseAConnectionOverTheLimitAtOnce() throws Exception {
        HftpServer server = startPerTest(tlsBootstrap(certificate).maxConnections(1));
        try (HftpTestClient first = tlsTestClient(server.port());
             HftpTestClient second = new HftpTestClient(server.port(), TIMEOUT_MILLIS)) {
            long start = System.nanoTime();
            byte[] sent = second.readUntilClosed();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 2_000, "closed after " + millis + " ms");
            // At most an alert record: a 5-byte header and a 2-byte alert.
            assertTrue(sent.length <= 7, "sent " + sent.length + " bytes");
            assertEquals(1, server.refusedConnections());
            assertEquals("0 OK", first.command("get_metadata hello.txt").toString());
        }
    }

    // ---- renegotiation ---------------------------------------------------------------------------------

    @Test
    void shouldCloseATls12ClientThatRenegotiatesAndServeTheOthers() throws Exception {
        try (HftpTestClient client = tlsTestClient(tlsServer.port(), "TLSv1.2");
             HftpTestClient bystander = tlsTestClient(tlsServer.port())) {
            SSLSocket socket = (SSLSocket) client.socket();
            assertEquals("TLSv1.2", socket.getSession().getProtocol());
            assertEquals("0 OK", client.command("get_metadata hello.txt").toString());
            assertEquals("21", client.readLine());
            // A second handshake on the connection: a key exchange and a signature of the server's, each time
            // the client asks.
            long start = System.nanoTime();
            String reply = replyAfterRenegotiation(client);
            AbuseSupport.figure("TlsIT", "TLS 1.2 renegotiation: connection closed %s after the new ClientHello",
                    AbuseSupport.millis(System.nanoTime() - start));
            assertNull(reply, "the server renegotiated, then answered: " + reply);

            assertEquals("0 OK", bystander.command("get_metadata hello.txt").toString());
            assertEquals("21", bystander.readLine());
        }
        try (HftpTestClient next = tlsTestClient(tlsServer.port(), "TLSv1.2")) {
            assertEquals("0 OK", next.command("get_metadata hello.txt").toString());
            assertEquals("21", next.readLine());
        }
    }

    /**
     * Asks for a new handshake, then sends a request: the status line of the reply, or null if the server
     * closed the connection instead.
     */
    private static String replyAfterRenegotiation(HftpTestClient client) throws IOException {
        try {
            // The JDK only sends its ClientHello here, and carries the handshake on as it reads.
            ((SSLSocket) client.socket()).startHandshake();
            client.sendRaw("get_metadata hello.txt\r\n");
            return client.readLine();
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            // End of stream, a reset, or the JDK's report of a handshake cut short: the server closed.
            return null;
        }
    }

    @Test
    void shouldKeepServingATls13ClientThatUpdatesItsKeys() throws Exception {
        try (HftpTestClient client = tlsTestClient(tlsServer.port(), "TLSv1.3")) {
            SSLSocket socket = (SSLSocket) client.socket();
            assertEquals("TLSv1.3", socket.getSession().getProtocol());
            // Under TLS 1.3 the JDK sends a KeyUpdate (post-handshake, encrypted): not a renegotiation.
            for (int i = 0; i < 3; i++) {
                socket.startHandshake();
                assertEquals("0 OK", client.command("get_metadata hello.txt").toString());
                assertEquals("21", client.readLine());
            }
        }
    }

    // ---- the client's checks of the server -------------------------------------------------------------

    @Test
    void shouldRefuseASelfSignedServerWhenVerifyingAgainstTheJdkTrustStore() {
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                () -> HftpClient.connect("127.0.0.1", tlsServer.port(), HftpClientTls.system()));
        assertTrue(e.getMessage().startsWith("TLS handshake with 127.0.0.1:" + tlsServer.port()
                + " failed: certificate rejected: "), e.getMessage());
    }

    @Test
    void shouldServeAClientTrustingTheServersCertificate() throws Exception {
        try (HftpClient client = HftpClient.connect("127.0.0.1", tlsServer.port(),
                HftpClientTls.trusting(certificate.certPem()))) {
            assertEquals(List.of("big.bin", "bytes.bin", "hello.txt"), client.list().get().stream().sorted().toList());
        }
    }

    @Test
    void shouldServeAnInsecureClient() throws Exception {
        try (HftpClient client = HftpClient.connect("127.0.0.1", tlsServer.port(), HftpClientTls.insecure())) {
            assertEquals(21L, client.size("hello.txt").get());
        }
    }

    @Test
    void shouldRefuseATrustedCertificateForAnotherHostName() throws Exception {
        HftpServer server = startPerTest(tlsBootstrap(localhostOnly));
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> HftpClient.connect("127.0.0.1",
                server.port(), HftpClientTls.trusting(localhostOnly.certPem())));
        assertTrue(e.getMessage().contains("certificate rejected: ") && e.getMessage().contains("127.0.0.1"),
                e.getMessage());
    }

    @Test
    void shouldTellATlsClientThatAPlaintextServerDoesNotSpeakTls() {
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                () -> HftpClient.connect("127.0.0.1", plainServer.port(), HftpClientTls.insecure()));
        assertTrue(e.getMessage().contains("does not speak TLS") || e.getMessage().contains("closed the connection"),
                e.getMessage());
    }

    // ---- both jars ------------------------------------------------------------------------------------

    @Test
    void shouldServeTheClientJarFromTheServerJarOverTls() throws Exception {
        JarProcess server = processes.start(jar("hftp.server.jar"), "-a", "127.0.0.1", "-p", "0",
                "-d", served.toString(), "--tls-cert", certificate.certPem().toString(),
                "--tls-key", certificate.keyPem().toString(), "-v");
        Matcher serving = server.awaitServing();
        assertEquals(" over TLS", serving.group(4));
        String address = "127.0.0.1:" + serving.group(3);
        Path work = Files.createDirectories(dir.resolve("work-" + System.nanoTime()));

        JarProcess get = processes.start(jar("hftp.client.jar"), "--tls-ca", certificate.certPem().toString(),
                "get", address, "bytes.bin", "-o", work.resolve("bytes.bin").toString(), "-j", "2", "--raw", "-q");
        assertEquals(0, get.awaitExit(), get.output());
        assertArrayEquals(Files.readAllBytes(served.resolve("bytes.bin")), Files.readAllBytes(work.resolve("bytes.bin")));

        JarProcess ls = processes.start(jar("hftp.client.jar"), "ls", "--insecure", address);
        assertEquals(0, ls.awaitExit(), ls.output());
        assertEquals(List.of("big.bin", "bytes.bin", "hello.txt"), ls.stdoutLines());

        JarProcess verifying = processes.start(jar("hftp.client.jar"), "--tls", "stat", address, "hello.txt");
        assertEquals(3, verifying.awaitExit(), verifying.output());
        assertTrue(verifying.stderr().startsWith("hftp: TLS handshake with " + address + " failed: certificate "
                + "rejected: "), verifying.stderr());
        assertTrue(verifying.stderr().contains("--tls-ca"), verifying.stderr());

        JarProcess plaintext = processes.start(jar("hftp.client.jar"), "ls", address);
        assertEquals(3, plaintext.awaitExit(), plaintext.output());
        // The server closes a plaintext client at its first bytes: the message says to try --tls.
        assertEquals("hftp: " + address + " closed the connection without a reply: a TLS-only server? (--tls)\n",
                plaintext.stderr());

        server.destroy();
        assertEquals(0, server.process.exitValue(), server.output());
        // A plaintext client and failed handshakes are the clients' business: DEBUG, never WARN or a trace.
        assertTrue(server.stderr().contains("TLS handshake failed"), server.stderr());
        assertFalse(server.stderr().contains("WARN") || server.stderr().contains("ERROR"), server.stderr());
        assertFalse(server.stderr().contains("\tat "), server.stderr());
    }

    @Test
    void shouldRefuseTlsCertWithoutKeyAsUsageError() throws Exception {
        JarProcess server = processes.start(jar("hftp.server.jar"), "-p", "0", "-d", served.toString(),
                "--tls-cert", certificate.certPem().toString());
        assertEquals(2, server.awaitExit(), server.output());
        assertTrue(server.stderr().startsWith("hftp-server: --tls-cert and --tls-key go together"), server.stderr());
    }

    @Test
    void shouldExitOneForAMissingKeyFile() throws Exception {
        Path missing = dir.resolve("no-such.key");
        JarProcess server = processes.start(jar("hftp.server.jar"), "-p", "0", "-d", served.toString(),
                "--tls-cert", certificate.certPem().toString(), "--tls-key", missing.toString());
        assertEquals(1, server.awaitExit(), server.output());
        assertEquals("hftp-server: cannot load TLS key " + missing + ": no such file\n", server.stderr());
    }

    private static Path jar(String property) {
        String value = System.getProperty(property);
        assertTrue(value != null && !value.isEmpty(), "system property " + property + " is not set");
        Path jar = Path.of(value).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), "no jar at " + jar + " (built in the package phase)");
        return jar;
    }

    // ---- digests --------------------------------------------------------------------------------------


    /** A destination that keeps only the SHA-256 of what it is given. */
    private static final class Digesting implements WritableByteChannel {
        private final MessageDigest digest;

        Digesting() throws Exception {
            digest = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            digest.update(src);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }

        String hex() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
