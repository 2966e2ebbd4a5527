package dev.hftp.server;

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

/**
 * The Prometheus metrics of one server, in a registry of its own (so that several servers in one JVM do
 * not collide), with the JVM's basic metrics beside them. Every series a command can have exists from the
 * start (at zero, as Prometheus recommends, so that rates see the first event), and counting its request is one
 * add to a striped counter found by array index: no lookup, no allocation.
 *
 * <pre>
 * hftp_connections_open                      gauge
 * hftp_connections_total                     counter, connections accepted and served
 * hftp_connections_refused_total             counter, closed at once over --max-connections
 * hftp_requests_total{command,status}        counter, one per reply (command "invalid" for a bad line)
 * hftp_slice_bytes_total{mode}               counter, file bytes sent in slices, as they are sent
 * hftp_transfer_duration_seconds{mode}       histogram, get_slice from request to last byte handed to the socket
 * jvm_*, process_*                           the Prometheus client's JVM metrics
 * </pre>
 */
final class ServerMetrics {

    /** Commands as labelled: the wire names, and {@code invalid} for a line that is not a request. */
    private static final String[] COMMANDS =
            {"get_file_listing", "get_metadata", "get_slice", "help", "quit", "invalid"};
    /** The statuses each command of {@link #COMMANDS} can be answered with, the series made up front. */
    private static final List<List<HftpStatus>> EXPECTED = List.of(
            List.of(HftpStatus.OK, HftpStatus.INTERNAL_ERROR),
            List.of(HftpStatus.OK, HftpStatus.INTERNAL_ERROR, HftpStatus.FILE_NOT_FOUND),
            List.of(HftpStatus.OK, HftpStatus.INTERNAL_ERROR, HftpStatus.FILE_NOT_FOUND, HftpStatus.BAD_OFFSET),
            List.of(HftpStatus.OK),
            List.of(HftpStatus.OK),
            List.of(HftpStatus.BAD_EOL, HftpStatus.BAD_REQUEST, HftpStatus.INVALID_COMMAND,
                    HftpStatus.INVALID_ARGUMENTS));
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
            new CounterDataPoint[COMMANDS.length][HftpStatus.values().length];
    private final CounterDataPoint[] sliceBytes = new CounterDataPoint[MODES.length];
    private final DistributionDataPoint[] transferDurations = new DistributionDataPoint[MODES.length];

    ServerMetrics(HftpConnectionHandler connections) {
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
                .help("HFTP connections closed at once because --max-connections were open.")
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
        for (int command = 0; command < COMMANDS.length; command++) {
            for (HftpStatus status : EXPECTED.get(command)) {
                requestCounts[command][status.ordinal()] =
                        requests.labelValues(COMMANDS[command], Integer.toString(status.code()));
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

    PrometheusRegistry registry() {
        return registry;
    }

    /** Counts one reply to {@code request}. */
    void request(HftpRequest request, HftpStatus status) {
        int command = command(request);
        CounterDataPoint count = requestCounts[command][status.ordinal()];
        if (count == null) {
            count = requests.labelValues(COMMANDS[command], Integer.toString(status.code()));
        }
        count.inc();
    }

    void sliceBytesSent(boolean raw, long bytes) {
        sliceBytes[raw ? 1 : 0].inc(bytes);
    }

    void transferEnded(boolean raw, long startNanos) {
        transferDurations[raw ? 1 : 0].observe((System.nanoTime() - startNanos) / 1e9);
    }

    private static int command(HftpRequest request) {
        if (request instanceof HftpRequest.GetFileListing) {
            return 0;
        } else if (request instanceof HftpRequest.GetMetadata) {
            return 1;
        } else if (request instanceof HftpRequest.GetSlice) {
            return 2;
        } else if (request instanceof HftpRequest.Help) {
            return 3;
        } else if (request instanceof HftpRequest.Quit) {
            return 4;
        }
        return 5;
    }
}
