package dev.hftp.server.cli;

import dev.hftp.server.HftpServer;
import dev.hftp.server.logging.Wording;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * Halts the process if its shutdown outlasts a deadline. {@link HftpServer#close()} returns in bounded time,
 * but what runs around it may not: a log write to a pipe nobody reads blocks the thread that logs, the
 * shutdown's own warnings included. A server told to stop must stop; this is the last resort, on a daemon
 * thread, so a process that exits in time never notices it.
 */
public final class ShutdownWatchdog {

    /** Beyond the server's own bound on close(): time for the JVM to run its shutdown hooks and exit. */
    static final Duration EXIT_MARGIN = Duration.ofSeconds(2);
    /** How long the warning may take to be written: if the log is what is stuck, the halt does not wait for it. */
    private static final long WARNING_MILLIS = 1_000;

    private static final Logger logger = LogManager.getLogger(ShutdownWatchdog.class);

    private final Duration deadline;
    private final IntConsumer halt;
    private final AtomicBoolean started = new AtomicBoolean();

    /** A watchdog that halts the JVM, with exit code 0, {@code deadline} after it is started. */
    ShutdownWatchdog(Duration deadline) {
        this(deadline, status -> Runtime.getRuntime().halt(status));
    }

    ShutdownWatchdog(Duration deadline, IntConsumer halt) {
        this.deadline = deadline;
        this.halt = halt;
    }

    /** The deadline of a server with {@code shutdownGrace}: the grace, the forced close, the exit. */
    static Duration deadlineAfter(Duration shutdownGrace) {
        return shutdownGrace.plus(HftpServer.FORCED_CLOSE_TIMEOUT).plus(EXIT_MARGIN);
    }

    /** Starts counting, when the shutdown starts; later calls do nothing. */
    void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        Thread watchdog = new Thread(this::haltAfterDeadline, "hftp-shutdown-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void haltAfterDeadline() {
        try {
            TimeUnit.NANOSECONDS.sleep(deadline.toNanos());
            Thread warning = new Thread(() -> logger.warn("the shutdown did not finish within {} of its start "
                    + "(shutdown grace + {} + {}): halting the process", Wording.duration(deadline),
                    Wording.duration(HftpServer.FORCED_CLOSE_TIMEOUT), Wording.duration(EXIT_MARGIN)),
                    "hftp-shutdown-warning");
            warning.setDaemon(true);
            warning.start();
            warning.join(WARNING_MILLIS);
        } catch (InterruptedException e) {
            // Nothing interrupts this thread but the end of the JVM; halting is still right.
        }
        // 0, as for any stop by a signal: the process did what it was told, and the WARN line says how.
        halt.accept(0);
    }
}
