package dev.hftp.it.jmh;

import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;
import dev.hftp.server.metrics.ServerMetrics;
import dev.hftp.server.pipeline.BufferBudgetHandler;
import dev.hftp.server.pipeline.ConnectionAdmission;
import dev.hftp.server.pipeline.ErrorLog;
import dev.hftp.server.pipeline.HftpHandler;
import dev.hftp.server.pipeline.MemoryBudget;
import dev.hftp.server.pipeline.ReplyObserver;

import dev.hftp.codec.HftpCommandDecoder;
import dev.hftp.codec.HftpLineDecoder;
import dev.hftp.codec.HftpResponseEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A batch of {@value #PIPELINE} pipelined requests through the server's own handlers (line decoder, command
 * decoder, response encoder, chunked writer, flow control, {@link HftpHandler} with a real {@link FileStore}),
 * as one socket read delivers them, and the replies taken out: the per-request path without the kernel.
 * {@code -prof gc} gives the bytes allocated per batch; divide by {@value #PIPELINE} for one request.
 * {@code fileApiOnly} is what the JDK's file API alone allocates for the stat that each {@code get_metadata}
 * must do (the same calls as {@link FileStore#size}), to tell the server's share from the JDK's.
 *
 * <p>In package {@code dev.hftp.server} to build the pipeline from the server's package-private handlers.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PipelinedRequestsBenchmark {

    static final int PIPELINE = 16;

    /** {@code unknown}: PING (answered 200, no file system); {@code metadata}: get_metadata of a small file. */
    @Param({"unknown", "metadata"})
    public String request;

    /** Whether the handler counts requests for Prometheus, as with {@code --metrics-port}. */
    @Param({"false", "true"})
    public boolean metrics;

    private Path dir;
    private EmbeddedChannel channel;
    private byte[] batch;
    private Worker worker;
    private Thread workerThread;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("hftp-jmh");
        String content = "A small file, for get_metadata.\n";
        Files.writeString(dir.resolve("small.txt"), content);
        // As the server's connections are, their share of the memory budget included.
        BufferBudgetHandler buffers = new BufferBudgetHandler(new MemoryBudget(MemoryBudget.defaultLimit()));
        List<ChannelHandler> handlers = new ArrayList<>(List.of(buffers,
                new HftpLineDecoder(HftpLineDecoder.DEFAULT_MAX_LINE_LENGTH, buffers.lineHolder()),
                new HftpCommandDecoder(), new HftpResponseEncoder(), new ChunkedWriteHandler(),
                new FlowControlHandler()));
        if (metrics) {
            // As with --metrics-port: the observer counts each reply.
            handlers.add(new ReplyObserver(new ServerMetrics(ConnectionAdmission.limiting(1, new MemoryBudget(Long.MAX_VALUE)))));
        }
        handlers.add(new HftpHandler(new FileStore(dir), FileCalls.inline(), 48 * 1024, false,
                new ErrorLog()));
        // The embedded channel adds its handlers when it is registered, below.
        channel = new EmbeddedChannel(false, false, handlers.toArray(new ChannelHandler[0]));
        // As the server's connections are (HftpServerBootstrap, HftpServerInitializer).
        channel.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        channel.config().setAutoRead(false);
        try {
            channel.register();
        } catch (Exception e) {
            throw new IOException("cannot register the embedded channel", e);
        }
        String line = request.equals("metadata") ? "get_metadata small.txt\r\n" : "PING\r\n";
        batch = line.repeat(PIPELINE).getBytes(StandardCharsets.US_ASCII);
        // A first round checks the replies, so that the benchmark measures the right thing.
        String reply = request.equals("metadata") ? "0 OK\r\n" + content.length() + "\r\n" : "200 NO SUCH COMMAND\r\n";
        StringBuilder all = new StringBuilder();
        channel.writeInbound(PooledByteBufAllocator.DEFAULT.directBuffer(batch.length).writeBytes(batch));
        for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
            all.append(out.toString(StandardCharsets.US_ASCII));
            out.release();
        }
        if (!all.toString().equals(reply.repeat(PIPELINE))) {
            throw new IllegalStateException("unexpected replies: " + all);
        }
        worker = new Worker();
        workerThread = new FastThreadLocalThread(worker, "hftp-jmh-loop");
        workerThread.setDaemon(true);
        workerThread.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
        worker.stop = true;
        workerThread.join();
        channel.finishAndReleaseAll();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public int pipelinedBatch() {
        // On an event-loop-like thread: Netty recycles buffers and pipeline entries only on FastThreadLocalThreads.
        worker.go = true;
        while (worker.go) {
            Thread.onSpinWait();
        }
        return worker.bytes;
    }

    private int runBatch() {
        channel.writeInbound(PooledByteBufAllocator.DEFAULT.directBuffer(batch.length).writeBytes(batch));
        int bytes = 0;
        for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
            bytes += out.readableBytes();
            out.release();
        }
        return bytes;
    }

    /** Runs one batch each time {@link #go} is set, then clears it: a hand-off that allocates nothing. */
    private final class Worker implements Runnable {
        volatile boolean go;
        volatile boolean stop;
        volatile int bytes;

        @Override
        public void run() {
            while (!stop) {
                if (go) {
                    bytes = runBatch();
                    go = false;
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    }

    @Benchmark
    public long fileApiOnly() throws IOException {
        long size = 0;
        for (int i = 0; i < PIPELINE; i++) {
            size += Files.readAttributes(dir.resolve("small.txt"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .size();
        }
        return size;
    }
}
