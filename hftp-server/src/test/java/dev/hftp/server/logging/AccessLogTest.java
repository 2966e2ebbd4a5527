package dev.hftp.server.logging;

import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;
import dev.hftp.server.pipeline.ErrorLog;
import dev.hftp.server.pipeline.HftpHandler;
import dev.hftp.server.pipeline.ReplyObserver;
import dev.hftp.server.pipeline.ServerPipelines;
import dev.hftp.server.proxy.ClientAddress;

import dev.hftp.codec.HftpLineDecoder;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpResponseEncoder;
import dev.hftp.codec.HftpStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access log: one line per request with the fields AccessLog documents, the reply's exact size in bytes,
 * and nothing at all when the logger is off (the default of log4j2.xml).
 */
class AccessLogTest {

    @TempDir
    Path root;

    private EmbeddedChannel channel;
    private Capture capture;
    private LoggerConfig loggerConfig;
    private LoggerConfig original;

    @BeforeEach
    void setUp() throws IOException {
        Files.writeString(root.resolve("archivo.txt"), "!Que calor que hace hoy, pinta una birra!");
        channel = ServerPipelines.onDemand(new HftpResponseEncoder(), new ChunkedWriteHandler(),
                new FlowControlHandler(), new ReplyObserver(null),
                new HftpHandler(new FileStore(root), FileCalls.inline(), 48 * 1024, false, new ErrorLog()));
        capture = new Capture();
        capture.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        // The server's log4j2.xml declares this logger (off); it is set aside for the test and put back after.
        original = config.getLoggers().get(AccessLog.LOGGER_NAME);
        config.removeLogger(AccessLog.LOGGER_NAME);
        loggerConfig = new LoggerConfig(AccessLog.LOGGER_NAME, Level.INFO, false);
        loggerConfig.addAppender(capture, null, null);
        config.addLogger(AccessLog.LOGGER_NAME, loggerConfig);
        context.updateLoggers();
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().removeLogger(AccessLog.LOGGER_NAME);
        if (original != null) {
            context.getConfiguration().addLogger(AccessLog.LOGGER_NAME, original);
        }
        context.updateLoggers();
        capture.stop();
    }

    /** Sends the requests, and returns the log lines without the client address, and the reply bytes. */
    private List<String> exchange(HftpRequest... requests) {
        channel.writeInbound((Object[]) requests);
        long bytes = 0;
        for (Object out; (out = channel.readOutbound()) != null; ) {
            bytes += out instanceof FileRegion region ? region.count() : ((ByteBuf) out).readableBytes();
            ReferenceCountUtil.release(out);
        }
        List<String> lines = new ArrayList<>();
        long logged = 0;
        for (String line : capture.lines) {
            String[] fields = line.split(" ");
            assertEquals(8, fields.length, line);
            assertTrue(fields[7].matches("\\d+\\.\\d{3}ms"), line);
            logged += fields[6].equals("-") ? 0 : Long.parseLong(fields[6]);
            lines.add(String.join(" ", List.of(fields).subList(1, 7)));
        }
        if (!lines.isEmpty()) {
            assertEquals(bytes, logged, "the logged sizes add up to the bytes written");
        }
        capture.lines.clear();
        return lines;
    }

    @Test
    void shouldLogEachRequestWithItsStatusAndExactReplySize() {
        assertEquals(List.of(
                "get_metadata archivo.txt - - 0 10",
                "get_slice archivo.txt 5 20 0 36",
                "get_slice/raw archivo.txt 0 41 0 69",
                "get_file_listing - - - 0 21",
                "help - - - 0 63",
                "get_metadata missing - - 202 20",
                "get_slice archivo.txt 40 2 203 30"),
                exchange(new HftpRequest.GetMetadata("archivo.txt"), new HftpRequest.GetSlice("archivo.txt", 5, 20, false),
                        new HftpRequest.GetSlice("archivo.txt", 0, 41, true), HftpRequest.GET_FILE_LISTING,
                        HftpRequest.HELP, new HftpRequest.GetMetadata("missing"),
                        new HftpRequest.GetSlice("archivo.txt", 40, 2, false)));
    }

    @Test
    void shouldLogMalformedLinesAndQuit() {
        assertEquals(List.of("- - - - 200 21"),
                exchange(new HftpRequest.Malformed(HftpStatus.INVALID_COMMAND, "unknown command")));
        assertEquals(List.of("quit - - - 0 6"), exchange(HftpRequest.QUIT));
    }

    @Test
    void shouldLogTheClientThatABalancerAnnounced() {
        ClientAddress.setProxied(channel, new java.net.InetSocketAddress("203.0.113.7", 56324));
        channel.writeInbound(HftpRequest.HELP);
        channel.releaseOutbound();
        assertEquals(1, capture.lines.size());
        assertTrue(capture.lines.get(0).startsWith("203.0.113.7:56324 help "), capture.lines.get(0));
    }

    @Test
    void shouldLogNothingWhenOff() {
        loggerConfig.setLevel(Level.OFF);
        ((LoggerContext) LogManager.getContext(false)).updateLoggers();
        assertFalse(AccessLog.enabled());
        exchange(new HftpRequest.GetMetadata("archivo.txt"), HftpRequest.HELP);
        assertTrue(capture.lines.isEmpty());
    }

    private static final class Capture extends AbstractAppender {
        final List<String> lines = new ArrayList<>();

        Capture() {
            super("access-capture", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            lines.add(event.getMessage().getFormattedMessage());
        }
    }
}
