package dev.hftp.server.pipeline;

import dev.hftp.server.EmbeddedSocketChannel;
import dev.hftp.server.HftpServerBootstrap;
import dev.hftp.server.Wire;
import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;
import dev.hftp.server.proxy.ClientAddress;
import dev.hftp.server.proxy.ProxyProtocolHandler;
import dev.hftp.server.tls.RenegotiationRefusingHandler;
import dev.hftp.server.tls.TlsFiles;

import dev.hftp.codec.HftpCommandDecoder;
import dev.hftp.codec.HftpLineDecoder;
import dev.hftp.codec.HftpResponseEncoder;
import dev.hftp.codec.testing.TestCertificate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipeline {@link HftpServerInitializer} builds for each connection: its order, which handlers are
 * shared, and request bytes in, reply bytes out through all of it.
 */
class HftpServerInitializerTest {

    private static final int LIMIT = 64;
    private static final String CONTENT = "!Que calor que hace hoy, pinta una birra!";

    @TempDir
    Path root;

    private HftpServerInitializer initializer;
    private EmbeddedSocketChannel channel;

    @BeforeEach
    void setUp() throws Exception {
        Files.writeString(root.resolve("archivo.txt"), CONTENT);
        HftpConnectionHandler connections = new HftpConnectionHandler(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
        initializer = new HftpServerInitializer(new FileStore(root), FileCalls.inline(), connections,
                new HftpServerInitializer.Limits(LIMIT, 3 * 16384, 0), null, null, false, null, new MemoryBudget(Long.MAX_VALUE));
        channel = new EmbeddedSocketChannel(initializer);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    /** Writes request bytes (one per char) and returns the reply bytes written back. */
    private String send(String requestBytes) {
        channel.writeInbound(Unpooled.copiedBuffer(requestBytes, StandardCharsets.ISO_8859_1));
        return readWire();
    }

    private String readWire() {
        return Wire.drain(channel);
    }

    private static List<Class<?>> handlerTypes(EmbeddedSocketChannel channel) {
        return channel.pipeline().toMap().values().stream().<Class<?>>map(ChannelHandler::getClass).toList();
    }

    // ---- the pipeline ---------------------------------------------------------------------------------

    @Test
    void shouldBuildPipelineWithBusinessHandlerLast() {
        assertEquals(List.of(BufferBudgetHandler.class, HftpConnectionHandler.class, HftpLineDecoder.class, HftpCommandDecoder.class,
                HftpResponseEncoder.class,
                ChunkedWriteHandler.class, FlowControlHandler.class, HftpHandler.class), handlerTypes(channel));
    }

    @Test
    void shouldFrameWithConfiguredLineLimit() {
        assertEquals(LIMIT, channel.pipeline().get(HftpLineDecoder.class).maxLineLength());
    }

    @Test
    void shouldShareStatelessCodecBetweenConnections() throws Exception {
        EmbeddedSocketChannel other = new EmbeddedSocketChannel(initializer);
        try {
            assertSame(channel.pipeline().get(HftpCommandDecoder.class), other.pipeline().get(HftpCommandDecoder.class));
            assertSame(channel.pipeline().get(HftpResponseEncoder.class), other.pipeline().get(HftpResponseEncoder.class));
            assertSame(channel.pipeline().get(HftpConnectionHandler.class),
                    other.pipeline().get(HftpConnectionHandler.class));
        } finally {
            other.finishAndReleaseAll();
        }
    }

    @Test
    void shouldGiveEachConnectionItsOwnStatefulHandlers() throws Exception {
        EmbeddedSocketChannel other = new EmbeddedSocketChannel(initializer);
        try {
            assertNotSame(channel.pipeline().get(HftpLineDecoder.class), other.pipeline().get(HftpLineDecoder.class));
            assertNotSame(channel.pipeline().get(ChunkedWriteHandler.class), other.pipeline().get(ChunkedWriteHandler.class));
            assertNotSame(channel.pipeline().get(FlowControlHandler.class),
                    other.pipeline().get(FlowControlHandler.class));
            assertNotSame(channel.pipeline().get(HftpHandler.class), other.pipeline().get(HftpHandler.class));
        } finally {
            other.finishAndReleaseAll();
        }
    }

    // ---- bytes in, bytes out --------------------------------------------------------------------------

    @Test
    void shouldAnswerRequestLinesWithContractReplies() {
        assertEquals("0 OK\r\n41\r\n0 OK\r\nY2Fsb3IgcXVlIGhhY2UgaG95LCA=\r\n",
                send("get_metadata archivo.txt\r\nget_slice archivo.txt 5 20\r\n"));
    }

    @Test
    void shouldAnswerRequestsSentOneByteAtATimeInOrderThenCloseOnQuit() {
        String requests = "get_file_listing\r\nget_metadata archivo.txt\r\nnope\r\nget_slice archivo.txt 5 20 raw\r\n"
                + "get_slice archivo.txt 5 20\r\nquit\r\n";
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < requests.length(); i++) {
            wire.append(send(requests.substring(i, i + 1)));
        }
        assertEquals("0 OK\r\narchivo.txt\r\n\r\n"
                + "0 OK\r\n41\r\n"
                + "200 NO SUCH COMMAND\r\n"
                + "0 OK\r\nContent-Length: 20\r\n\r\ncalor que hace hoy, "
                + "0 OK\r\nY2Fsb3IgcXVlIGhhY2UgaG95LCA=\r\n"
                + "0 OK\r\n", wire.toString());
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldAnswerBadEolOnceAndCloseForContractExample() {
        assertEquals("100 BAD EOL\r\n", send("qui\nt\n\r\n"));
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldAnswerBadRequestAndCloseForNonAsciiName() {
        assertEquals("101 BAD REQUEST\r\n", send("get_metadata caf\u00c3\u00a9\r\n"));
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldAnswerFileNotFoundForFiveMebibyteNameAndStayOpen() {
        assertEquals("202 FILE NOT FOUND\r\n", send("get_metadata " + "a".repeat(5 << 20) + "\r\n"));
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldAnswerOverlongSliceWithLeadingZerosAsTheShortOne() {
        assertEquals("0 OK\r\nY2Fsb3IgcXVlIGhhY2UgaG95LCA=\r\n",
                send("get_slice archivo.txt " + "0".repeat(100_000) + "5 00020\r\n"));
    }

    @Test
    void shouldAnswerNoSuchCommandForOverlongUnknownCommandAndStayOpen() {
        assertEquals("200 NO SUCH COMMAND\r\n0 OK\r\n41\r\n",
                send("x".repeat(100_000) + "\r\nget_metadata archivo.txt\r\n"));
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldAnswerBadEolAndCloseForOverlongLineWithStrayCarriageReturnAndLoneLineFeed() {
        assertEquals("100 BAD EOL\r\n", send("get_metadata " + "a".repeat(300) + "\rb\n"));
        assertFalse(channel.isOpen());
    }
    // ---- TLS ------------------------------------------------------------------------------------------

    @TempDir
    static Path certificates;

    private static TestCertificate certificate;

    @BeforeAll
    static void generateCertificate() throws Exception {
        certificate = TestCertificate.generate(certificates, "server", "localhost", "dns:localhost", "EC");
    }

    private EmbeddedSocketChannel tlsChannel() throws Exception {
        return tlsChannel(false);
    }

    private EmbeddedSocketChannel tlsChannel(boolean proxyProtocol) throws Exception {
        SslContext context = TlsFiles.serverContext(certificate.certPem(), certificate.keyPem());
        HftpConnectionHandler connections = new HftpConnectionHandler(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
        return new EmbeddedSocketChannel(new HftpServerInitializer(new FileStore(root), FileCalls.inline(), connections,
                new HftpServerInitializer.Limits(LIMIT, 3 * 16384, 0), new HftpServerInitializer.Tls(context, 10_000),
                null, proxyProtocol, null, new MemoryBudget(Long.MAX_VALUE)));
    }

    private EmbeddedChannel tlsClient(String... protocols) throws Exception {
        SslContextBuilder builder = SslContextBuilder.forClient().trustManager(certificate.certPem().toFile());
        if (protocols.length > 0) {
            builder.protocols(protocols);
        }
        SslContext clientContext = builder.build();
        return new EmbeddedChannel(clientContext.newHandler(ByteBufAllocator.DEFAULT, "localhost", 1));
    }

    /** Moves the bytes each side wrote to the other until neither has more; a closed side drops them. */
    private static void shuttle(EmbeddedChannel client, EmbeddedChannel server) {
        boolean moved = true;
        while (moved) {
            moved = false;
            ByteBuf bytes;
            while ((bytes = client.readOutbound()) != null) {
                deliver(bytes, server);
                moved = true;
            }
            while ((bytes = server.readOutbound()) != null) {
                deliver(bytes, client);
                moved = true;
            }
            client.runPendingTasks();
            server.runPendingTasks();
        }
    }

    private static void deliver(ByteBuf bytes, EmbeddedChannel to) {
        if (to.isOpen()) {
            to.writeInbound(bytes);
        } else {
            bytes.release();
        }
    }

    private static String readDecrypted(EmbeddedChannel client) {
        StringBuilder text = new StringBuilder();
        ByteBuf bytes;
        while ((bytes = client.readInbound()) != null) {
            text.append(bytes.toString(StandardCharsets.ISO_8859_1));
            bytes.release();
        }
        return text.toString();
    }

    @Test
    void shouldPutSslHandlerFirstBehindTheRenegotiationGuardWhenTlsIsConfigured() throws Exception {
        EmbeddedSocketChannel tls = tlsChannel();
        try {
            assertEquals(List.of(RenegotiationRefusingHandler.class, SslHandler.class, BufferBudgetHandler.class, HftpConnectionHandler.class, HftpLineDecoder.class,
                    HftpCommandDecoder.class, HftpResponseEncoder.class, ChunkedWriteHandler.class,
                    FlowControlHandler.class, HftpHandler.class), handlerTypes(tls));
            assertEquals(10_000, tls.pipeline().get(SslHandler.class).getHandshakeTimeoutMillis());
        } finally {
            tls.finishAndReleaseAll();
        }
    }

    @Test
    void shouldAnswerATlsClientWithTheSameBytesAsAPlaintextOne() throws Exception {
        String requests = "get_file_listing\r\nget_metadata archivo.txt\r\nget_slice archivo.txt 5 20 raw\r\n"
                + "get_slice archivo.txt 5 20\r\nnope\r\n";
        String plaintext = send(requests);
        EmbeddedSocketChannel server = tlsChannel();
        EmbeddedChannel client = tlsClient();
        try {
            shuttle(client, server);
            assertTrue(client.pipeline().get(SslHandler.class).handshakeFuture().isSuccess(), "handshake");
            client.writeOutbound(Unpooled.copiedBuffer(requests, StandardCharsets.ISO_8859_1));
            shuttle(client, server);
            assertEquals(plaintext, readDecrypted(client));
            assertTrue(server.isOpen());
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    @Test
    void shouldReadTheProxyHeaderBeforeTheTlsHandshakeThatFollowsItInTheSameRead() throws Exception {
        String requests = "get_metadata archivo.txt\r\nget_slice archivo.txt 5 20\r\n";
        String plaintext = send(requests);
        EmbeddedSocketChannel server = tlsChannel(true);
        EmbeddedChannel client = tlsClient();
        try {
            assertEquals(List.of(HAProxyMessageDecoder.class, ProxyProtocolHandler.class,
                    RenegotiationRefusingHandler.class, SslHandler.class), handlerTypes(server).subList(0, 4));
            // As HAProxy sends them: the header, then the client's first bytes (its ClientHello), in one read.
            ByteBuf hello = client.readOutbound();
            server.writeInbound(Unpooled.wrappedBuffer(
                    Unpooled.copiedBuffer("PROXY TCP4 203.0.113.7 10.0.0.1 56324 19500\r\n", StandardCharsets.US_ASCII),
                    hello));
            shuttle(client, server);
            assertTrue(client.pipeline().get(SslHandler.class).handshakeFuture().isSuccess(), "handshake");
            client.writeOutbound(Unpooled.copiedBuffer(requests, StandardCharsets.ISO_8859_1));
            shuttle(client, server);

            assertEquals(plaintext, readDecrypted(client));
            assertEquals(new java.net.InetSocketAddress("203.0.113.7", 56324), ClientAddress.of(server));
            assertEquals(List.of(RenegotiationRefusingHandler.class, SslHandler.class),
                    handlerTypes(server).subList(0, 2), "the PROXY handlers left after the header");
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    @Test
    void shouldCloseATls12ClientThatRenegotiates() throws Exception {
        EmbeddedSocketChannel server = tlsChannel();
        EmbeddedChannel client = tlsClient("TLSv1.2");
        try {
            shuttle(client, server);
            SslHandler clientSsl = client.pipeline().get(SslHandler.class);
            assertTrue(clientSsl.handshakeFuture().isSuccess(), "handshake");
            assertEquals("TLSv1.2", clientSsl.engine().getSession().getProtocol());
            client.writeOutbound(Unpooled.copiedBuffer("get_metadata archivo.txt\r\n", StandardCharsets.US_ASCII));
            shuttle(client, server);
            assertEquals("0 OK\r\n41\r\n", readDecrypted(client));

            io.netty.util.concurrent.Future<?> renegotiation = clientSsl.renegotiate();
            client.writeOutbound(Unpooled.copiedBuffer("get_metadata archivo.txt\r\n", StandardCharsets.US_ASCII));
            shuttle(client, server);
            assertFalse(server.isOpen());
            assertFalse(renegotiation.isSuccess());
            assertEquals("", readDecrypted(client));
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    @Test
    void shouldCloseAPlaintextClientOfATlsPipelineWithoutAnAnswer() throws Exception {
        EmbeddedSocketChannel server = tlsChannel();
        try {
            server.writeInbound(Unpooled.copiedBuffer("get_file_listing\r\n", StandardCharsets.US_ASCII));
            server.runPendingTasks();
            assertFalse(Wire.drain(server).contains("0 OK"));
            assertFalse(server.isOpen());
        } finally {
            server.finishAndReleaseAll();
        }
    }
}
