package dev.hftp.it.bench;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Counters of one event loop: touched only by that loop's thread (no atomics on the hot path), read by
 * the main thread through a task on the loop ({@link #copy()}).
 */
final class LoopStats {

    /** Latencies above this are recorded as this (2 minutes). */
    static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(2);
    /** Error descriptions kept per loop, to print. */
    static final int MAX_MESSAGES = 5;

    final Histogram latency = new Histogram(MAX_LATENCY_NANOS, 3);
    /** Replies completed inside the measurement window. */
    long replies;
    /** Bytes received inside the measurement window. */
    long bytes;
    /** Requests sent inside the window (idle mode's accounting). */
    long sentInWindow;
    /** Replies, good or bad, to requests sent inside the window (idle mode's accounting). */
    long answeredOfWindow;
    /** Replies that failed verification, over the whole run (warm-up included). */
    long badReplies;
    /** Requests outstanding on a connection that the server closed or that failed. */
    long lost;
    long closedByServer;
    /** Idle ticks skipped because too many requests were outstanding on the connection. */
    long skippedTicks;
    final List<String> messages = new ArrayList<>();

    void message(String text) {
        if (messages.size() < MAX_MESSAGES) {
            messages.add(text);
        }
    }

    LoopStats copy() {
        LoopStats c = new LoopStats();
        c.addAll(this);
        return c;
    }

    void addAll(LoopStats o) {
        latency.add(o.latency);
        replies += o.replies;
        bytes += o.bytes;
        sentInWindow += o.sentInWindow;
        answeredOfWindow += o.answeredOfWindow;
        badReplies += o.badReplies;
        lost += o.lost;
        closedByServer += o.closedByServer;
        skippedTicks += o.skippedTicks;
        for (String m : o.messages) {
            if (messages.size() < MAX_MESSAGES * 4) {
                messages.add(m);
            }
        }
    }
}
