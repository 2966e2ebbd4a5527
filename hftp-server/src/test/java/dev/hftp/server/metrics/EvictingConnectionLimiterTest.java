package dev.hftp.server.metrics;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which connection {@link EvictingConnectionLimiter} closes when its admission of a new one would go over its
 * limit: the oldest answering no request, else the one answering longest; never the new one.
 */
class EvictingConnectionLimiterTest {

    private final EvictingConnectionLimiter limiter = new EvictingConnectionLimiter(2);
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
    }

    /** A new connection as the endpoint sees it: admitted on the listening channel, then active. */
    private EmbeddedChannel connect() {
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        int open = (int) channels.stream().filter(EmbeddedChannel::isOpen).count();
        assertNull(limiter.admit(channel, open), "never refused");
        channel.pipeline().addLast(limiter);
        try {
            channel.register();
        } catch (Exception e) {
            throw new AssertionError("an embedded channel registers at once", e);
        }
        channels.add(channel);
        return channel;
    }

    private static void request(EmbeddedChannel channel) {
        channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/metrics"));
    }

    private static void reply(EmbeddedChannel channel) {
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER));
    }

    @Test
    void shouldEvictTheOldestIdleConnection() {
        EmbeddedChannel oldest = connect();
        EmbeddedChannel next = connect();

        EmbeddedChannel newcomer = connect();

        assertFalse(oldest.isOpen());
        assertTrue(next.isOpen());
        assertTrue(newcomer.isOpen());
    }

    @Test
    void shouldSpareAConnectionAnsweringARequest() {
        EmbeddedChannel answering = connect();
        EmbeddedChannel idle = connect();
        request(answering);

        connect();

        assertTrue(answering.isOpen());
        assertFalse(idle.isOpen());
    }

    @Test
    void shouldCountAConnectionIdleAgainOnceItsReplyIsWritten() {
        EmbeddedChannel answered = connect();
        EmbeddedChannel answering = connect();
        request(answered);
        request(answering);
        reply(answered);

        connect();

        assertFalse(answered.isOpen());
        assertTrue(answering.isOpen());
    }

    @Test
    void shouldEvictTheConnectionAnsweringLongestWhenAllAre() {
        EmbeddedChannel first = connect();
        EmbeddedChannel second = connect();
        request(second);
        request(first);

        EmbeddedChannel newcomer = connect();

        assertFalse(second.isOpen(), "its reply has waited longest");
        assertTrue(first.isOpen());
        assertTrue(newcomer.isOpen());
    }

    @Test
    void shouldNotCountClosedConnections() {
        EmbeddedChannel closed = connect();
        EmbeddedChannel open = connect();
        closed.close();

        EmbeddedChannel newcomer = connect();

        assertTrue(open.isOpen());
        assertTrue(newcomer.isOpen());
    }

    @Test
    void shouldRefuseANonPositiveLimit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EvictingConnectionLimiter(0));
        assertEquals("maxConnections: 0 (expected: > 0)", e.getMessage());
    }
}
