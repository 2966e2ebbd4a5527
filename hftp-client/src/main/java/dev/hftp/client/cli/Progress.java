package dev.hftp.client.cli;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The progress of a download, counted from any number of I/O threads and printed from one thread of its own:
 * a bar redrawn in place on a terminal, a line every few seconds otherwise, or nothing. The I/O threads only add to
 * a {@link LongAdder}, so they never wait for the printer.
 */
final class Progress implements AutoCloseable {

    /** The terminal's width: Java cannot ask the terminal, the launcher passes it as COLUMNS. */
    private static final int COLUMNS = ProgressFormat.columns(System.getenv("COLUMNS"));

    /** How progress shows. */
    enum Style {
        /** One line redrawn with {@code \r}, for a terminal. */
        BAR(200),
        /** A plain line every few seconds, for logs and pipes. */
        LINES(5000),
        /** Nothing at all ({@code -q}). */
        QUIET(0);

        private final long periodMillis;

        Style(long periodMillis) {
            this.periodMillis = periodMillis;
        }

        /** BAR if the JVM has a terminal, LINES if not; QUIET if asked. */
        static Style detect(boolean quiet) {
            return quiet ? QUIET : System.console() != null ? BAR : LINES;
        }
    }

    /** The rate shown is over this last stretch of time, so that it follows changes of speed. */
    private static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String name;
    private final long total;
    private final long resumed;
    private final Style style;
    private final PrintStream out;
    private final LongAdder fetched = new LongAdder();
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService printer;
    /** (nanoTime, fetched) samples of the printer thread, for the rate; touched by that thread only. */
    private final Deque<long[]> samples = new ArrayDeque<>();
    /** Touched by the printer thread only. */
    private final EtaEstimate eta = new EtaEstimate(startNanos);
    private int lastBarLength;
    private boolean finished;

    private Progress(String name, long total, long resumed, Style style, PrintStream out) {
        this.name = name;
        this.total = total;
        this.resumed = resumed;
        this.style = style;
        this.out = out;
        this.printer = style == Style.QUIET ? null : Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "hftp-progress");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts reporting {@code total} bytes of which {@code resumed} were already there. */
    static Progress start(String name, long total, long resumed, Style style, PrintStream out) {
        Progress progress = new Progress(Objects.requireNonNull(name, "name"), total, resumed,
                Objects.requireNonNull(style, "style"), Objects.requireNonNull(out, "out"));
        if (progress.printer != null) {
            progress.printer.scheduleAtFixedRate(progress::print, style.periodMillis, style.periodMillis,
                    TimeUnit.MILLISECONDS);
        }
        return progress;
    }

    /** Counts {@code bytes} more; from any thread. */
    void add(long bytes) {
        fetched.add(bytes);
    }

    /** The bytes fetched by this run (not the resumed ones). */
    long fetched() {
        return fetched.sum();
    }

    private void print() {
        long now = System.nanoTime();
        long fetchedNow = fetched.sum();
        double rate = rate(now, fetchedNow);
        eta.update(now, fetchedNow);
        long done = resumed + fetchedNow;
        if (style == Style.BAR) {
            redraw(ProgressFormat.bar(name, done, total, rate, eta.bytesPerSecond(), COLUMNS));
        } else if (done < total) {
            // At 100% the summary follows: a line saying the same would only repeat it.
            out.println(ProgressFormat.line(name, done, total, rate));
        }
        out.flush();
    }

    private double rate(long now, long fetchedNow) {
        samples.addLast(new long[] {now, fetchedNow});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) {
            samples.removeFirst();
        }
        long[] first = samples.size() > 1 ? samples.peekFirst() : new long[] {startNanos, 0};
        double seconds = (now - first[0]) / 1e9;
        return seconds > 0 ? (fetchedNow - first[1]) / seconds : 0;
    }

    /** Overwrites the bar; spaces erase what a longer previous one left. */
    private void redraw(String bar) {
        int padding = Math.max(0, lastBarLength - bar.length());
        out.print("\r" + bar + " ".repeat(padding));
        lastBarLength = bar.length();
    }

    /**
     * Stops the printer; after a complete download, prints the summary line. A failed one leaves the last
     * report as it was (the bar ends its line) and the error follows.
     */
    void finish(boolean complete) {
        if (printer == null || finished) {
            return;
        }
        finished = true;
        printer.shutdownNow();
        try {
            printer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String summary = complete
                ? ProgressFormat.summary(name, total, resumed, (System.nanoTime() - startNanos) / 1e9)
                : null;
        if (style == Style.BAR) {
            if (summary != null) {
                redraw(summary);
            }
            if (lastBarLength > 0) {
                out.println();
            }
        } else if (summary != null) {
            out.println(summary);
        }
        out.flush();
    }

    /** The process is ending mid-download: stops the printer and ends the bar's line, so nothing lands on it. */
    synchronized void interrupted() {
        if (printer != null && !finished) {
            finished = true;
            printer.shutdownNow();
            if (style == Style.BAR && lastBarLength > 0) {
                out.println();
            }
            out.flush();
        }
    }

    /** As an unfinished download: stops the printer, prints no summary. */
    @Override
    public void close() {
        finish(false);
    }
}
