package dev.hftp.server.proxy;

import dev.hftp.server.EmbeddedSocketChannel;
import dev.hftp.server.HftpServerBootstrap;
import dev.hftp.server.Wire;
import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;
import dev.hftp.server.pipeline.HftpConnectionHandler;
import dev.hftp.server.pipeline.HftpServerInitializer;
import dev.hftp.server.pipeline.MemoryBudget;

import io.netty.buffer.Unpooled;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server behind a balancer that speaks the PROXY protocol: the header's client address becomes the
 * connection's for the logs, the requests after it are answered as usual, and a connection without a
 * header is closed unanswered; with a list of balancers, a peer outside it is closed at once.
 */
class ProxyProtocolTest {

    private static final String REQUESTS = "get_metadata archivo.txt\r\nget_slice archivo.txt 5 20\r\n";
    private static final String REPLIES = "0 OK\r\n41\r\n0 OK\r\nY2Fsb3IgcXVlIGhhY2UgaG95LCA=\r\n";

    /** The v2 signature, then version 2 with PROXY or LOCAL. */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TempDir
    Path root;

    private EmbeddedSocketChannel channel;

    @BeforeEach
    void setUp() throws Exception {
        Files.writeString(root.resolve("archivo.txt"), "!Que calor que hace hoy, pinta una birra!");
        channel = newChannel(null);
    }

    /** A connection from 127.0.0.1:40000 (see {@link EmbeddedSocketChannel}); {@code from} null: any peer. */
    private EmbeddedSocketChannel newChannel(ProxyProtocolPeers from) throws Exception {
        HftpConnectionHandler connections = new HftpConnectionHandler(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
        return new EmbeddedSocketChannel(new HftpServerInitializer(new FileStore(root), FileCalls.inline(), connections,
                new HftpServerInitializer.Limits(1024, 3 * 16384, 0), null, null, true, from, new MemoryBudget(Long.MAX_VALUE)));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private String send(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.runPendingTasks();
        return Wire.drain(channel);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] v2(int command, int family, byte[] addresses) {
        byte[] header = new byte[16 + addresses.length];
        System.arraycopy(V2_SIGNATURE, 0, header, 0, 12);
        header[12] = (byte) (0x20 | command);
        header[13] = (byte) family;
        header[14] = (byte) (addresses.length >> 8);
        header[15] = (byte) addresses.length;
        System.arraycopy(addresses, 0, header, 16, addresses.length);
        return header;
    }

    @Test
    void shouldTakeTheClientFromAVersion1HeaderAndServeWhatFollows() {
        assertEquals(REPLIES, send(ascii("PROXY TCP4 203.0.113.7 10.0.0.1 56324 19500\r\n" + REQUESTS)));

        assertEquals(new InetSocketAddress("203.0.113.7", 56324), ClientAddress.of(channel));
        assertNull(channel.pipeline().get("proxyDecoder"), "the decoder leaves after the header");
        assertNull(channel.pipeline().get(ProxyProtocolHandler.class));
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldTakeAnIpv6ClientFromAHeaderSentInPieces() {
        byte[] header = ascii("PROXY TCP6 2001:db8::7 2001:db8::1 40000 19500\r\n");
        for (byte b : header) {
            assertEquals("", send(new byte[] {b}));
        }
        assertEquals(REPLIES, send(ascii(REQUESTS)));
        assertEquals(new InetSocketAddress("2001:db8::7", 40000), ClientAddress.of(channel));
    }

    @Test
    void shouldTakeTheClientFromAVersion2Header() {
        // 198.51.100.9:50000 -> 10.0.0.1:19500
        byte[] header = v2(0x1, 0x11, new byte[] {(byte) 198, 51, 100, 9, 10, 0, 0, 1, (byte) 0xC3, 0x50, 0x4C, 0x2C});
        byte[] bytes = new byte[header.length + REQUESTS.length()];
        System.arraycopy(header, 0, bytes, 0, header.length);
        System.arraycopy(ascii(REQUESTS), 0, bytes, header.length, REQUESTS.length());

        assertEquals(REPLIES, send(bytes));
        assertEquals(new InetSocketAddress("198.51.100.9", 50000), ClientAddress.of(channel));
    }

    @Test
    void shouldKeepTheSocketAddressForALocalHeader() {
        // What HAProxy's health checks send with check-send-proxy: no client behind it.
        assertEquals(REPLIES, send(concat(v2(0x0, 0x00, new byte[0]), ascii(REQUESTS))));
        assertEquals(channel.remoteAddress(), ClientAddress.of(channel));
    }

    @Test
    void shouldCloseAConnectionWithoutHeaderUnanswered() {
        assertEquals("", send(ascii("get_file_listing\r\n")));
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldCloseAConnectionWithABrokenHeaderUnanswered() {
        assertEquals("", send(ascii("PROXY TCP4 not-an-address 10.0.0.1 1 2\r\n" + REQUESTS)));
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldCloseAConnectionWhoseHeaderDoesNotComeInTime() {
        // Too short for the decoder to tell it from the start of a header: only the timeout ends it.
        assertEquals("", send(ascii("help\r\n")));
        channel.advanceTimeBy(ProxyProtocolHandler.HEADER_TIMEOUT_SECONDS - 1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen());
        assertEquals("", Wire.drain(channel));
    }

    @Test
    void shouldNotTimeOutOnceTheHeaderCame() {
        assertEquals(REPLIES, send(ascii("PROXY TCP4 203.0.113.7 10.0.0.1 56324 19500\r\n" + REQUESTS)));
        channel.advanceTimeBy(ProxyProtocolHandler.HEADER_TIMEOUT_SECONDS + 1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldCloseAPeerOutsideTheListAtOnceWithoutReadingItsHeader() throws Exception {
        channel.finishAndReleaseAll();
        channel = newChannel(ProxyProtocolPeers.parse("10.0.0.0/8,::1"));
        assertFalse(channel.isOpen(), "closed when it connected");
        assertNull(channel.pipeline().get("proxyDecoder"));
        assertEquals(channel.remoteAddress(), ClientAddress.of(channel), "no header believed");
    }

    @Test
    void shouldBelieveAPeerInsideTheList() throws Exception {
        channel.finishAndReleaseAll();
        channel = newChannel(ProxyProtocolPeers.parse("10.0.0.0/8,127.0.0.0/8"));
        assertTrue(channel.isOpen());
        assertNull(channel.pipeline().get(ProxyProtocolPeerFilter.class), "the filter leaves once it has judged");
        assertEquals(REPLIES, send(ascii("PROXY TCP4 203.0.113.7 10.0.0.1 56324 19500\r\n" + REQUESTS)));
        assertEquals(new InetSocketAddress("203.0.113.7", 56324), ClientAddress.of(channel));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void shouldWriteAddressesWithoutTheLeadingSlash() {
        assertEquals("203.0.113.7:56324", ClientAddress.text(new InetSocketAddress("203.0.113.7", 56324)));
        assertEquals("[2001:db8::7]:40000", ClientAddress.text(new InetSocketAddress("2001:db8::7", 40000)));
    }
}
