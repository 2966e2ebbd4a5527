package dev.hftp.server;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HftpServerConfigTest {

    private static InvalidSettingException refused(HftpServerBootstrap bootstrap) {
        return assertThrows(InvalidSettingException.class, bootstrap::config);
    }

    @Test
    void shouldHoldTheDefaults() {
        HftpServerConfig config = new HftpServerBootstrap().config();
        assertEquals(HftpServerConfig.DEFAULT_PORT, config.port());
        assertEquals(Path.of("testdata"), config.directory());
        assertEquals(HftpServerConfig.DEFAULT_MAX_CONNECTIONS, config.maxConnections());
        assertEquals(HftpServerConfig.DEFAULT_CHUNK_SIZE, config.chunkSize());
        assertTrue(config.memoryBudget() > 0, "the default budget is worked out: " + config.memoryBudget());
        assertTrue(config.transport().isAvailable());
        assertFalse(config.isTls());
        assertEquals(null, config.metricsPort());
    }

    @Test
    void shouldNameTheSettingOfEachValueOutOfRange() {
        assertEquals("port: 70000 (expected: 0-65535)", refused(new HftpServerBootstrap().port(70000)).getMessage());
        assertEquals("metricsPort: -1 (expected: 0-65535)",
                refused(new HftpServerBootstrap().metricsPort(-1)).getMessage());
        assertEquals("maxConnections: 0 (expected: > 0)",
                refused(new HftpServerBootstrap().maxConnections(0)).getMessage());
        assertEquals("chunkSize: 1000 (expected: a multiple of 3)",
                refused(new HftpServerBootstrap().chunkSize(1000)).getMessage());
        assertEquals("idleTimeout: -1 s (expected: >= 0)",
                refused(new HftpServerBootstrap().idleTimeout(Duration.ofSeconds(-1))).getMessage());
        assertEquals("fileTimeout: 0 s (expected: > 0)",
                refused(new HftpServerBootstrap().fileTimeout(Duration.ZERO)).getMessage());
        assertEquals("ioThreads: -2 (expected: >= 0)", refused(new HftpServerBootstrap().ioThreads(-2)).getMessage());
        assertEquals("memoryBudget",
                refused(new HftpServerBootstrap().memoryBudget(Long.MAX_VALUE)).setting());
    }

    @Test
    void shouldRefuseOneTlsFileAlone() {
        InvalidSettingException e = refused(new HftpServerBootstrap().tls(Path.of("cert.pem"), null));
        assertEquals("tlsCertChain and tlsKey go together: give both (TLS) or neither (plaintext)", e.getMessage());
    }

    @Test
    void shouldDescribeAProblemInAnotherNaming() {
        InvalidSettingException e = refused(new HftpServerBootstrap().proxyProtocolFrom("10.0.0.0/8"));
        UnaryOperator<String> options = setting -> "--" + setting.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
        assertEquals("--proxy-protocol-from is set but --proxy-protocol is off: turn it on, or drop the list",
                e.describe(options));
    }

    @Test
    void shouldBeUnchangedByTheBootstrapAfterwards() {
        HftpServerBootstrap bootstrap = new HftpServerBootstrap().port(2000);
        HftpServerConfig config = bootstrap.config();
        bootstrap.port(3000);
        assertEquals(2000, config.port());
    }
}
