package dev.hftp.it.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.base64.Base64;
import io.netty.handler.codec.base64.Base64Dialect;
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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Base64 of one slice chunk (48 KiB, the server's default), as the server needs it: from the buffer a file
 * chunk was read into, to a buffer the socket can take. Netty's {@code Base64} against
 * {@code java.util.Base64} (whose encoder the JIT turns into vector instructions), over heap and direct
 * buffers; the JDK variants pay for the copies in and out of byte arrays.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Base64Benchmark {

    @Param({"49152"})
    public int chunkSize;

    @Param({"direct", "heap"})
    public String buffers;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final java.util.Base64.Encoder jdk = java.util.Base64.getEncoder();
    private ByteBuf chunk;
    private byte[] in;
    private byte[] out;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] bytes = new byte[chunkSize];
        new Random(42).nextBytes(bytes);
        chunk = buffers.equals("direct") ? alloc.directBuffer(chunkSize) : alloc.heapBuffer(chunkSize);
        chunk.writeBytes(bytes);
        in = new byte[chunkSize];
        out = new byte[(chunkSize + 2) / 3 * 4];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        chunk.release();
    }

    /** What the server did first: Netty's encoder, into a buffer of the same kind. */
    @Benchmark
    public int netty() {
        ByteBuf encoded = Base64.encode(chunk, chunk.readerIndex(), chunk.readableBytes(), false,
                Base64Dialect.STANDARD, alloc);
        int n = encoded.readableBytes();
        encoded.release();
        return n;
    }

    /** The JDK's encoder, arrays reused: the chunk copied out, the result copied into a fresh buffer. */
    @Benchmark
    public int jdkWithCopies() {
        chunk.getBytes(chunk.readerIndex(), in, 0, chunkSize);
        int n = jdk.encode(in, out);
        ByteBuf encoded = buffers.equals("direct") ? alloc.directBuffer(n) : alloc.heapBuffer(n);
        encoded.writeBytes(out, 0, n);
        n = encoded.readableBytes();
        encoded.release();
        return n;
    }

    /** The JDK's encoder alone, array to array: the floor of the two above. */
    @Benchmark
    public int jdkArraysOnly() {
        return jdk.encode(in, out);
    }
}
