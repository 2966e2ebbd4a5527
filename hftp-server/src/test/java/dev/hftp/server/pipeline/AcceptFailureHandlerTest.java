package dev.hftp.server.pipeline;

import dev.hftp.codec.testing.LoggerCapture;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AcceptFailureHandler} on an embedded channel standing for the listening one: an accept that fails is
 * one line without a stack trace, and accepting stops for a second. LogFloodIT provokes the real EMFILE.
 */
class AcceptFailureHandlerTest {

    private final EmbeddedChannel listening = new EmbeddedChannel(new AcceptFailureHandler());
    private final LoggerCapture log = LoggerCapture.begin(AcceptFailureHandler.class.getName());

    @AfterEach
    void tearDown() {
        log.stop();
        assertFalse(listening.finish());
    }

    @Test
    void shouldLogAnAcceptFailureInOneLineWithoutStackTraceAndPauseAcceptingForASecond() {
        listening.freezeTime();
        listening.pipeline().fireExceptionCaught(new IOException("Too many open files"));
        // Handled: it does not reach the end of the pipeline, which would log it with its stack trace.
        listening.checkException();
        assertEquals(List.of(new LoggerCapture.Event(
                "cannot accept connections: java.io.IOException: Too many open files; accepting again in 1000 ms",
                false)), log.events());
        assertFalse(listening.config().isAutoRead(), "accepting stops");
        listening.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        listening.runScheduledPendingTasks();
        assertFalse(listening.config().isAutoRead());
        listening.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        listening.runScheduledPendingTasks();
        assertTrue(listening.config().isAutoRead(), "accepting resumes after a second");
    }

    @Test
    @Timeout(10)
    void shouldLogRepeatedFailuresOnceASecond() throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            listening.pipeline().fireExceptionCaught(new IOException("Too many open files"));
        }
        assertEquals(1, log.events().size(), "the others are counted for a summary line: " + log.events());
        // The summary, on the real clock (RateLimitedLogTest covers the timing on a fake one).
        while (log.events().size() < 2) {
            Thread.sleep(10);
        }
        assertEquals(2, log.events().size());
        assertTrue(log.events().get(1).message().matches(
                "9 more accepts failed in the last 1\\.\\d s; last: java.io.IOException: Too many open files"),
                log.events().get(1).message());
    }

    @Test
    void shouldKeepTheStackTraceOfAnUnexpectedFailure() {
        listening.pipeline().fireExceptionCaught(new IllegalStateException("test: a broken invariant"));
        assertEquals(List.of(new LoggerCapture.Event("cannot accept connections; accepting again in 1000 ms", true)),
                log.events());
    }
}
