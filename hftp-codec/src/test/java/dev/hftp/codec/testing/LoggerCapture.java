package dev.hftp.codec.testing;

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

/**
 * What one logger of the server writes at WARN or above, kept in memory from {@link #begin} instead of going to
 * the console (the logger is made non-additive for the test); {@link #stop()} puts the configuration back.
 */
public final class LoggerCapture extends AbstractAppender {

    /** A captured event: its formatted message, and whether it carried an exception (a stack trace). */
    public record Event(String message, boolean thrown) {
    }

    private final String logger;
    private final List<Event> events = new ArrayList<>();
    private LoggerConfig original;

    private LoggerCapture(String logger) {
        super("logger-capture-" + logger, null, null, true, Property.EMPTY_ARRAY);
        this.logger = logger;
    }

    /**
     * Captures the logger {@code name}: a class's full name for the server's loggers (Netty's InternalLoggerFactory
     * names them so), or a test's own name.
     */
    public static LoggerCapture begin(String name) {
        LoggerCapture capture = new LoggerCapture(name);
        capture.install();
        return capture;
    }

    private void install() {
        super.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        original = config.getLoggers().get(logger);
        config.removeLogger(logger);
        LoggerConfig capturing = new LoggerConfig(logger, Level.WARN, false);
        capturing.addAppender(this, null, null);
        config.addLogger(logger, capturing);
        context.updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
        synchronized (events) {
            events.add(new Event(event.getMessage().getFormattedMessage(), event.getThrown() != null));
        }
    }

    /** Every event captured so far. */
    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    @Override
    public void stop() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        config.removeLogger(logger);
        if (original != null) {
            config.addLogger(logger, original);
        }
        context.updateLoggers();
        super.stop();
    }
}
