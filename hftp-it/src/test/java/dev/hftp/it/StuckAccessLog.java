package dev.hftp.it;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An access log ({@code dev.hftp.access}) whose appender blocks, as one writing to a full pipe or a stalled
 * disk does: the first line that contains a marker holds the event loop that logs it until {@link #release()}
 * (or a minute). A way to get a server's event loop stuck from outside, through its public configuration.
 * {@link #release()} also puts the logging configuration back as it was.
 */
final class StuckAccessLog extends AbstractAppender {

    private static final String LOGGER = "dev.hftp.access";
    private static final long MAX_BLOCK_SECONDS = 60;

    private final String marker;
    private final CountDownLatch stuck = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private LoggerConfig original;

    private StuckAccessLog(String marker) {
        super("stuck-access-log", null, null, true, Property.EMPTY_ARRAY);
        this.marker = marker;
    }

    /** Blocks the thread that logs the first access line containing {@code marker}. */
    static StuckAccessLog blockingOn(String marker) {
        StuckAccessLog log = new StuckAccessLog(marker);
        log.install();
        return log;
    }

    private void install() {
        super.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        original = config.getLoggers().get(LOGGER);
        config.removeLogger(LOGGER);
        LoggerConfig blocking = new LoggerConfig(LOGGER, Level.INFO, false);
        blocking.addAppender(this, null, null);
        config.addLogger(LOGGER, blocking);
        context.updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
        if (stuck.getCount() == 0 || !event.getMessage().getFormattedMessage().contains(marker)) {
            return;
        }
        stuck.countDown();
        try {
            release.await(MAX_BLOCK_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a thread is held in the appender now, waiting up to {@code timeout} for one to arrive. */
    boolean awaitStuck(Duration timeout) throws InterruptedException {
        return stuck.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets the held thread go, and restores the logging configuration. */
    void release() {
        release.countDown();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        config.removeLogger(LOGGER);
        if (original != null) {
            config.addLogger(LOGGER, original);
        }
        context.updateLoggers();
        super.stop();
    }
}
