package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PROXY protocol with a list of balancers ({@code proxyProtocolFrom}), over 127.0.0.1, whose peer is
 * 127.0.0.1: a list that leaves it out makes it an outsider, whose header (claiming any address it likes) is
 * never read and never reaches the access log; a list that holds it makes it a balancer, served as before.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolIT {

    private static final String TEXT = "!Que calor que hace hoy, pinta una birra!";
    /** What an outsider claims to be. */
    private static final String CLAIMED = "203.0.113.66";

    @TempDir
    static Path dir;
    private static HftpServer insider;

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(dir.resolve("archivo.txt"), TEXT);
        insider = proxied("10.0.0.0/8", "127.0.0.0/8").start();
    }

    @AfterAll
    static void stop() {
        if (insider != null) {
            insider.close();
        }
    }

    private static HftpServerBootstrap proxied(String... from) {
        return new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).proxyProtocol(true)
                .proxyProtocolFrom(from);
    }

    /** {@code from}: a list without 127.0.0.1, comma-separated. */
    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/8", "192.0.2.0/24,::/0"})
    void shouldCloseAPeerOutsideTheListWithoutBelievingItsHeader(String from) throws Exception {
        AccessLogCapture capture = AccessLogCapture.begin();
        try (HftpServer outsiderServer = proxied(from.split(",")).start()) {
            String reply;
            try (HftpTestClient outsider = new HftpTestClient(outsiderServer.port())) {
                outsider.sendRaw("PROXY TCP4 " + CLAIMED + " 127.0.0.1 40000 19500\r\nget_metadata archivo.txt\r\n");
                reply = HftpTestClient.escape(outsider.readUntilClosed());
            }
            assertEquals("", reply, "an outsider was answered");

            // A request by a balancer afterwards: once its line is logged, the outsider's would have been too.
            believedRequest(insider, "198.51.100.9", 50000);
            List<String> lines = capture.await(1, line -> line.startsWith("198.51.100.9:50000 "));
            assertTrue(lines.get(0).startsWith("198.51.100.9:50000 get_metadata archivo.txt "), lines.get(0));
            assertFalse(capture.lines().stream().anyMatch(line -> line.contains(CLAIMED)),
                    "the access log shows the outsider's claim: " + capture.lines());
            assertEquals(0, outsiderServer.openConnections());
        } finally {
            capture.stop();
        }
    }

    @Test
    void shouldCloseAPeerOutsideTheListAtOnceEvenIfItSendsNothing() throws Exception {
        try (HftpServer outsiderServer = proxied("10.0.0.0/8").start();
             HftpTestClient outsider = new HftpTestClient(outsiderServer.port())) {
            long start = System.nanoTime();
            assertEquals(0, outsider.readUntilClosed().length);
            long nanos = System.nanoTime() - start;
            AbuseSupport.figure("ProxyProtocolIT", "a peer outside proxyProtocolFrom(10.0.0.0/8), silent: closed "
                    + "after %s", AbuseSupport.millis(nanos));
            // Not after the 10 s a connection has to send its header: at once.
            assertTrue(TimeUnit.NANOSECONDS.toMillis(nanos) < 2_000, "closed after " + AbuseSupport.millis(nanos));
        }
    }

    @Test
    void shouldBelieveABalancerInTheList() throws Exception {
        AccessLogCapture capture = AccessLogCapture.begin();
        try {
            believedRequest(insider, "198.51.100.23", 41000);
            List<String> lines = capture.await(1, line -> line.startsWith("198.51.100.23:41000 "));
            assertTrue(lines.get(0).startsWith("198.51.100.23:41000 get_metadata archivo.txt - - 0 "), lines.get(0));
        } finally {
            capture.stop();
        }
    }

    /** A request after a header that names {@code client}: answered as without the header. */
    private static void believedRequest(HftpServer server, String client, int port) throws Exception {
        try (HftpTestClient balancer = new HftpTestClient(server.port())) {
            balancer.sendRaw("PROXY TCP4 " + client + " 127.0.0.1 " + port + " 19500\r\n");
            assertEquals("0 OK", balancer.command("get_metadata archivo.txt").toString());
            assertEquals(Integer.toString(TEXT.length()), balancer.readLine());
        }
    }
}
