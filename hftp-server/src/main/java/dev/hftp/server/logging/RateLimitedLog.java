package dev.hftp.server.logging;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Ticker;
import io.netty.util.internal.logging.InternalLogger;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one WARN line a period (a second) for one cause that a client can repeat at will, so that a flood of
 * it cannot flood the log, which the threads serving everyone write synchronously.
 *
 * <p>An occurrence after a quiet period is {@link #admit admitted}: the caller logs it in full, as it would have
 * without this class. The ones that follow within the period are only counted; the count is written as one
 * summary line once the period is over, either by the next occurrence or by a check scheduled when the first of
 * them was counted, so the tail of a burst is written too, a period after the line before it at the latest:
 * <pre>
 * 192.0.2.7:40312 refused: 10000 connections already open (limit)
 * 4,731 more connections refused in the last 1.0 s (limit 10000 open); last from 192.0.2.7:51877
 * </pre>
 * Each occurrence costs a clock read and a few atomic operations, without allocating; a summary line costs its
 * formatting, and one scheduled task a period. Thread-safe.
 */
public final class RateLimitedLog {

    /** How often a cause may be logged. */
    static final Duration PERIOD = Duration.ofSeconds(1);

    private final InternalLogger logger;
    private final String noun;
    private final String summary;
    private final long periodNanos;
    private final Ticker ticker;
    private final EventExecutor scheduler;
    private final Runnable check = this::flush;

    /** The ticker time before which no line is written; the last line was written one period before it. */
    private final AtomicLong nextLineAt;
    /** Occurrences counted and not written yet. */
    private final AtomicLong pending = new AtomicLong();
    /** What the summary line names as the last of the occurrences it counts. */
    private volatile Object last;

    /**
     * Lines to {@code logger}, at most one a second; {@code summary} is the format of a summary line, whose three
     * {@code {}} are the count with {@code noun} ({@code 1 more connection}, {@code 4,731 more connections}), the
     * seconds it covers, and the {@code last} of the latest occurrence.
     */
    public RateLimitedLog(InternalLogger logger, String noun, String summary) {
        // The global executor starts its thread when a check is scheduled and stops it when idle: nothing to close.
        this(logger, noun, summary, PERIOD, Ticker.systemTicker(), GlobalEventExecutor.INSTANCE);
    }

    /** As above, with the period, the clock and the executor of the checks given: for tests. */
    public RateLimitedLog(InternalLogger logger, String noun, String summary, Duration period, Ticker ticker,
                          EventExecutor scheduler) {
        this.logger = Objects.requireNonNull(logger, "logger");
        this.noun = Objects.requireNonNull(noun, "noun");
        this.summary = Objects.requireNonNull(summary, "summary");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period: " + period + " (expected: > 0)");
        }
        this.periodNanos = period.toNanos();
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.nextLineAt = new AtomicLong(ticker.nanoTime() - periodNanos);
    }

    /**
     * Counts one occurrence, {@code last} describing it (the client's address, say: only its {@code toString()} is
     * used, and only if a summary line names it). Returns true if no line of this cause was written in the last
     * period and nothing is pending: the caller then logs this occurrence itself, in full; false if it is counted
     * for a summary line (written now if the period is over).
     */
    public boolean admit(Object last) {
        long now = ticker.nanoTime();
        long due = nextLineAt.get();
        if (now - due >= 0 && nextLineAt.compareAndSet(due, now + periodNanos)) {
            long counted = pending.getAndSet(0);
            if (counted == 0) {
                return true;
            }
            write(counted + 1, now - (due - periodNanos), last);
            return false;
        }
        this.last = last;
        if (pending.getAndIncrement() == 0) {
            // The first occurrence of a period that no line has counted: make sure a line will, even if none follows.
            schedule(nextLineAt.get() - now);
        }
        return false;
    }

    /** Writes the summary of what is pending if the period is over, else checks again when it is. */
    private void flush() {
        if (pending.get() == 0) {
            return;
        }
        long now = ticker.nanoTime();
        long due = nextLineAt.get();
        if (now - due < 0) {
            schedule(due - now);
            return;
        }
        // Losing the race means an occurrence wrote the line and took the count; any later one scheduled a check.
        if (nextLineAt.compareAndSet(due, now + periodNanos)) {
            long counted = pending.getAndSet(0);
            if (counted > 0) {
                write(counted, now - (due - periodNanos), this.last);
            }
        }
    }

    private void schedule(long delayNanos) {
        try {
            scheduler.schedule(check, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // Shutting down (a test's executor): the count stays pending for the next occurrence, if any.
        }
    }

    private void write(long count, long nanos, Object last) {
        if (logger.isWarnEnabled()) {
            logger.warn(summary, String.format(Locale.ROOT, "%,d more %s", count, count == 1 ? noun : noun + "s"),
                    String.format(Locale.ROOT, "%.1f", nanos / 1e9), last);
        }
    }
}
