package dev.hftp.server.metrics;

import dev.hftp.server.pipeline.ConnectionAdmission;
import dev.hftp.server.pipeline.MemoryBudget;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP side of the metrics endpoint, bytes in and bytes out: the scrape, format negotiation, and the
 * answers to everything that is not a scrape.
 */
class MetricsHttpHandlerTest {

    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        ServerMetrics metrics = new ServerMetrics(ConnectionAdmission.limiting(10, new MemoryBudget(Long.MAX_VALUE)));
        channel = new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(16 * 1024),
                new MetricsHttpHandler(metrics.registry()));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private String exchange(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
        StringBuilder response = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            response.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        return response.toString();
    }

    private static String header(String response, String name) {
        for (String line : response.split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    @Test
    void shouldServePrometheusTextOnGet() {
        String response = exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");

        assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
        assertEquals("text/plain; version=0.0.4; charset=utf-8", header(response, "content-type"));
        String body = body(response);
        assertEquals(Integer.toString(body.getBytes(StandardCharsets.UTF_8).length),
                header(response, "content-length"));
        assertTrue(body.contains("# TYPE hftp_requests_total counter\n"), body);
        assertTrue(body.contains("hftp_connections_open 0"), body);
        assertTrue(channel.isOpen(), "HTTP/1.1 keeps the connection");
    }

    @Test
    void shouldServeOpenMetricsWhenAsked() {
        String response = exchange("GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text; version=1.0.0\r\n\r\n");

        assertTrue(header(response, "content-type").startsWith("application/openmetrics-text"), response);
        assertTrue(body(response).endsWith("# EOF\n"), response);
    }

    @Test
    void shouldAnswerTextWhenProtobufIsPreferred() {
        // The Accept header of Prometheus 2.x, which prefers a protobuf format this build does not have.
        String response = exchange("GET /metrics HTTP/1.1\r\nAccept: application/vnd.google.protobuf;"
                + "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,"
                + "*/*;q=0.1\r\n\r\n");

        assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
        assertTrue(header(response, "content-type").startsWith("text/plain"), response);
        assertTrue(body(response).contains("hftp_requests_total"), response);
    }

    @Test
    void shouldGiveLengthWithoutBodyOnHead() {
        String response = exchange("HEAD /metrics HTTP/1.1\r\n\r\n");

        assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
        assertTrue(Integer.parseInt(header(response, "content-length")) > 1000, response);
        assertEquals("", body(response));
    }

    @Test
    void shouldRefuseOtherPaths() {
        String response = exchange("GET / HTTP/1.1\r\n\r\n");

        assertTrue(response.startsWith("HTTP/1.1 404 Not Found\r\n"), response);
        assertEquals("not found: the metrics are at /metrics\n", body(response));
    }

    @Test
    void shouldRefuseOtherMethods() {
        String response = exchange("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");

        assertTrue(response.startsWith("HTTP/1.1 405 Method Not Allowed\r\n"), response);
        assertEquals("GET, HEAD", header(response, "allow"));
    }

    @Test
    void shouldCloseAfterHttp10AndBadRequests() {
        exchange("GET /metrics HTTP/1.0\r\n\r\n");
        assertFalse(channel.isOpen(), "HTTP/1.0 without keep-alive ends the connection");

        setUp();
        String response = exchange("GET /metrics HTTP/1.1\r\nbad header line without colon\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 400 Bad Request\r\n"), response);
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldAnswerPipelinedScrapesInOrder() {
        String responses = exchange("GET /nope HTTP/1.1\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n");

        assertTrue(responses.startsWith("HTTP/1.1 404"), responses);
        assertTrue(responses.contains("HTTP/1.1 200 OK"), responses);
    }
}
