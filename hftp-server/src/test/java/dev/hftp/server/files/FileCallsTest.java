package dev.hftp.server.files;

import dev.hftp.codec.testing.LoggerCapture;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FileCalls} with calls that never return: what it logs when they outlive their timeout. */
@Timeout(30)
class FileCallsTest {

    private final EventLoop loop = new DefaultEventLoop();
    private final CountDownLatch release = new CountDownLatch(1);
    private final FileCalls files = new FileCalls(1, Duration.ofMillis(20), 100);
    private final LoggerCapture log = LoggerCapture.begin(FileCalls.class.getName());

    @AfterEach
    void tearDown() throws InterruptedException {
        release.countDown();
        files.close();
        log.stop();
        assertTrue(loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            // FileCalls.close() interrupts its threads.
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A file system that stops answering leaves every call stuck: 20 calls outliving their timeout at once
     * are one line (the first, in full) and one summary of the 19 others, not 20 lines.
     */
    @Test
    void shouldLogStuckCallsAtMostOnceASecondWithTheirCount() throws InterruptedException {
        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(files.submit(loop, () -> {
                awaitRelease();
                return "late";
            }, late -> { }));
        }
        for (Future<String> call : calls) {
            assertTrue(call.await(10, TimeUnit.SECONDS));
            assertFalse(call.isSuccess(), "a stuck call fails (199)");
        }
        // A call fails before its thread is counted as stuck; the summary comes when the second is over.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while ((files.stuckThreads() < 20 || log.events().size() < 2) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(20, files.stuckThreads());
        List<String> lines = log.events().stream().map(LoggerCapture.Event::message).toList();
        assertEquals(2, lines.size(), lines.toString());
        assertEquals("a file call outlived its timeout; 1 thread now waiting on the file system", lines.get(0));
        assertTrue(lines.get(1).matches("19 more file calls outlived the timeout in the last 1\\.\\d s; "
                + "20 threads now waiting on the file system"), lines.get(1));
        assertFalse(log.events().stream().anyMatch(LoggerCapture.Event::thrown));
    }

    /**
     * Stuck calls that all return at once (the file system answers again) count as normal threads again, and
     * what they return, which no one waits for any more, is discarded (a file they opened is closed).
     */
    @Test
    void shouldDiscardTheResultsOfStuckCallsThatAllReturnAtOnce() throws InterruptedException {
        AtomicInteger discarded = new AtomicInteger();
        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(files.submit(loop, () -> {
                awaitRelease();
                return "late";
            }, late -> discarded.incrementAndGet()));
        }
        for (Future<String> call : calls) {
            assertTrue(call.await(10, TimeUnit.SECONDS));
        }
        awaitUntil(() -> files.stuckThreads() == 20);
        release.countDown();
        // And the summary line of the stuck calls, written a second after the first, before the log is put back.
        awaitUntil(() -> discarded.get() == 20 && files.stuckThreads() == 0 && log.events().size() == 2);
        assertEquals(20, discarded.get(), "late results discarded");
        assertEquals(0, files.stuckThreads());
    }

    private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
