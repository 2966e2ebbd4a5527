package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The base64 body of a slice: the concatenated chunks must be exactly {@link Base64} of the range, then
 * CRLF once; a file that shrinks makes the write fail.
 */
class Base64ChunkedInputTest {

    /** A small multiple of 3, so that a few bytes make several chunks. */
    private static final int CHUNK = 12;
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

    private static String expected(byte[] content, int offset, int size) {
        byte[] range = new byte[size];
        System.arraycopy(content, offset, range, 0, size);
        return Base64.getEncoder().encodeToString(range) + "\r\n";
    }

    private Base64ChunkedInput slice(long offset, long size, int chunkSize) throws IOException {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        return new Base64ChunkedInput(new ChunkedNioFile(fc, offset, size, chunkSize), size);
    }

    /** Reads every outbound buffer, releasing each, and returns them as one string. */
    private String drain() {
        StringBuilder wire = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            try {
                wire.append(chunk.toString(StandardCharsets.US_ASCII));
            } finally {
                chunk.release();
            }
        }
        return wire.toString();
    }

    private String write(Base64ChunkedInput input) {
        assertTrue(channel.writeOutbound(input));
        return drain();
    }

    @ParameterizedTest(name = "size {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, CHUNK - 1, CHUNK, CHUNK + 1, CHUNK + 2, 2 * CHUNK, 5 * CHUNK + 1,
        10 * CHUNK + 7})
    void shouldEncodeRangeFromStartAsBase64ThenCrLf(int size) throws IOException {
        assertEquals(expected(content, 0, size), write(slice(0, size, CHUNK)));
    }

    @ParameterizedTest(name = "offset {0}, size {1}")
    @CsvSource({"1, 0", "1, 1", "1, 2", "5, 3", "7, 11", "7, 12", "7, 13", "13, 36", "3, 40", "11, 116", "126, 1",
        "127, 0"})
    void shouldEncodeRangeAtOddOffsetAsBase64ThenCrLf(int offset, int size) throws IOException {
        assertEquals(expected(content, offset, size), write(slice(offset, size, CHUNK)));
    }

    @Test
    void shouldEncodeEmptyRangeAsCrLfOnly() throws IOException {
        assertEquals("\r\n", write(slice(5, 0, CHUNK)));
    }

    @Test
    void shouldSendSeveralChunksThatJoinIntoBase64OfWholeRange() throws IOException {
        assertTrue(channel.writeOutbound(slice(0, 4 * CHUNK + 1, CHUNK)));
        int buffers = 0;
        StringBuilder wire = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            buffers++;
            wire.append(chunk.toString(StandardCharsets.US_ASCII));
            chunk.release();
        }
        assertTrue(buffers >= 5, "a range of five chunks is sent in pieces, got " + buffers);
        assertEquals(expected(content, 0, 4 * CHUNK + 1), wire.toString());
    }

    @Test
    void shouldEncodeWithDefaultChunkSize() throws IOException {
        byte[] big = new byte[2 * Base64ChunkedInput.DEFAULT_CHUNK_SIZE + 2];
        new Random(7).nextBytes(big);
        file = Files.write(dir.resolve("big.bin"), big);
        assertEquals(expected(big, 1, big.length - 1),
                write(slice(1, big.length - 1, Base64ChunkedInput.DEFAULT_CHUNK_SIZE)));
    }

    @Test
    void shouldReportEndOnlyAfterCrLf() throws Exception {
        Base64ChunkedInput input = slice(0, 3, CHUNK);
        try {
            assertFalse(input.isEndOfInput());
            ByteBuf first = input.readChunk(ALLOC);
            try {
                assertEquals(expected(content, 0, 3), first.toString(StandardCharsets.US_ASCII));
            } finally {
                first.release();
            }
            assertTrue(input.isEndOfInput());
            assertNull(input.readChunk(ALLOC));
        } finally {
            input.close();
        }
    }

    @Test
    void shouldEmitCrLfOnceForEmptyRange() throws Exception {
        Base64ChunkedInput input = slice(0, 0, CHUNK);
        try {
            ByteBuf crlf = input.readChunk(ALLOC);
            try {
                assertEquals("\r\n", crlf.toString(StandardCharsets.US_ASCII));
            } finally {
                crlf.release();
            }
            assertTrue(input.isEndOfInput());
            assertNull(input.readChunk(ALLOC));
        } finally {
            input.close();
        }
    }

    @Test
    void shouldCountProgressInSourceBytes() throws Exception {
        Base64ChunkedInput input = slice(0, 2 * CHUNK, CHUNK);
        try {
            input.readChunk(ALLOC).release();
            assertEquals(CHUNK, input.progress());
        } finally {
            input.close();
        }
    }

    // ---- a file that shrinks --------------------------------------------------------------------------

    @Test
    void shouldFailWriteWhenFileWasEmptiedBeforeReading() throws IOException {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        Base64ChunkedInput input = new Base64ChunkedInput(new ChunkedNioFile(fc, 0, 3 * CHUNK, CHUNK), 3 * CHUNK);
        truncate(0);
        ChannelFuture write = channel.writeAndFlush(input);
        assertTrue(write.isDone());
        assertInstanceOf(IOException.class, write.cause());
        assertEquals("", drain());
    }

    @Test
    void shouldCloseFileWhenFileWasEmptiedBeforeReading() throws IOException {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        Base64ChunkedInput input = new Base64ChunkedInput(new ChunkedNioFile(fc, 0, 3 * CHUNK, CHUNK), 3 * CHUNK);
        truncate(0);
        channel.writeAndFlush(input);
        drain();
        assertFalse(fc.isOpen(), "the input is closed when its write fails");
    }

    @ParameterizedTest(name = "truncated to {0} bytes")
    @ValueSource(ints = {CHUNK, CHUNK + 1, CHUNK + 3, 2 * CHUNK - 1, 2 * CHUNK, 3 * CHUNK - 1})
    void shouldFailWriteWhenFileShrinksWhileReading(int newLength) throws IOException {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        ChunkedInput<ByteBuf> source = new TruncatingChunkedInput(new ChunkedNioFile(fc, 0, 3 * CHUNK, CHUNK),
                file, newLength);
        ChannelFuture write = channel.writeAndFlush(new Base64ChunkedInput(source, 3 * CHUNK));
        assertTrue(write.isDone());
        assertInstanceOf(IOException.class, write.cause());
        String sent = drain();
        assertFalse(sent.endsWith("\r\n"), "an incomplete body must not look complete: " + sent);
        assertFalse(fc.isOpen(), "the input is closed when its write fails");
    }

    @Test
    void shouldServeRangeWhenFileShrinksOnlyBeyondIt() throws IOException {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        ChunkedInput<ByteBuf> source = new TruncatingChunkedInput(new ChunkedNioFile(fc, 0, 3 * CHUNK, CHUNK),
                file, 3 * CHUNK);
        ChannelFuture write = channel.writeAndFlush(new Base64ChunkedInput(source, 3 * CHUNK));
        assertTrue(write.isSuccess());
        assertEquals(expected(content, 0, 3 * CHUNK), drain());
    }

    @Test
    void shouldFailWhenSourceChunksAreNotMultiplesOfThree() throws IOException {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        Base64ChunkedInput input = new Base64ChunkedInput(new ChunkedNioFile(fc, 0, 25, 10), 25);
        ChannelFuture write = channel.writeAndFlush(input);
        assertInstanceOf(IOException.class, write.cause());
        drain();
    }

    @Test
    void shouldRejectNegativeLength() throws IOException {
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
            ChunkedNioFile source = new ChunkedNioFile(fc, 0, 0, CHUNK);
            assertThrows(IllegalArgumentException.class, () -> new Base64ChunkedInput(source, -1));
        }
    }

    @Test
    void shouldCloseSourceWhenClosed() throws Exception {
        FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
        slice(fc).close();
        assertFalse(fc.isOpen());
    }

    private static Base64ChunkedInput slice(FileChannel fc) throws IOException {
        return new Base64ChunkedInput(new ChunkedNioFile(fc, 0, 3, CHUNK), 3);
    }

    private void truncate(long length) {
        TruncatingChunkedInput.truncate(file, length);
    }
}
