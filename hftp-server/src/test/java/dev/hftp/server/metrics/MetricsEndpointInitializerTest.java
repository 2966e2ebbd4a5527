package dev.hftp.server.metrics;

import dev.hftp.server.EmbeddedSocketChannel;
import dev.hftp.server.Wire;
import dev.hftp.server.pipeline.ConnectionAdmission;
import dev.hftp.server.pipeline.MemoryBudget;

import io.netty.buffer.Unpooled;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipeline {@link MetricsEndpointInitializer} builds for each connection, request bytes in and reply bytes
 * out, on the channel's clock: the deadline on a request from its first byte, and none between requests.
 */
class MetricsEndpointInitializerTest {

    private static final String SCRAPE = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    private static final long DEADLINE_MILLIS = MetricsEndpointInitializer.REQUEST_DEADLINE.toMillis();

    private EmbeddedSocketChannel channel;

    @BeforeEach
    void setUp() throws Exception {
        ServerMetrics metrics = new ServerMetrics(ConnectionAdmission.limiting(10, new MemoryBudget(Long.MAX_VALUE)));
        channel = new EmbeddedSocketChannel(new MetricsEndpointInitializer(new EvictingConnectionLimiter(4),
                new MetricsHttpHandler(metrics.registry())));
        channel.freezeTime();
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private String send(String requestBytes) {
        channel.writeInbound(Unpooled.copiedBuffer(requestBytes, StandardCharsets.ISO_8859_1));
        return Wire.drain(channel);
    }

    private void advanceMillis(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void shouldReadOnDemandOnly() {
        assertFalse(channel.config().isAutoRead());
    }

    @Test
    void shouldServeAScrape() {
        String reply = send(SCRAPE);

        assertTrue(reply.startsWith("HTTP/1.1 200 OK\r\n"), reply);
        assertTrue(reply.contains("\nhftp_connections_open "), reply);
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldGiveLengthWithoutBodyOnHead() {
        String reply = send("HEAD /metrics HTTP/1.1\r\n\r\n");

        assertTrue(reply.startsWith("HTTP/1.1 200 OK\r\n"), reply);
        assertTrue(reply.endsWith("\r\n\r\n"), "no body: " + reply);
        assertTrue(reply.toLowerCase(java.util.Locale.ROOT).contains("content-length: "), reply);
    }

    @Test
    void shouldAnswerPipelinedRequestsInOrder() {
        String replies = send("GET /nope HTTP/1.1\r\n\r\n" + SCRAPE + "GET /again HTTP/1.1\r\n\r\n");

        int notFound = replies.indexOf("HTTP/1.1 404");
        int ok = replies.indexOf("HTTP/1.1 200 OK");
        int notFoundAgain = replies.lastIndexOf("HTTP/1.1 404");
        assertTrue(notFound == 0 && ok > notFound && notFoundAgain > ok, replies);
    }

    @Test
    void shouldCloseARequestNotWholeWithinTheDeadline() {
        assertEquals("", send("GET /metrics HTTP/1.1\r\nHost: x\r\n"));

        advanceMillis(DEADLINE_MILLIS - 1);
        assertEquals("", send("X-Slow: a"));
        assertTrue(channel.isOpen(), "more bytes do not restart the clock");
        advanceMillis(1);
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldTimeARequestPipelinedBehindAnotherFromItsFirstByte() {
        // The second request begins in the read that ends the first: no later read says it has begun.
        String reply = send(SCRAPE + "GET /metr");
        assertTrue(reply.startsWith("HTTP/1.1 200 OK\r\n"), reply);

        advanceMillis(DEADLINE_MILLIS);
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldNotTimeAConnectionBetweenRequests() {
        assertTrue(send(SCRAPE).startsWith("HTTP/1.1 200 OK\r\n"));

        advanceMillis(3 * DEADLINE_MILLIS);
        assertTrue(channel.isOpen(), "a kept connection waits for its next request");
        assertTrue(send(SCRAPE).startsWith("HTTP/1.1 200 OK\r\n"));
    }

    @Test
    void shouldCloseAConnectionIdleForTheIdleTimeout() {
        assertTrue(send(SCRAPE).startsWith("HTTP/1.1 200 OK\r\n"));

        advanceMillis(MetricsEndpointInitializer.IDLE_TIMEOUT.toMillis() - 1);
        assertTrue(channel.isOpen());
        advanceMillis(1);
        assertFalse(channel.isOpen());
    }
}
