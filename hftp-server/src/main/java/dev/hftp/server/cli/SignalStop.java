package dev.hftp.server.cli;

import dev.hftp.server.HftpServer;
import dev.hftp.server.logging.Wording;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What SIGINT and SIGTERM do: the first says so at once and stops the server gracefully (transfers in flight may
 * finish for the shutdown grace); a second one, while the first waits, stops the process at once, as a user
 * pressing Ctrl-C twice means.
 */
final class SignalStop {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(HftpServerMain.class);

    private final HftpServer server;
    private final Duration grace;
    private final ShutdownWatchdog watchdog;
    private final Runnable stop;
    private final AtomicBoolean stopping = new AtomicBoolean();

    SignalStop(HftpServer server, Duration grace, ShutdownWatchdog watchdog, Runnable stop) {
        this.server = server;
        this.grace = grace;
        this.watchdog = watchdog;
        this.stop = stop;
    }

    /** Handles signal {@code name} (number {@code number}); runs on a thread of the JVM's own. */
    void on(String name, int number) {
        if (stopping.compareAndSet(false, true)) {
            // First: a log line can block (standard error full and unread), and the deadline must hold anyway.
            watchdog.start();
            logger.info("stopping on SIG{}: {} open, transfers in flight may finish for up to {}; "
                    + "send it again (Ctrl-C) to stop now", name,
                    Wording.count(server.openConnections(), "connection"), Wording.duration(grace));
            stop.run();
        } else {
            logger.warn("stopping now on a second SIG{}: {} cut", name,
                    Wording.count(server.openConnections(), "connection"));
            // Not exit(): the shutdown hook would wait for the graceful close that the user just cut short.
            Runtime.getRuntime().halt(128 + number);
        }
    }
}
