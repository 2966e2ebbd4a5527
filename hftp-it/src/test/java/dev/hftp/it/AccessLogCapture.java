package dev.hftp.it;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The server's access log ({@code dev.hftp.access}, off in its log4j2.xml) turned on for a test and kept in
 * memory, from {@link #begin()}; {@link #stop()} puts the configuration back as it was.
 */
final class AccessLogCapture extends AbstractAppender {

    private static final String LOGGER = "dev.hftp.access";

    private final List<String> lines = new ArrayList<>();
    private LoggerConfig original;

    private AccessLogCapture() {
        super("access-log-capture", null, null, true, Property.EMPTY_ARRAY);
    }

    static AccessLogCapture begin() {
        AccessLogCapture capture = new AccessLogCapture();
        capture.install();
        return capture;
    }

    private void install() {
        super.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        original = config.getLoggers().get(LOGGER);
        config.removeLogger(LOGGER);
        LoggerConfig capturing = new LoggerConfig(LOGGER, Level.INFO, false);
        capturing.addAppender(this, null, null);
        config.addLogger(LOGGER, capturing);
        context.updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
        synchronized (lines) {
            lines.add(event.getMessage().getFormattedMessage());
            lines.notifyAll();
        }
    }

    /** Every line logged so far. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The first {@code count} lines that {@code wanted} accepts, once logged (10 s at most). */
    List<String> await(int count, Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (lines) {
            while (true) {
                List<String> found = lines.stream().filter(wanted).limit(count).toList();
                if (found.size() == count) {
                    return found;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return fail("only " + found.size() + " of " + count + " access log lines: " + lines);
                }
                lines.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }
    }

    @Override
    public void stop() {
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
