package dev.hftp.server.pipeline;

import dev.hftp.server.Wire;
import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;

import dev.hftp.codec.testing.LoggerCapture;
import dev.hftp.codec.Base64ChunkedInput;
import dev.hftp.codec.ExactLengthChunkedInput;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpLineDecoder;
import dev.hftp.codec.HftpResponseEncoder;
import dev.hftp.codec.HftpStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The replies of HFTP.md for typed requests, read as wire bytes; which replies close the connection; and
 * the order of replies to pipelined requests, slices included.
 */
class HftpHandlerTest {

    private static final String CONTENT = "!Que calor que hace hoy, pinta una birra!";
    /** Small chunks keep the tests fast: the leak detector at PARANOID traces every buffer access. */
    private static final int CHUNK = 3 * 16;

    @TempDir
    Path root;

    private byte[] big;
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() throws IOException {
        Files.writeString(root.resolve("archivo.txt"), CONTENT);
        big = new byte[3 * CHUNK + 5];
        new Random(1).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        channel = newChannel(CHUNK);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private HftpHandler handler(int chunkSize, boolean tls) throws IOException {
        return new HftpHandler(new FileStore(root), FileCalls.inline(), chunkSize, tls,
                new ErrorLog());
    }

    private EmbeddedChannel newChannel(int chunkSize) throws IOException {
        return ServerPipelines.onDemand(new HftpResponseEncoder(), new ChunkedWriteHandler(), new FlowControlHandler(),
                handler(chunkSize, false));
    }

    /** A channel whose client reads nothing until {@link StalledClient#resume}: a slice stays in flight. */
    private StalledClient stallClient() throws IOException {
        channel.finishAndReleaseAll();
        StalledClient client = new StalledClient();
        channel = ServerPipelines.onDemand(client, new HftpResponseEncoder(), new ChunkedWriteHandler(),
                new FlowControlHandler(), handler(CHUNK, false));
        return client;
    }

    /** Writes the requests as one read, and returns all that was written back, one char per byte. */
    private String exchange(HftpRequest... requests) {
        channel.writeInbound((Object[]) requests);
        return readWire();
    }

    private String readWire() {
        return Wire.drain(channel);
    }

    private static String base64(byte[] bytes, int offset, int size) {
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(bytes, offset, offset + size));
    }

    private static HftpRequest.GetSlice slice(String name, long offset, long size) {
        return new HftpRequest.GetSlice(name, offset, size, false);
    }

    private static HftpRequest.GetSlice rawSlice(String name, long offset, long size) {
        return new HftpRequest.GetSlice(name, offset, size, true);
    }

    private static HftpRequest.Malformed malformed(HftpStatus status) {
        return new HftpRequest.Malformed(status, "test");
    }

    // ---- each command ---------------------------------------------------------------------------------

    @Test
    void shouldAnswerListingWithEachServedFileThenEmptyLine() throws IOException {
        Files.createDirectory(root.resolve("sub"));
        Files.createFile(root.resolve("with space"));
        String wire = exchange(HftpRequest.GET_FILE_LISTING);
        assertTrue(wire.startsWith("0 OK\r\n") && wire.endsWith("\r\n\r\n"), wire);
        List<String> names = Arrays.stream(wire.substring(6, wire.length() - 2).split("\r\n")).sorted().toList();
        assertEquals(List.of("archivo.txt", "big.bin"), names);
    }

    @Test
    void shouldAnswerListingOfEmptyDirectoryWithOkAndEmptyLine() throws IOException {
        Files.delete(root.resolve("archivo.txt"));
        Files.delete(root.resolve("big.bin"));
        assertEquals("0 OK\r\n\r\n", exchange(HftpRequest.GET_FILE_LISTING));
    }

    @Test
    void shouldAnswerListingWithoutDeletedDirectoryAndServeItAgainOnceRecreated() throws IOException {
        Files.delete(root.resolve("archivo.txt"));
        Files.delete(root.resolve("big.bin"));
        Files.delete(root);
        assertEquals("0 OK\r\n\r\n202 FILE NOT FOUND\r\n",
                exchange(HftpRequest.GET_FILE_LISTING, new HftpRequest.GetMetadata("archivo.txt")));
        Files.createDirectory(root);
        Files.writeString(root.resolve("archivo.txt"), CONTENT);
        assertEquals("0 OK\r\narchivo.txt\r\n\r\n0 OK\r\n41\r\n",
                exchange(HftpRequest.GET_FILE_LISTING, new HftpRequest.GetMetadata("archivo.txt")));
    }

    @Test
    void shouldAnswerMetadataWithFileSize() {
        assertEquals("0 OK\r\n41\r\n", exchange(new HftpRequest.GetMetadata("archivo.txt")));
    }

    @Test
    void shouldAnswerSliceOfContractExample() {
        assertEquals("0 OK\r\nY2Fsb3IgcXVlIGhhY2UgaG95LCA=\r\n", exchange(slice("archivo.txt", 5, 20)));
    }

    @Test
    void shouldAnswerEmptySliceWithOkAndEmptyLine() {
        assertEquals("0 OK\r\n\r\n", exchange(slice("archivo.txt", 41, 0)));
    }

    @Test
    void shouldAnswerSliceOfSeveralChunksWithBase64OfWholeRange() {
        assertEquals("0 OK\r\n" + base64(big, 1, big.length - 1) + "\r\n", exchange(slice("big.bin", 1, big.length - 1)));
    }

    @Test
    void shouldAnswerSliceLargerThanProductionChunkWithBase64OfWholeRange() throws IOException {
        byte[] large = new byte[Base64ChunkedInput.DEFAULT_CHUNK_SIZE + 1];
        new Random(2).nextBytes(large);
        Files.write(root.resolve("large.bin"), large);
        channel.finishAndReleaseAll();
        channel = newChannel(Base64ChunkedInput.DEFAULT_CHUNK_SIZE);
        assertEquals("0 OK\r\n" + base64(large, 1, large.length - 1) + "\r\n",
                exchange(slice("large.bin", 1, large.length - 1)));
    }

    @Test
    void shouldAnswerRawSliceWithContentLengthThenExactBytes() {
        assertEquals("0 OK\r\nContent-Length: 20\r\n\r\ncalor que hace hoy, ", exchange(rawSlice("archivo.txt", 5, 20)));
    }

    @Test
    void shouldAnswerEmptyRawSliceWithHeaderOnly() {
        assertEquals("0 OK\r\nContent-Length: 0\r\n\r\n", exchange(rawSlice("archivo.txt", 0, 0)));
    }

    @Test
    void shouldAnswerHelpWithEveryCommandThenEmptyLine() {
        assertEquals("0 OK\r\nget_file_listing\r\nget_metadata\r\nget_slice\r\nhelp\r\nquit\r\n\r\n",
                exchange(HftpRequest.HELP));
    }

    @Test
    void shouldAnswerOkToQuit() {
        assertEquals("0 OK\r\n", exchange(HftpRequest.QUIT));
    }

    @Test
    void shouldCloseAfterQuit() {
        exchange(HftpRequest.QUIT);
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldNotAnswerRequestsAfterQuit() {
        assertEquals("0 OK\r\n", exchange(HftpRequest.QUIT, HftpRequest.HELP, new HftpRequest.GetMetadata("archivo.txt")));
    }

    // ---- errors ---------------------------------------------------------------------------------------

    @Test
    void shouldAnswerNoSuchCommandAndStayOpen() {
        assertEquals("200 NO SUCH COMMAND\r\n", exchange(malformed(HftpStatus.INVALID_COMMAND)));
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldAnswerInvalidArgumentsAndStayOpen() {
        assertEquals("201 INVALID ARGUMENTS FOR COMMAND\r\n", exchange(malformed(HftpStatus.INVALID_ARGUMENTS)));
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldAnswerBadEolAndClose() {
        assertEquals("100 BAD EOL\r\n", exchange(malformed(HftpStatus.BAD_EOL)));
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldAnswerBadRequestAndClose() {
        assertEquals("101 BAD REQUEST\r\n", exchange(malformed(HftpStatus.BAD_REQUEST)));
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldNotAnswerRequestsAfterFatalStatus() {
        assertEquals("100 BAD EOL\r\n", exchange(malformed(HftpStatus.BAD_EOL), HftpRequest.HELP));
    }

    @Test
    void shouldAnswerFileNotFoundForMissingFileAndStayOpen() {
        assertEquals("202 FILE NOT FOUND\r\n", exchange(new HftpRequest.GetMetadata("nope.txt")));
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldAnswerFileNotFoundForDirectory() throws IOException {
        Files.createDirectory(root.resolve("sub"));
        assertEquals("202 FILE NOT FOUND\r\n", exchange(slice("sub", 0, 0)));
    }

    @Test
    void shouldAnswerFileNotFoundForParentDirectory() {
        assertEquals("202 FILE NOT FOUND\r\n", exchange(new HftpRequest.GetMetadata("..")));
    }

    @Test
    void shouldAnswerFileNotFoundForLinkOutsideRoot() throws IOException {
        Path outside = Files.createTempFile("hftp-outside", ".txt");
        try {
            Files.createSymbolicLink(root.resolve("out"), outside);
            assertEquals("202 FILE NOT FOUND\r\n", exchange(slice("out", 0, 0)));
        } finally {
            Files.delete(outside);
        }
    }

    @Test
    void shouldAnswerInvalidArgumentsForNameWithSlash() {
        assertEquals("201 INVALID ARGUMENTS FOR COMMAND\r\n", exchange(new HftpRequest.GetMetadata("../archivo.txt")));
    }

    @Test
    void shouldAnswerOffsetExceedsFileSizeAndStayOpen() {
        assertEquals("203 OFFSET EXCEEDS FILE SIZE\r\n", exchange(slice("archivo.txt", 40, 2)));
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldAnswerOffsetExceedsFileSizeForRawSlice() {
        assertEquals("203 OFFSET EXCEEDS FILE SIZE\r\n", exchange(rawSlice("archivo.txt", 0, 42)));
    }

    @Test
    void shouldAnswerInternalServerErrorAndCloseOnUnexpectedException() {
        LoggerCapture log = LoggerCapture.begin(HftpHandler.class.getName());
        try {
            channel.pipeline().fireExceptionCaught(new IllegalStateException("test: a broken invariant"));
            assertEquals("199 INTERNAL SERVER ERROR\r\n", readWire());
            assertFalse(channel.isOpen());
        } finally {
            log.stop();
        }
        // Unexpected, so logged with its stack trace (captured here, not printed), and the client's address.
        assertEquals(List.of(new LoggerCapture.Event("embedded unexpected error, closing", true)), log.events());
    }

    @Test
    void shouldCloseWithoutAnswerOnConnectionError() {
        channel.pipeline().fireExceptionCaught(new IOException("test: connection reset"));
        assertEquals("", readWire());
        assertFalse(channel.isOpen());
    }

    // ---- pipelining -----------------------------------------------------------------------------------

    @Test
    void shouldAnswerPipelinedRequestsInOrder() {
        assertEquals("0 OK\r\n41\r\n"
                        + "0 OK\r\nY2Fsb3IgcXVlIGhhY2UgaG95LCA=\r\n"
                        + "200 NO SUCH COMMAND\r\n"
                        + "0 OK\r\nContent-Length: 5\r\n\r\ncalor"
                        + "202 FILE NOT FOUND\r\n"
                        + "203 OFFSET EXCEEDS FILE SIZE\r\n"
                        + "0 OK\r\n41\r\n",
                exchange(new HftpRequest.GetMetadata("archivo.txt"),
                        slice("archivo.txt", 5, 20),
                        malformed(HftpStatus.INVALID_COMMAND),
                        rawSlice("archivo.txt", 5, 5),
                        new HftpRequest.GetMetadata("nope"),
                        slice("archivo.txt", 0, 100),
                        new HftpRequest.GetMetadata("archivo.txt")));
    }

    @Test
    void shouldAnswerMetadataAfterSliceOfSeveralChunks() {
        assertEquals("0 OK\r\n" + base64(big, 0, big.length) + "\r\n0 OK\r\n41\r\n",
                exchange(slice("big.bin", 0, big.length), new HftpRequest.GetMetadata("archivo.txt")));
    }

    @Test
    void shouldAnswerTwoPipelinedSlicesInOrder() {
        assertEquals("0 OK\r\n" + base64(big, 0, big.length) + "\r\n0 OK\r\n" + base64(big, 3, 4) + "\r\n",
                exchange(slice("big.bin", 0, big.length), slice("big.bin", 3, 4)));
    }

    @Test
    void shouldAnswerListingAfterRawSlice() {
        assertEquals("0 OK\r\nContent-Length: 3\r\n\r\n!Qu0 OK\r\narchivo.txt\r\nbig.bin\r\n\r\n",
                exchange(rawSlice("archivo.txt", 0, 3), HftpRequest.GET_FILE_LISTING));
    }

    @Test
    void shouldAnswerQuitAfterSliceThenClose() {
        assertEquals("0 OK\r\nY2Fsb3I=\r\n0 OK\r\n", exchange(slice("archivo.txt", 5, 5), HftpRequest.QUIT));
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldStopReadingWhileSliceIsBeingSent() {
        channel.pipeline().fireChannelRead(slice("big.bin", 0, big.length));
        assertFalse(channel.config().isAutoRead());
    }

    @Test
    void shouldHoldRequestReadDuringSliceUntilSliceIsSent() throws IOException {
        StalledClient client = stallClient();
        channel.writeInbound(slice("big.bin", 0, big.length), new HftpRequest.GetMetadata("archivo.txt"));
        Files.writeString(root.resolve("archivo.txt"), "changed while the slice was sent");
        // The metadata request is answered once the slice is sent, from the file as it is then.
        client.resume();
        channel.runPendingTasks();
        assertEquals("0 OK\r\n" + base64(big, 0, big.length) + "\r\n0 OK\r\n32\r\n", readWire());
    }

    @Test
    void shouldNeverTurnAutoReadOnWhileServing() throws IOException {
        StalledClient client = stallClient();
        channel.writeInbound(slice("big.bin", 0, big.length), HftpRequest.HELP);
        assertFalse(channel.config().isAutoRead());
        client.resume();
        channel.runPendingTasks();
        assertTrue(readWire().endsWith("quit\r\n\r\n"));
        assertFalse(channel.config().isAutoRead());
    }

    // ---- a file that shrinks while it is sent --------------------------------------------------------

    @Test
    void shouldCloseWhenFileShrinksWhileItsSliceIsSent() throws IOException {
        StalledClient client = stallClient();
        channel.writeInbound(slice("big.bin", 0, big.length));
        try (FileChannel writer = FileChannel.open(root.resolve("big.bin"), StandardOpenOption.WRITE)) {
            writer.truncate(CHUNK);
        }
        client.resume();
        channel.runPendingTasks();
        String wire = readWire();
        assertTrue(wire.startsWith("0 OK\r\n"), wire);
        assertFalse(wire.endsWith("\r\n") && wire.length() > 6, "an incomplete body must not end like a complete one");
        assertFalse(channel.isOpen());
    }

    /**
     * Under TLS a raw slice is the file read in chunks; Netty's ChunkedNioFile answers a file shorter than
     * promised with empty chunks for ever, and the ChunkedWriteHandler wrote them in a loop that never ended.
     */
    @Test
    void shouldCloseWhenFileShrinksWhileItsRawSliceIsSentUnderTls() throws IOException {
        channel.finishAndReleaseAll();
        StalledClient client = new StalledClient();
        channel = ServerPipelines.onDemand(client, new HftpResponseEncoder(), new ChunkedWriteHandler(),
                new FlowControlHandler(), handler(CHUNK, true));
        channel.writeInbound(rawSlice("big.bin", 0, big.length));
        try (FileChannel writer = FileChannel.open(root.resolve("big.bin"), StandardOpenOption.WRITE)) {
            writer.truncate(CHUNK + 1);
        }
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            client.resume();
            channel.runPendingTasks();
        }, "the transfer of a shrunk file must end, not loop");
        String wire = readWire();
        String header = "0 OK\r\nContent-Length: " + big.length + "\r\n\r\n";
        assertEquals(header + new String(big, 0, CHUNK + 1, StandardCharsets.ISO_8859_1), wire,
                "the header, then the bytes the file still has");
        assertFalse(channel.isOpen());
        assertEquals(0, openDescriptorsOf(root.resolve("big.bin")));
    }

    @Test
    void shouldNotAnswerRequestHeldBehindSliceOfFileThatShrank() throws IOException {
        StalledClient client = stallClient();
        channel.writeInbound(slice("big.bin", 0, big.length), HftpRequest.HELP);
        try (FileChannel writer = FileChannel.open(root.resolve("big.bin"), StandardOpenOption.WRITE)) {
            writer.truncate(0);
        }
        client.resume();
        channel.runPendingTasks();
        assertFalse(readWire().contains("get_file_listing"), "the help request must not be answered");
        assertFalse(channel.isOpen());
    }

    // ---- open files -----------------------------------------------------------------------------------

    /** How many descriptors this JVM has open on {@code file}, as Linux lists them in /proc/self/fd. */
    private static long openDescriptorsOf(Path file) throws IOException {
        Path fds = Path.of("/proc/self/fd");
        assumeTrue(Files.isDirectory(fds), "needs /proc/self/fd (Linux)");
        Path target = file.toRealPath();
        long count = 0;
        try (Stream<Path> entries = Files.list(fds)) {
            for (Path fd : (Iterable<Path>) entries::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(target)) {
                        count++;
                    }
                } catch (IOException e) {
                    // The descriptor of the listing itself, or one closed meanwhile.
                }
            }
        }
        return count;
    }

    @Test
    void shouldCloseFileOnceSliceIsSent() throws IOException {
        exchange(slice("big.bin", 0, big.length));
        assertEquals(0, openDescriptorsOf(root.resolve("big.bin")));
    }

    @Test
    void shouldCloseFileWhenConnectionClosesBeforeSliceIsSent() throws IOException {
        stallClient();
        channel.writeInbound(slice("big.bin", 0, big.length));
        assertEquals(1, openDescriptorsOf(root.resolve("big.bin")), "the slice holds its file open");
        channel.close();
        channel.runPendingTasks();
        assertEquals(0, openDescriptorsOf(root.resolve("big.bin")));
    }

    @Test
    void shouldCloseFileWhenConnectionClosesBeforeRawSliceIsSent() throws IOException {
        stallClient();
        channel.writeInbound(rawSlice("big.bin", 0, big.length));
        assertEquals(1, openDescriptorsOf(root.resolve("big.bin")), "the slice holds its file open");
        channel.close();
        channel.runPendingTasks();
        assertEquals(0, openDescriptorsOf(root.resolve("big.bin")));
    }

    @Test
    void shouldCloseFileWhenItShrinksWhileItsSliceIsSent() throws IOException {
        StalledClient client = stallClient();
        channel.writeInbound(slice("big.bin", 0, big.length));
        try (FileChannel writer = FileChannel.open(root.resolve("big.bin"), StandardOpenOption.WRITE)) {
            writer.truncate(CHUNK);
        }
        client.resume();
        channel.runPendingTasks();
        readWire();
        assertEquals(0, openDescriptorsOf(root.resolve("big.bin")));
    }

    @Test
    void shouldOpenNoFileForSlicesHeldBehindSliceBeingSent() throws IOException {
        stallClient();
        channel.writeInbound(slice("big.bin", 0, big.length), slice("big.bin", 1, 1), rawSlice("big.bin", 2, 2));
        assertEquals(1, openDescriptorsOf(root.resolve("big.bin")));
    }
    // ---- raw slices under TLS --------------------------------------------------------------------------

    /** A handler of a TLS connection, without the ChunkedWriteHandler: the slice's message is seen as written. */
    private EmbeddedChannel newTlsChannelWithoutChunking() throws IOException {
        return new EmbeddedChannel(new HftpResponseEncoder(), handler(CHUNK, true));
    }

    /** Reads the buffers written before the body of a slice, as text, and returns the body's message. */
    private static Object readUpToSliceBody(EmbeddedChannel channel, StringBuilder head) {
        Object message;
        while ((message = channel.readOutbound()) instanceof ByteBuf buf) {
            head.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return message;
    }

    @Test
    void shouldWriteRawSliceAsFileRegionInPlaintext() throws IOException {
        EmbeddedChannel plain = new EmbeddedChannel(new HftpResponseEncoder(), handler(CHUNK, false));
        try {
            plain.writeInbound(rawSlice("big.bin", 1, 100));
            Object body = readUpToSliceBody(plain, new StringBuilder());
            try {
                assertInstanceOf(FileRegion.class, body, "zero-copy in plaintext");
            } finally {
                ReferenceCountUtil.release(body);
            }
        } finally {
            plain.finishAndReleaseAll();
        }
    }

    @Test
    void shouldWriteRawSliceAsExactLengthChunksUnderTls() throws Exception {
        EmbeddedChannel tls = newTlsChannelWithoutChunking();
        try {
            tls.writeInbound(rawSlice("big.bin", 1, big.length - 2));
            StringBuilder head = new StringBuilder();
            Object body = readUpToSliceBody(tls, head);
            assertEquals("0 OK\r\nContent-Length: " + (big.length - 2) + "\r\n\r\n", head.toString());
            ExactLengthChunkedInput file = assertInstanceOf(ExactLengthChunkedInput.class, body,
                    "the SslHandler would refuse a FileRegion; a file that shrinks must fail the transfer");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try {
                while (!file.isEndOfInput()) {
                    ByteBuf chunk = file.readChunk(ByteBufAllocator.DEFAULT);
                    assertTrue(chunk.readableBytes() <= CHUNK, "chunks of the configured size");
                    byte[] copy = new byte[chunk.readableBytes()];
                    chunk.readBytes(copy);
                    chunk.release();
                    bytes.writeBytes(copy);
                }
            } finally {
                file.close();
            }
            assertArrayEquals(Arrays.copyOfRange(big, 1, big.length - 1), bytes.toByteArray());
        } finally {
            tls.finishAndReleaseAll();
        }
    }

    @Test
    void shouldSendTheSameRawSliceBytesUnderTlsThroughTheChunkedWriter() throws IOException {
        channel.finishAndReleaseAll();
        channel = ServerPipelines.onDemand(new HftpResponseEncoder(), new ChunkedWriteHandler(),
                new FlowControlHandler(), handler(CHUNK, true));
        String expected = "0 OK\r\nContent-Length: " + big.length + "\r\n\r\n"
                + new String(big, StandardCharsets.ISO_8859_1) + "0 OK\r\n" + CONTENT.length() + "\r\n";
        assertEquals(expected, exchange(rawSlice("big.bin", 0, big.length), new HftpRequest.GetMetadata("archivo.txt")));
        assertEquals(0, openDescriptorsOf(root.resolve("big.bin")));
    }
}
