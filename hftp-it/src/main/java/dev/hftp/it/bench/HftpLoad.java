package dev.hftp.it.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.EventExecutor;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load generator: N connections, P requests outstanding on each, for a duration after a warm-up;
 * every reply parsed and verified; requests/s, MB/s, latency percentiles and errors reported.
 *
 * <pre>
 * java -cp hftp-it/target/hftp-bench.jar dev.hftp.it.bench.HftpLoad --port 19500 --mode slice \
 *     --file data/big.bin --connections 1 --pipeline 1 --duration 10s --warmup 2s --json
 * </pre>
 *
 * <p>Exit code 0 when every reply was right (and, idle, every request answered), 1 otherwise, 2 for a bad
 * command line.
 */
@Command(name = "hftp-load", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Load generator for HFTP (and any line-based server, e.g. redis PING).")
public final class HftpLoad implements Callable<Integer> {

    enum Mode { METADATA, SLICE, RAW, LINE, IDLE }

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Server address (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", required = true, description = "Server port.")
    int port;

    @Option(names = {"-c", "--connections"}, defaultValue = "1",
            description = "Connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = {"-P", "--pipeline"}, defaultValue = "1",
            description = "Requests outstanding per connection (default: ${DEFAULT-VALUE}; idle mode: one a second).")
    int pipeline;

    @Option(names = {"-d", "--duration"}, defaultValue = "10s", converter = DurationConverter.class,
            description = "Measured time after the warm-up (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = {"-w", "--warmup"}, defaultValue = "2s", converter = DurationConverter.class,
            description = "Load before measuring (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = {"-m", "--mode"}, defaultValue = "metadata",
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}). idle: --connections each send one "
                    + "request per --idle-interval: get_metadata of --file if given, else --line.")
    Mode mode;

    @Option(names = {"-f", "--file"}, paramLabel = "PATH",
            description = "Local copy of the served file: its name is sent, its content verifies the replies.")
    Path file;

    @Option(names = "--name", description = "File name to send (default: the name of --file).")
    String name;

    @Option(names = "--verify-file", paramLabel = "PATH",
            description = "Verify replies against this file instead of --file (to check that errors are caught).")
    Path verifyFile;

    @Option(names = "--offset", defaultValue = "0", description = "Slice offset (default: ${DEFAULT-VALUE}).")
    long offset;

    @Option(names = "--size", defaultValue = "-1", description = "Slice size (default: the rest of the file).")
    long size;

    @Option(names = "--line", defaultValue = "PING", description = "Line mode request (default: ${DEFAULT-VALUE}).")
    String line;

    @Option(names = "--expect", description = "Line mode: the exact reply line (default: any one line).")
    String expect;

    @Option(names = "--verify", defaultValue = "full",
            description = "full: every body byte compared; sample: the first reply of each connection fully, later "
                    + "ones by length and 64-byte windows every 64 KiB (default: ${DEFAULT-VALUE}).")
    LoadConnection.Verify verify;

    @Option(names = {"-t", "--threads"}, defaultValue = "0",
            description = "Event-loop threads (default: 0 = min(connections, cores)).")
    int threads;

    @Option(names = "--transport", description = "epoll, io_uring or nio (default: epoll if available, else nio).")
    BenchTransport transport;

    @Option(names = "--idle-interval", defaultValue = "1s", converter = DurationConverter.class,
            description = "Idle mode: time between two requests of a connection (default: ${DEFAULT-VALUE}).")
    Duration idleInterval;

    @Option(names = "--drain", defaultValue = "3s", converter = DurationConverter.class,
            description = "Idle mode: how long to wait for the last replies after the window "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration drain;

    @Option(names = "--connect-concurrency", defaultValue = "256",
            description = "Connection attempts in flight at once (default: ${DEFAULT-VALUE}).")
    int connectConcurrency;

    @Option(names = "--source-addresses", defaultValue = "1",
            description = "Loopback only: spread the connections over this many source addresses 127.0.0.1, "
                    + "127.0.0.2, ... (the kernel's search for a free ephemeral port slows down past a few "
                    + "thousand connections to one address) (default: ${DEFAULT-VALUE}).")
    int sourceAddresses;

    @Option(names = "--server-pid", description = "Report this process's resident memory (VmRSS) and CPU time per request (/proc).")
    Long serverPid;

    @Option(names = "--label", description = "A name for this run in the JSON output.")
    String label;

    @Option(names = "--json", description = "Also print the result as one JSON object (last line).")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress lines on stderr.")
    boolean quiet;

    public static void main(String[] args) {
        System.exit(new CommandLine(new HftpLoad()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        ReplySpec spec = spec();
        boolean idle = mode == Mode.IDLE;
        if (connections < 1 || pipeline < 1 || connectConcurrency < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--connections, --pipeline and --connect-concurrency must be >= 1");
        }
        BenchTransport chosen = BenchTransport.resolve(transport);
        int loopThreads = threads > 0 ? threads : Math.min(connections, Runtime.getRuntime().availableProcessors());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loopThreads, chosen.ioHandlerFactory());
        Map<EventExecutor, LoopStats> statsByLoop = new IdentityHashMap<>();
        for (EventExecutor loop : group) {
            statsByLoop.put(loop, new LoopStats());
        }
        RunClock clock = new RunClock();
        AtomicInteger ids = new AtomicInteger();
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(chosen.socketChannel)
                .option(ChannelOption.TCP_NODELAY, true)
                // Closing at the end resets the connection: no TIME_WAIT left on the client's ports between runs.
                .option(ChannelOption.SO_LINGER, 0)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // Reads of up to 256 KiB: fewer system calls per MiB of a large reply.
                        ch.config().setRecvByteBufAllocator(new AdaptiveRecvByteBufAllocator(64, 2048, 256 * 1024));
                        ch.pipeline().addLast(new LoadConnection(ids.getAndIncrement(), spec, clock,
                                statsByLoop.get(ch.eventLoop()), verify, idle ? 0 : pipeline,
                                idleInterval.toNanos()));
                    }
                });

        if (sourceAddresses > 1 && chosen == BenchTransport.EPOLL) {
            // The port is then chosen at connect time, unique per (source, destination) pair.
            bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        long rssBefore = rssKb();
        List<Channel> channels = new ArrayList<>(connections);
        String firstConnectError;
        int connectFailures;
        long connectNanos;
        try {
            long t0 = System.nanoTime();
            ConnectResult connect = connectAll(bootstrap, channels);
            connectNanos = System.nanoTime() - t0;
            connectFailures = connect.failures;
            firstConnectError = connect.firstError;
            progress(String.format(Locale.ROOT, "%s: %d/%d connected to %s:%d in %d ms (%s, %d threads); %s",
                    mode.name().toLowerCase(Locale.ROOT), channels.size(), connections, host, port,
                    TimeUnit.NANOSECONDS.toMillis(connectNanos), chosen.name().toLowerCase(Locale.ROOT), loopThreads,
                    spec.description));
            if (firstConnectError != null) {
                progress("first connect error: " + firstConnectError);
            }

            long start = System.nanoTime() + warmup.toNanos();
            long end = start + duration.toNanos();
            clock.window(start, end);
            sleepUntil(start);
            long loadCpuStart = CpuTime.self();
            long serverCpuStart = serverPid == null ? -1 : CpuTime.of(serverPid);
            sleepUntil(end);
            long loadCpu = CpuTime.self() - loadCpuStart;
            long serverCpu = serverPid == null || serverCpuStart < 0 ? -1 : CpuTime.of(serverPid) - serverCpuStart;
            long rssAfter = rssKb();
            clock.stopSending = true;
            if (idle) {
                long drainEnd = System.nanoTime() + drain.toNanos();
                while (System.nanoTime() < drainEnd) {
                    LoopStats s = snapshot(statsByLoop);
                    if (s.answeredOfWindow + s.lost >= s.sentInWindow) {
                        break;
                    }
                    Thread.sleep(50);
                }
            }
            LoopStats total = snapshot(statsByLoop);
            clock.closing = true;
            Result result = new Result(total, connectFailures, rssBefore, rssAfter, connectNanos, loadCpu, serverCpu);
            print(result);
            boolean unanswered = idle && result.unanswered() > 0;
            return result.errors() == 0 && !unanswered && channels.size() == connections ? 0 : 1;
        } finally {
            clock.closing = true;
            clock.stopSending = true;
            for (Channel ch : channels) {
                ch.close();
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private ReplySpec spec() throws IOException {
        Mode kind = mode;
        if (mode == Mode.IDLE) {
            kind = file != null ? Mode.METADATA : Mode.LINE;
        }
        if (kind == Mode.LINE) {
            return ReplySpec.line(line, expect);
        }
        if (file == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--file is required for mode " + mode);
        }
        Path content = verifyFile != null ? verifyFile : file;
        if (!Files.isRegularFile(content)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "not a file: " + content);
        }
        String wireName = name != null ? name : file.getFileName().toString();
        if (kind == Mode.METADATA) {
            return ReplySpec.metadata(wireName, content);
        }
        long sliceSize = size >= 0 ? size : Files.size(content) - offset;
        return ReplySpec.slice(wireName, content, offset, sliceSize, kind == Mode.RAW);
    }

    private record ConnectResult(int failures, String firstError) { }

    private ConnectResult connectAll(Bootstrap bootstrap, List<Channel> channels)
            throws InterruptedException, IOException {
        InetSocketAddress remote = new InetSocketAddress(host, port);
        if (sourceAddresses > 1 && !remote.getAddress().isLoopbackAddress()) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--source-addresses needs a 127.x host");
        }
        if (sourceAddresses < 1 || sourceAddresses > 254) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--source-addresses: 1 to 254");
        }
        Semaphore inFlight = new Semaphore(connectConcurrency);
        CountDownLatch done = new CountDownLatch(connections);
        AtomicInteger failures = new AtomicInteger();
        String[] firstError = new String[1];
        for (int i = 0; i < connections; i++) {
            inFlight.acquire();
            ChannelFuture f = sourceAddresses > 1
                    ? bootstrap.connect(remote, new InetSocketAddress(
                            InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (1 + i % sourceAddresses)}), 0))
                    : bootstrap.connect(remote);
            f.addListener((ChannelFuture cf) -> {
                inFlight.release();
                synchronized (channels) {
                    if (cf.isSuccess()) {
                        channels.add(cf.channel());
                    } else {
                        failures.incrementAndGet();
                        if (firstError[0] == null) {
                            firstError[0] = String.valueOf(cf.cause());
                        }
                    }
                }
                done.countDown();
            });
        }
        done.await();
        synchronized (channels) {
            return new ConnectResult(failures.get(), firstError[0]);
        }
    }

    /** Every loop's counters, copied on the loop's own thread. */
    private static LoopStats snapshot(Map<EventExecutor, LoopStats> statsByLoop)
            throws InterruptedException, ExecutionException {
        LoopStats total = new LoopStats();
        for (Map.Entry<EventExecutor, LoopStats> e : statsByLoop.entrySet()) {
            LoopStats s = e.getKey().submit(e.getValue()::copy).get();
            total.addAll(s);
        }
        return total;
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        }
    }

    /** VmRSS of --server-pid in KiB, or -1. */
    private long rssKb() {
        if (serverPid == null) {
            return -1;
        }
        try {
            for (String l : Files.readAllLines(Path.of("/proc", serverPid.toString(), "status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            progress("cannot read the RSS of " + serverPid + ": " + e);
        }
        return -1;
    }

    private void progress(String text) {
        if (!quiet) {
            System.err.println("hftp-load: " + text);
        }
    }

    private final class Result {
        final LoopStats s;
        final int connectFailures;
        final long rssBefore;
        final long rssAfter;
        final long connectNanos;
        /** CPU time of the load generator and of the server during the measured window; -1 if unknown. */
        final long loadCpuNanos;
        final long serverCpuNanos;

        Result(LoopStats s, int connectFailures, long rssBefore, long rssAfter, long connectNanos, long loadCpuNanos,
               long serverCpuNanos) {
            this.loadCpuNanos = loadCpuNanos;
            this.serverCpuNanos = serverCpuNanos;
            this.s = s;
            this.connectFailures = connectFailures;
            this.rssBefore = rssBefore;
            this.rssAfter = rssAfter;
            this.connectNanos = connectNanos;
        }

        long errors() {
            return s.badReplies + s.lost + connectFailures;
        }

        long unanswered() {
            return Math.max(0, s.sentInWindow - s.answeredOfWindow);
        }

        double seconds() {
            return duration.toNanos() / 1e9;
        }

        double us(double percentile) {
            Histogram h = s.latency;
            return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    private void print(Result r) {
        LoopStats s = r.s;
        double reqPerSec = s.replies / r.seconds();
        double mbPerSec = s.bytes / r.seconds() / 1e6;
        String target = host + ":" + port;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "%s%s %s conns=%d pipeline=%d duration=%.1fs requests=%d req/s=%.1f MB/s=%.1f "
                        + "latency-us p50=%.1f p99=%.1f p999=%.1f max=%.1f errors=%d (bad=%d lost=%d connect=%d "
                        + "closed-by-server=%d)",
                label != null ? label + " " : "", mode.name().toLowerCase(Locale.ROOT), target, connections,
                mode == Mode.IDLE ? 0 : pipeline, r.seconds(), s.replies, reqPerSec, mbPerSec, r.us(50), r.us(99),
                r.us(99.9), r.us(100), r.errors(), s.badReplies, s.lost, r.connectFailures, s.closedByServer));
        if (mode == Mode.IDLE) {
            line.append(String.format(Locale.ROOT, " sent=%d answered=%d unanswered=%d skipped-ticks=%d",
                    s.sentInWindow, s.answeredOfWindow, r.unanswered(), s.skippedTicks));
        }
        if (r.loadCpuNanos >= 0) {
            line.append(String.format(Locale.ROOT, " load-cpu=%.2f cores", r.loadCpuNanos / (double) duration.toNanos()));
        }
        if (r.serverCpuNanos >= 0) {
            line.append(String.format(Locale.ROOT, " server-cpu=%.2f cores %.2f us/req",
                    r.serverCpuNanos / (double) duration.toNanos(), r.serverCpuNanos / 1e3 / Math.max(1, s.replies)));
        }
        if (r.rssAfter >= 0) {
            line.append(String.format(Locale.ROOT, " server-rss-kb before=%d after=%d", r.rssBefore, r.rssAfter));
        }
        for (String m : s.messages) {
            System.err.println("hftp-load: error: " + m);
        }
        System.out.println(line);
        if (json) {
            StringBuilder j = new StringBuilder("{");
            field(j, "label", label);
            field(j, "mode", mode.name().toLowerCase(Locale.ROOT));
            field(j, "target", target);
            field(j, "connections", connections);
            field(j, "connected", connections - r.connectFailures);
            field(j, "pipeline", mode == Mode.IDLE ? 0 : pipeline);
            field(j, "durationSec", r.seconds());
            field(j, "requests", s.replies);
            field(j, "requestsPerSec", reqPerSec);
            field(j, "bytes", s.bytes);
            field(j, "mbPerSec", mbPerSec);
            field(j, "p50Us", r.us(50));
            field(j, "p99Us", r.us(99));
            field(j, "p999Us", r.us(99.9));
            field(j, "maxUs", r.us(100));
            field(j, "errors", r.errors());
            field(j, "badReplies", s.badReplies);
            field(j, "lost", s.lost);
            field(j, "connectFailures", r.connectFailures);
            field(j, "closedByServer", s.closedByServer);
            field(j, "connectMs", TimeUnit.NANOSECONDS.toMillis(r.connectNanos));
            if (mode == Mode.IDLE) {
                field(j, "sent", s.sentInWindow);
                field(j, "answered", s.answeredOfWindow);
                field(j, "unanswered", r.unanswered());
            }
            if (r.loadCpuNanos >= 0) {
                field(j, "loadCpuCores", r.loadCpuNanos / (double) duration.toNanos());
            }
            if (r.serverCpuNanos >= 0) {
                field(j, "serverCpuCores", r.serverCpuNanos / (double) duration.toNanos());
                field(j, "serverCpuUsPerRequest", r.serverCpuNanos / 1e3 / Math.max(1, s.replies));
            }
            if (r.rssAfter >= 0) {
                field(j, "serverRssBeforeKb", r.rssBefore);
                field(j, "serverRssKb", r.rssAfter);
            }
            j.setLength(j.length() - 1);
            System.out.println(j.append('}'));
        }
    }

    private static void field(StringBuilder j, String key, Object value) {
        if (value == null) {
            return;
        }
        j.append('"').append(key).append("\":");
        if (value instanceof String str) {
            j.append('"');
            for (char c : str.toCharArray()) {
                if (c == '"' || c == '\\') {
                    j.append('\\').append(c);
                } else if (c < 0x20) {
                    j.append(String.format("\\u%04x", (int) c));
                } else {
                    j.append(c);
                }
            }
            j.append('"');
        } else if (value instanceof Double d) {
            j.append(String.format(Locale.ROOT, "%.3f", d));
        } else {
            j.append(value);
        }
        j.append(',');
    }
}
