package dev.hftp.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link HftpServerBootstrap#start()} refuses before it binds: the PROXY protocol believing any peer on an
 * address other than loopback, and a list of balancers without the PROXY protocol; and where it binds what it
 * was not told to bind elsewhere.
 */
@Timeout(30)
class HftpServerBootstrapTest {

    @TempDir
    Path dir;

    private HftpServerBootstrap bootstrap(String address) {
        return new HftpServerBootstrap().directory(dir).address(address).port(0);
    }

    @Test
    void shouldRefuseTheProxyProtocolOnANonLoopbackAddressWithoutPeers() {
        // 192.0.2.1 (documentation) is not an address of this machine: were the check missing, start() would
        // fail to bind (BindException), not listen.
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> bootstrap("192.0.2.1").proxyProtocol(true).start().close());
        assertEquals("proxyProtocol on 192.0.2.1 would let any client that reaches the port choose the "
                + "address the logs show: name the balancers with proxyProtocolFrom CIDR[,CIDR...], or listen on a "
                + "loopback address only", e.getMessage());
        assertEquals("proxyProtocol", e.setting());
    }

    @Test
    void shouldStartTheProxyProtocolOnANonLoopbackAddressWithPeersAsFarAsTheBind() {
        // Past the check, the bind is what fails on an address this machine does not have.
        assertThrows(java.net.BindException.class,
                () -> bootstrap("192.0.2.1").proxyProtocol(true).proxyProtocolFrom("10.0.0.0/8").start().close());
    }

    @Test
    void shouldStartTheProxyProtocolWithoutPeersOnLoopback() throws Exception {
        try (HftpServer server = bootstrap("127.0.0.1").proxyProtocol(true).start()) {
            assertTrue(server.port() > 0);
        }
        try (HftpServer server = bootstrap("localhost").proxyProtocol(true).start()) {
            assertTrue(server.port() > 0);
        }
    }

    @Test
    void shouldRefusePeersWithoutTheProxyProtocol() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> bootstrap("127.0.0.1").proxyProtocolFrom("10.0.0.0/8").start().close());
        assertEquals("proxyProtocolFrom is set but proxyProtocol is off: turn it on, or drop the list",
                e.getMessage());
    }

    @Test
    void shouldRefuseAPeerThatIsNotAnAddressAtOnce() {
        HftpServerBootstrap bootstrap = bootstrap("127.0.0.1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bootstrap.proxyProtocolFrom("10.0.0.0/8", "balancer.example"));
        assertTrue(e.getMessage().startsWith("'balancer.example': not an IP address"), e.getMessage());
        assertThrows(IllegalArgumentException.class, bootstrap::proxyProtocolFrom);
    }

    @Test
    void shouldBindTheMetricsEndpointToLoopbackByDefault() throws Exception {
        // The HFTP port on every interface, as the command line's default: the metrics stay on this machine.
        try (HftpServer server = bootstrap("0.0.0.0").metricsPort(0).start()) {
            assertEquals("127.0.0.1", server.metricsAddress().getAddress().getHostAddress());
        }
    }
}
