package dev.hftp.server.metrics;

import dev.hftp.server.EmbeddedSocketChannel;
import dev.hftp.server.HftpServerBootstrap;
import dev.hftp.server.Wire;
import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;
import dev.hftp.server.pipeline.ConnectionAdmission;
import dev.hftp.server.pipeline.HftpConnectionHandler;
import dev.hftp.server.pipeline.HftpServerInitializer;
import dev.hftp.server.pipeline.MemoryBudget;

import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpStatus;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the server's metrics count, through the whole pipeline of a connection: one request counter per
 * reply with its command and status, the file bytes of slices by mode, one transfer duration per slice, the
 * connections; read back as Prometheus scrapes them, from the text exposition.
 */
class ServerMetricsTest {

    private static final String CONTENT = "!Que calor que hace hoy, pinta una birra!";

    @TempDir
    Path root;

    private HftpConnectionHandler connections;
    private ConnectionAdmission admission;
    private ServerMetrics metrics;
    private EmbeddedSocketChannel channel;

    @BeforeEach
    void setUp() throws Exception {
        Files.writeString(root.resolve("archivo.txt"), CONTENT);
        connections = new HftpConnectionHandler(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
        admission = ConnectionAdmission.limiting(100, new MemoryBudget(Long.MAX_VALUE));
        metrics = new ServerMetrics(admission);
        channel = new EmbeddedSocketChannel(new HftpServerInitializer(new FileStore(root), FileCalls.inline(), connections,
                new HftpServerInitializer.Limits(1024, 3 * 16384, 0), null, metrics, false, null, new MemoryBudget(Long.MAX_VALUE)));
        // Admitted as Netty's acceptor hands it over: the admission counts what the metrics report.
        EmbeddedChannel listening = new EmbeddedChannel(admission);
        listening.writeInbound(channel);
        listening.readInbound();
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private void send(String requests) {
        channel.writeInbound(Unpooled.copiedBuffer(requests, StandardCharsets.US_ASCII));
        channel.runPendingTasks();
        Wire.drain(channel);
    }

    private String scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The value of the sample {@code series} (name and labels exactly as exposed); fails if it is absent. */
    private double sample(String series) throws IOException {
        String text = scrape();
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + series + " in:\n" + text);
    }

    private double requests(String command, int status) throws IOException {
        return sample("hftp_requests_total{command=\"" + command + "\",status=\"" + status + "\"}");
    }

    @Test
    void shouldExposeTheSeriesAtZeroBeforeAnyRequest() throws IOException {
        assertEquals(0, requests("get_metadata", 0));
        assertEquals(0, requests("invalid", 101));
        assertEquals(0, sample("hftp_slice_bytes_total{mode=\"base64\"}"));
        assertEquals(0, sample("hftp_transfer_duration_seconds_count{mode=\"raw\"}"));
    }

    @Test
    void shouldExposeOnlyTheStatusesACommandCanHave() throws IOException {
        String text = scrape();
        assertFalse(text.contains("command=\"get_file_listing\",status=\"202\""), text);
        assertFalse(text.contains("command=\"help\",status=\"101\""), text);
        assertEquals(0, requests("get_slice", 203));
        assertEquals(0, requests("get_file_listing", 199));
    }

    @Test
    void shouldCountAnUnexpectedPairToo() throws IOException {
        metrics.request(new HftpRequest.Help(), HftpStatus.INTERNAL_ERROR);
        metrics.request(new HftpRequest.Help(), HftpStatus.INTERNAL_ERROR);
        assertEquals(2, requests("help", 199));
    }

    @Test
    void shouldCountEachReplyByCommandAndStatus() throws IOException {
        send("get_file_listing\r\nget_metadata archivo.txt\r\nget_metadata archivo.txt\r\nget_metadata nope\r\n"
                + "get_slice archivo.txt 99 1\r\nhelp\r\nnope\r\nget_metadata\r\n");

        assertEquals(1, requests("get_file_listing", 0));
        assertEquals(2, requests("get_metadata", 0));
        assertEquals(1, requests("get_metadata", 202));
        assertEquals(1, requests("get_slice", 203));
        assertEquals(0, requests("get_slice", 0));
        assertEquals(1, requests("help", 0));
        assertEquals(1, requests("invalid", 200));
        assertEquals(1, requests("invalid", 201));
    }

    @Test
    void shouldCountQuitAndFatalReplies() throws Exception {
        send("quit\r\n");
        assertEquals(1, requests("quit", 0));

        EmbeddedSocketChannel other = new EmbeddedSocketChannel(new HftpServerInitializer(new FileStore(root),
                FileCalls.inline(), connections, new HftpServerInitializer.Limits(1024, 3 * 16384, 0), null, metrics, false, null, new MemoryBudget(Long.MAX_VALUE)));
        try {
            other.writeInbound(Unpooled.copiedBuffer("help\n", StandardCharsets.US_ASCII));
            Wire.drain(other);
        } finally {
            other.finishAndReleaseAll();
        }
        assertEquals(1, requests("invalid", 100));
    }

    @Test
    void shouldCountFileBytesAndDurationOfSlicesByMode() throws IOException {
        send("get_slice archivo.txt 5 20\r\nget_slice archivo.txt 0 41 raw\r\nget_slice archivo.txt 0 3\r\n");

        assertEquals(3, requests("get_slice", 0));
        assertEquals(23, sample("hftp_slice_bytes_total{mode=\"base64\"}"));
        assertEquals(41, sample("hftp_slice_bytes_total{mode=\"raw\"}"));
        assertEquals(2, sample("hftp_transfer_duration_seconds_count{mode=\"base64\"}"));
        assertEquals(1, sample("hftp_transfer_duration_seconds_count{mode=\"raw\"}"));
        assertTrue(sample("hftp_transfer_duration_seconds_sum{mode=\"base64\"}") >= 0);
        assertEquals(2, sample("hftp_transfer_duration_seconds_bucket{mode=\"base64\",le=\"+Inf\"}"));
    }

    @Test
    void shouldReportConnections() throws IOException {
        assertEquals(1, sample("hftp_connections_open"));
        assertEquals(1, sample("hftp_connections_total"));
        assertEquals(0, sample("hftp_connections_refused_total"));
        channel.close();
        assertEquals(0, sample("hftp_connections_open"));
        assertEquals(1, sample("hftp_connections_total"));
    }

    @Test
    void shouldKeepEachServersCountsApartAndShareTheJvmMetrics() throws IOException {
        ServerMetrics other = new ServerMetrics(admission);
        other.request(new HftpRequest.Help(), HftpStatus.OK);

        assertEquals(0, requests("help", 0));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, other.registry().scrape());
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("hftp_requests_total{command=\"help\",status=\"0\"} 1.0\n"), text);
        assertTrue(text.contains("\njvm_threads_current "), text);
        assertTrue(scrape().contains("\njvm_threads_current "));
    }

    @Test
    void shouldExportJvmBasics() throws IOException {
        String text = scrape();
        assertTrue(text.contains("\njvm_memory_used_bytes{"), text);
        assertTrue(text.contains("\njvm_threads_current "), text);
        assertTrue(text.contains("\nprocess_cpu_seconds_total "), text);
    }
}
