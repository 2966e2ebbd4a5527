package dev.hftp.server.logging;

import dev.hftp.codec.testing.LoggerCapture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RateLimitedLog} on a fake clock: the mock ticker is both its clock and the clock of the embedded event
 * loop that runs its scheduled checks, so time passes only when a test says so.
 */
class RateLimitedLogTest {

    private static final String NAME = RateLimitedLogTest.class.getName();
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(NAME);
    private static final String SUMMARY = "{} refused in the last {} s; last from {}";
    private static final Pattern COUNT =
            Pattern.compile("^([\\d,]+) more connections? refused in the last ([\\d.]+) s; last from (.*)$");

    private MockTicker ticker;
    private EmbeddedChannel loop;
    private LoggerCapture log;
    private RateLimitedLog limited;

    @BeforeEach
    void setUp() {
        ticker = Ticker.newMockTicker();
        loop = EmbeddedChannel.builder().ticker(ticker).build();
        log = LoggerCapture.begin(NAME);
        limited = new RateLimitedLog(logger, "connection", SUMMARY, Duration.ofSeconds(1), ticker, loop.eventLoop());
    }

    @AfterEach
    void tearDown() {
        log.stop();
        assertFalse(loop.finish());
    }

    /** Advances the clock and runs the checks that are due. */
    private void advance(long millis) {
        ticker.advanceMillis(millis);
        loop.runScheduledPendingTasks();
    }

    private List<String> lines() {
        return log.events().stream().map(LoggerCapture.Event::message).toList();
    }

    @Test
    void shouldAdmitTheFirstAndCountTheOthersInOneLineWrittenWhenThePeriodEnds() {
        assertTrue(limited.admit("client-0"), "the first occurrence is logged in full by the caller");
        for (int i = 1; i < 1_000; i++) {
            assertFalse(limited.admit("client-" + i));
        }
        advance(999);
        assertEquals(List.of(), lines(), "nothing is written within the period");
        advance(1);
        assertEquals(List.of("999 more connections refused in the last 1.0 s; last from client-999"), lines());
        advance(10_000);
        assertEquals(1, lines().size(), "nothing more to write");
    }

    @Test
    void shouldWriteTheSummaryWithTheNextOccurrenceOnceThePeriodIsOver() {
        assertTrue(limited.admit("a"));
        assertFalse(limited.admit("b"));
        assertFalse(limited.admit("c"));
        // No scheduled check runs: the occurrence after the period writes the line itself, counting itself.
        ticker.advanceMillis(1_500);
        assertFalse(limited.admit("d"));
        assertEquals(List.of("3 more connections refused in the last 1.5 s; last from d"), lines());
        loop.runScheduledPendingTasks();
        advance(5_000);
        assertEquals(1, lines().size(), "the check scheduled for b finds nothing left to write");
    }

    @Test
    void shouldAdmitAgainAfterAQuietPeriod() {
        assertTrue(limited.admit("a"));
        advance(1_000);
        assertEquals(List.of(), lines(), "a lone occurrence needs no summary");
        advance(4_000);
        assertTrue(limited.admit("b"), "a period without a line: the next one is logged in full again");
        assertFalse(limited.admit("c"));
        advance(1_000);
        assertEquals(List.of("1 more connection refused in the last 1.0 s; last from c"), lines());
    }

    @Test
    void shouldWriteAtMostOneLineAPeriodUnderAFloodAndAccountForEveryOccurrence() {
        int admitted = 0;
        // 10,000 occurrences, one every 0.5 ms: 5 s.
        for (int i = 0; i < 10_000; i++) {
            if (limited.admit(i)) {
                admitted++;
            }
            ticker.advance(500, TimeUnit.MICROSECONDS);
            loop.runScheduledPendingTasks();
        }
        advance(1_000);
        List<String> lines = lines();
        assertEquals(1, admitted);
        assertTrue(lines.size() <= 5, "one line a second at most after the admitted one: " + lines);
        assertEquals(10_000, admitted + total(lines), lines.toString());
        assertEquals("9999", last(lines.get(lines.size() - 1)), "the last occurrence is named");
    }

    @Test
    void shouldFormatTheCountWithThousandsSeparators() {
        assertTrue(limited.admit("a"));
        for (int i = 0; i < 4_731; i++) {
            assertFalse(limited.admit("b"));
        }
        advance(1_000);
        assertEquals(List.of("4,731 more connections refused in the last 1.0 s; last from b"), lines());
    }

    @Test
    @Timeout(30)
    void shouldCountEveryOccurrenceOnceUnderContention() throws InterruptedException {
        int threads = 4;
        int each = 50_000; // 200,000 in all
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            // The clock stands still, so the checks the workers schedule wait for the test's advance.
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    if (limited.admit("x")) {
                        admitted.incrementAndGet();
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        // Only the first counted occurrence scheduled a check; joined, the workers have handed it to this thread.
        advance(1_000);
        assertEquals(1, admitted.get());
        assertEquals(List.of("199,999 more connections refused in the last 1.0 s; last from x"), lines());
    }

    private static long total(List<String> lines) {
        long total = 0;
        for (String line : lines) {
            Matcher matcher = COUNT.matcher(line);
            assertTrue(matcher.matches(), line);
            total += Long.parseLong(matcher.group(1).replace(",", ""));
        }
        return total;
    }

    private static String last(String line) {
        Matcher matcher = COUNT.matcher(line);
        assertTrue(matcher.matches(), line);
        return matcher.group(3);
    }
}
