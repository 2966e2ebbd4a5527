package dev.hftp.server.cli;

import dev.hftp.codec.testing.LoggerCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The last resort of the command's shutdown: a halt, with exit code 0, once the deadline has passed. */
@Timeout(10)
class ShutdownWatchdogTest {

    /** Its WARN lines, kept out of the build's output and looked at by the tests. */
    private LoggerCapture log;

    @BeforeEach
    void captureTheLog() {
        log = LoggerCapture.begin(ShutdownWatchdog.class.getName());
    }

    @AfterEach
    void stopCapturing() {
        log.stop();
    }

    private List<String> lines() {
        return log.events().stream().map(LoggerCapture.Event::message).toList();
    }

    /** Halts, and says why first in the words people use for durations (it said "PT0.2S" and "PT5S"). */
    @Test
    void shouldHaltWithZeroOnceTheDeadlineHasPassed() throws Exception {
        CompletableFuture<Integer> halted = new CompletableFuture<>();
        ShutdownWatchdog watchdog = new ShutdownWatchdog(Duration.ofMillis(200), halted::complete);
        long start = System.nanoTime();
        watchdog.start();
        assertEquals(0, halted.get(5, TimeUnit.SECONDS));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 200, "halted after " + millis + " ms, before the deadline");
        assertEquals(List.of("the shutdown did not finish within 200 ms of its start (shutdown grace + 5 s + 2 s): "
                + "halting the process"), lines());
    }

    @Test
    void shouldNotHaltBeforeItIsStarted() throws Exception {
        CompletableFuture<Integer> halted = new CompletableFuture<>();
        new ShutdownWatchdog(Duration.ofMillis(1), halted::complete);
        Thread.sleep(100);
        assertFalse(halted.isDone());
    }

    @Test
    void shouldHaltOnceWhenStartedTwice() throws Exception {
        AtomicInteger halts = new AtomicInteger();
        ShutdownWatchdog watchdog = new ShutdownWatchdog(Duration.ofMillis(50), status -> halts.incrementAndGet());
        watchdog.start();
        watchdog.start();
        Thread.sleep(1_500);
        assertEquals(1, halts.get());
        assertEquals(1, lines().size(), lines().toString());
    }

    @Test
    void shouldGiveTheServerItsGraceTheForcedCloseAndTimeToExit() {
        assertEquals(Duration.ofSeconds(10 + 5 + 2), ShutdownWatchdog.deadlineAfter(Duration.ofSeconds(10)));
    }
}
