package dev.hftp.server.metrics;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When {@link RequestDeadlineHandler}'s clock runs, on the channel's clock: from the later of a request's first
 * byte and the server's {@code read()} asking for it, until the request is whole.
 */
class RequestDeadlineHandlerTest {

    private static final long DEADLINE_MILLIS = 5_000;
    private static final String HALF = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
    private static final String WHOLE = HALF + "\r\n";

    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        // Reads only when asked, as on the endpoint: each read() below is the server asking for a request.
        channel.config().setAutoRead(false);
        channel.pipeline().addLast(new HttpRequestStartDecoder(new HttpDecoderConfig()),
                new RequestDeadlineHandler(Duration.ofMillis(DEADLINE_MILLIS)));
        channel.freezeTime();
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private void receive(String bytes) {
        channel.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.US_ASCII));
    }

    private void advanceMillis(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void shouldCloseWhenARequestAskedForIsNotWholeInTime() {
        channel.read();
        receive(HALF);

        advanceMillis(DEADLINE_MILLIS - 1);
        assertTrue(channel.isOpen());
        advanceMillis(1);
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldNotTimeARequestTheServerHasNotAskedFor() {
        channel.read();
        // The second request begins behind the first, and the server does not ask for it (its client does not
        // read the reply to the first, say).
        receive(WHOLE + "GET /met");

        advanceMillis(3 * DEADLINE_MILLIS);
        assertTrue(channel.isOpen());
        channel.read();
        advanceMillis(DEADLINE_MILLIS);
        assertFalse(channel.isOpen(), "timed from the read() that asked for it");
    }

    @Test
    void shouldNotTimeAConnectionWaitingForItsNextRequest() {
        channel.read();
        receive(WHOLE);
        channel.read();

        advanceMillis(3 * DEADLINE_MILLIS);
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldStopTheClockWhenTheRequestIsWhole() {
        channel.read();
        receive(HALF);
        advanceMillis(DEADLINE_MILLIS - 1);
        receive("\r\n");

        advanceMillis(3 * DEADLINE_MILLIS);
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldTimeTheBodyToo() {
        channel.read();
        receive("POST /metrics HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345");

        advanceMillis(DEADLINE_MILLIS);
        assertFalse(channel.isOpen());
    }
}
