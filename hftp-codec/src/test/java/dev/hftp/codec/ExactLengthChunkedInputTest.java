package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedStream;
import io.netty.handler.stream.ChunkedWriteHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The body of a raw slice read in chunks (under TLS): the range's bytes as they are, or, when the file
 * shrinks while it is sent, a failed write after a true prefix, never a loop on empty chunks.
 */
class ExactLengthChunkedInputTest {

    private static final int CHUNK = 10;
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    @TempDir
    Path dir;

    private Path file;
    private byte[] content;
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() throws IOException {
        content = new byte[10 * CHUNK + 7];
        new Random(42).nextBytes(content);
        file = Files.write(dir.resolve("data.bin"), content);
        channel = new EmbeddedChannel(new ChunkedWriteHandler());
    }

    @AfterEach
    void tearDown() {
        assertFalse(channel.finishAndReleaseAll(), "every chunk must have been read");
    }

    private ExactLengthChunkedInput slice(FileChannel fc, long offset, long size) throws IOException {
        return new ExactLengthChunkedInput(new ChunkedNioFile(fc, offset, size, CHUNK), size);
    }

    /** Reads every outbound buffer, releasing each, and returns their bytes. */
    private byte[] drain() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            try {
                byte[] copy = new byte[chunk.readableBytes()];
                chunk.readBytes(copy);
                bytes.writeBytes(copy);
            } finally {
                chunk.release();
            }
        }
        return bytes.toByteArray();
    }

    @ParameterizedTest(name = "size {0}")
    @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 10 * CHUNK + 6})
    void shouldWriteTheRangeAsItIs(int size) throws IOException {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        ChannelFuture write = channel.writeAndFlush(slice(fc, 1, size));
        assertTrue(write.isSuccess());
        assertArrayEquals(Arrays.copyOfRange(content, 1, 1 + size), drain());
        assertFalse(fc.isOpen(), "the input is closed once written");
    }

    @Test
    void shouldCountProgressAndLength() throws Exception {
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
            ExactLengthChunkedInput input = slice(fc, 0, 2 * CHUNK + 1);
            assertEquals(2 * CHUNK + 1, input.length());
            input.readChunk(ALLOC).release();
            assertEquals(CHUNK, input.progress());
            assertFalse(input.isEndOfInput());
        }
    }

    // ---- a file that shrinks --------------------------------------------------------------------------

    /** Why this input exists: on a shrunk file, Netty's ChunkedNioFile yields empty chunks and never ends. */
    @Test
    void chunkedNioFileAloneYieldsEmptyChunksAndNeverEndsWhenItsFileShrank() throws Exception {
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
            ChunkedNioFile chunks = new ChunkedNioFile(fc, 0, 3 * CHUNK, CHUNK);
            TruncatingChunkedInput.truncate(file, 0);
            for (int i = 0; i < 3; i++) {
                ByteBuf chunk = chunks.readChunk(ALLOC);
                assertEquals(0, chunk.readableBytes());
                chunk.release();
                assertFalse(chunks.isEndOfInput());
            }
        }
    }

    @Test
    void shouldFailInsteadOfYieldingAnEmptyChunkWhenTheFileShrank() throws Exception {
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
            ExactLengthChunkedInput input = slice(fc, 0, 3 * CHUNK);
            input.readChunk(ALLOC).release();
            TruncatingChunkedInput.truncate(file, CHUNK);
            IOException e = assertThrows(IOException.class, () -> input.readChunk(ALLOC));
            assertEquals("source yielded 0 bytes where 20 remained of 30: the file shrank", e.getMessage());
        }
    }

    @ParameterizedTest(name = "truncated to {0} bytes")
    @ValueSource(ints = {0, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, 3 * CHUNK - 1})
    void shouldFailTheWriteAfterATruePrefixWhenTheFileShrinksWhileSent(int newLength) throws Exception {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        ExactLengthChunkedInput input = new ExactLengthChunkedInput(
                new TruncatingChunkedInput(new ChunkedNioFile(fc, 0, 3 * CHUNK, CHUNK), file, newLength), 3 * CHUNK);
        ChannelFuture write = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> channel.writeAndFlush(input),
                "the write of a shrunk file must end, not loop");
        assertTrue(write.isDone());
        assertInstanceOf(IOException.class, write.cause());
        byte[] sent = drain();
        assertArrayEquals(Arrays.copyOf(content, Math.max(CHUNK, newLength)), sent, "the bytes the file had");
        assertFalse(fc.isOpen(), "the input is closed when its write fails");
    }

    @Test
    void shouldServeTheRangeWhenTheFileShrinksOnlyBeyondIt() throws IOException {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        ExactLengthChunkedInput input = new ExactLengthChunkedInput(
                new TruncatingChunkedInput(new ChunkedNioFile(fc, 0, 3 * CHUNK, CHUNK), file, 3 * CHUNK), 3 * CHUNK);
        assertTrue(channel.writeAndFlush(input).isSuccess());
        assertArrayEquals(Arrays.copyOf(content, 3 * CHUNK), drain());
    }

    // ---- sources that do not keep their promise -------------------------------------------------------

    @Test
    void shouldFailWhenTheSourceEndsEarly() {
        ExactLengthChunkedInput input = new ExactLengthChunkedInput(
                new ChunkedStream(new ByteArrayInputStream(content, 0, 5)), 6);
        ChannelFuture write = channel.writeAndFlush(input);
        assertInstanceOf(IOException.class, write.cause());
        assertArrayEquals(Arrays.copyOf(content, 5), drain());
    }

    @Test
    void shouldRefuseASourceThatYieldsMoreThanItsLength() {
        ExactLengthChunkedInput input = new ExactLengthChunkedInput(
                new ChunkedStream(new ByteArrayInputStream(content, 0, 8)), 6);
        assertInstanceOf(HftpCodecException.class, channel.writeAndFlush(input).cause());
        assertEquals(0, drain().length);
    }

    @Test
    void shouldRejectNegativeLength() {
        ChunkedStream source = new ChunkedStream(new ByteArrayInputStream(content));
        assertThrows(IllegalArgumentException.class, () -> new ExactLengthChunkedInput(source, -1));
    }

    @Test
    void shouldCloseSourceWhenClosed() throws Exception {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        slice(fc, 0, 3).close();
        assertFalse(fc.isOpen());
    }
}
