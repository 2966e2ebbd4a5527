package dev.hftp.server.metrics;

import dev.hftp.server.pipeline.ConnectionAdmission;
import dev.hftp.server.pipeline.MemoryBudget;

import dev.hftp.codec.HftpCommand;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpStatus;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.List;
import java.util.Map;

/**
 * The Prometheus metrics of one server, in a registry of its own (so that several servers in one JVM do
 * not collide), with the JVM's basic metrics beside them. Every series a command can have exists from the
 * start (at zero, as Prometheus recommends, so that rates see the first event), and counting its request is one
 * add to a striped counter found by array index: no lookup, no allocation.
 *
 * <pre>
 * hftp_connections_open                      gauge
 * hftp_connections_total                     counter, connections accepted and served
 * hftp_connections_refused_total             counter, closed at once over --max-connections or a full budget
 * hftp_buffered_bytes                        gauge, bytes the connections hold buffered (see --memory-budget)
 * hftp_memory_budget_bytes                   gauge, the limit of hftp_buffered_bytes
 * hftp_requests_total{command,status}        counter, one per reply (command "invalid" for a bad line)
 * hftp_slice_bytes_total{mode}               counter, file bytes sent in slices, as they are sent
 * hftp_transfer_duration_seconds{mode}       histogram, get_slice from request to last byte handed to the socket
 * jvm_*, process_*                           the Prometheus client's JVM metrics
 * </pre>
 */
public final class ServerMetrics {

    /** The label of a line that is not a request; commands are labelled with their wire names. */
    private static final String INVALID = "invalid";
    /** The row of {@link #INVALID} in the counters, after one row per {@link HftpCommand}. */
    private static final int INVALID_ROW = HftpCommand.values().length;
    /** The statuses each command can be answered with: the series made up front. */
    private static final Map<HftpCommand, List<HftpStatus>> EXPECTED = Map.of(
            HftpCommand.GET_FILE_LISTING, List.of(HftpStatus.OK, HftpStatus.INTERNAL_ERROR),
            HftpCommand.GET_METADATA, List.of(HftpStatus.OK, HftpStatus.INTERNAL_ERROR, HftpStatus.FILE_NOT_FOUND),
            HftpCommand.GET_SLICE, List.of(HftpStatus.OK, HftpStatus.INTERNAL_ERROR, HftpStatus.FILE_NOT_FOUND,
                    HftpStatus.BAD_OFFSET),
            HftpCommand.HELP, List.of(HftpStatus.OK),
            HftpCommand.QUIT, List.of(HftpStatus.OK));
    /** The statuses of a line that is not a request. */
    private static final List<HftpStatus> EXPECTED_INVALID = List.of(HftpStatus.BAD_EOL, HftpStatus.BAD_REQUEST,
            HftpStatus.INVALID_COMMAND, HftpStatus.INVALID_ARGUMENTS);
    private static final String[] MODES = {"base64", "raw"};

    /** Transfers of a few bytes take microseconds, those of gigabytes to slow readers take minutes. */
    private static final double[] DURATION_BUCKETS =
            {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800};

    /**
     * The JVM's metrics, registered once per JVM and shared by its servers: the Prometheus client keeps every
     * registry it registers them in for good, which would hold every server an application ever started.
     */
    private static final PrometheusRegistry JVM = jvmMetrics();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    /** Written only here in the constructor; null for a pair not expected, found in the registry when it occurs. */
    private final CounterDataPoint[][] requestCounts =
            new CounterDataPoint[INVALID_ROW + 1][HftpStatus.values().length];
    private final CounterDataPoint[] sliceBytes = new CounterDataPoint[MODES.length];
    private final DistributionDataPoint[] transferDurations = new DistributionDataPoint[MODES.length];

    public ServerMetrics(ConnectionAdmission connections) {
        GaugeWithCallback.builder()
                .name("hftp_connections_open")
                .help("HFTP connections open now.")
                .callback(callback -> callback.call(connections.openConnections()))
                .register(registry);
        CounterWithCallback.builder()
                .name("hftp_connections_total")
                .help("HFTP connections accepted and served since the start.")
                .callback(callback -> callback.call(connections.acceptedConnections()))
                .register(registry);
        CounterWithCallback.builder()
                .name("hftp_connections_refused_total")
                .help("HFTP connections closed at once because --max-connections were open or the memory "
                        + "budget was full.")
                .callback(callback -> callback.call(connections.refusedConnections()))
                .register(registry);
        requests = Counter.builder()
                .name("hftp_requests_total")
                .help("HFTP requests answered, by command and reply status code.")
                .labelNames("command", "status")
                .withoutExemplars()
                .register(registry);
        Counter bytes = Counter.builder()
                .name("hftp_slice_bytes_total")
                .help("File bytes sent in get_slice replies, by mode, counted as they are sent "
                        + "(base64 puts 4/3 as many bytes on the wire).")
                .labelNames("mode")
                .withoutExemplars()
                .register(registry);
        Histogram durations = Histogram.builder()
                .name("hftp_transfer_duration_seconds")
                .help("Time from a get_slice request to its last byte handed to the socket, by mode.")
                .labelNames("mode")
                .classicOnly()
                .classicUpperBounds(DURATION_BUCKETS)
                .withoutExemplars()
                .register(registry);
        for (int row = 0; row <= INVALID_ROW; row++) {
            List<HftpStatus> expected = row == INVALID_ROW ? EXPECTED_INVALID
                    : EXPECTED.get(HftpCommand.values()[row]);
            for (HftpStatus status : expected) {
                requestCounts[row][status.ordinal()] =
                        requests.labelValues(label(row), Integer.toString(status.code()));
            }
        }
        for (int mode = 0; mode < MODES.length; mode++) {
            sliceBytes[mode] = bytes.labelValues(MODES[mode]);
            transferDurations[mode] = durations.labelValues(MODES[mode]);
        }
        registry.register((MultiCollector) JVM::scrape);
    }

    private static PrometheusRegistry jvmMetrics() {
        PrometheusRegistry jvm = new PrometheusRegistry();
        JvmMetrics.builder().register(jvm);
        return jvm;
    }

    /** Exports what {@code budget} holds, and its limit. */
    public void watch(MemoryBudget budget) {
        GaugeWithCallback.builder()
                .name("hftp_buffered_bytes")
                .help("Bytes the HFTP connections hold buffered: queued replies and unfinished request lines.")
                .callback(callback -> callback.call(budget.used()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("hftp_memory_budget_bytes")
                .help("The limit of hftp_buffered_bytes (--memory-budget): past half of it connections hold "
                        + "less, at it new ones are refused.")
                .callback(callback -> callback.call(budget.limit()))
                .register(registry);
    }

    PrometheusRegistry registry() {
        return registry;
    }

    /** Counts one reply to {@code request}. */
    public void request(HftpRequest request, HftpStatus status) {
        HftpCommand command = request.command();
        int row = command == null ? INVALID_ROW : command.ordinal();
        CounterDataPoint count = requestCounts[row][status.ordinal()];
        if (count == null) {
            count = requests.labelValues(label(row), Integer.toString(status.code()));
        }
        count.inc();
    }

    void sliceBytesSent(boolean raw, long bytes) {
        sliceBytes[raw ? 1 : 0].inc(bytes);
    }

    void transferEnded(boolean raw, long startNanos) {
        transferDurations[raw ? 1 : 0].observe((System.nanoTime() - startNanos) / 1e9);
    }

    private static String label(int row) {
        return row == INVALID_ROW ? INVALID : HftpCommand.values()[row].wireName();
    }
}
