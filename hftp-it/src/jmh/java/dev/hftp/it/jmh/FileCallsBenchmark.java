package dev.hftp.it.jmh;

import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What a {@code get_metadata} of a plain file costs as one {@code fstatat} on the event loop
 * ({@link FileStore#plainFileSize}), against the same stat handed to a file thread and back ({@link FileCalls}), as
 * opens and listings are: the measurement behind keeping that stat on the loop (docs/RELIABILITY.md).
 *
 * <p>In package {@code dev.hftp.server} for the package-private {@link FileCalls}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FileCallsBenchmark {

    private Path dir;
    private FileStore store;
    private FileCalls calls;
    private EventLoop loop;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("hftp-jmh-stat");
        Files.writeString(dir.resolve("small.txt"), "A small file, for get_metadata.\n");
        store = new FileStore(dir);
        calls = new FileCalls(4, Duration.ofSeconds(5), 32);
        loop = new DefaultEventLoop();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        calls.close();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        store.close();
        Files.delete(dir.resolve("small.txt"));
        Files.delete(dir);
    }

    /** The stat on the calling thread, as the event loop does for a plain file. */
    @Benchmark
    public long statOnTheLoop() throws Exception {
        return store.plainFileSize("small.txt");
    }

    /** The same stat on a file thread, its result handed back to an event loop, as an open is. */
    @Benchmark
    public long statOnAFileThread() throws Exception {
        return calls.submit(loop, () -> store.plainFileSize("small.txt"), size -> { }).sync().getNow();
    }
}
