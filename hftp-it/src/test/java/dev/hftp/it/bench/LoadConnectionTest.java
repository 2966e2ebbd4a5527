package dev.hftp.it.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load generator's reply parser and verifier: framing across any read boundaries, and every error kind. */
class LoadConnectionTest {

    @TempDir
    Path dir;

    private Path file;
    private byte[] content;
    private final RunClock clock = new RunClock();
    private final LoopStats stats = new LoopStats();
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() throws IOException {
        content = new byte[200_000];
        new Random(7).nextBytes(content);
        file = Files.write(dir.resolve("data.bin"), content);
        long now = System.nanoTime();
        clock.window(now - 1_000_000_000L, now + 3_600_000_000_000L);
    }

    @AfterEach
    void tearDown() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private void connect(ReplySpec spec, LoadConnection.Verify verify, int pipeline) {
        channel = new EmbeddedChannel(new LoadConnection(0, spec, clock, stats, verify, pipeline, 1_000_000_000L));
        assertEquals(pipeline, drainRequests(spec));
    }

    /** Releases the requests written so far; returns how many, each checked. */
    private int drainRequests(ReplySpec spec) {
        int n = 0;
        ByteBuf request;
        while ((request = channel.readOutbound()) != null) {
            byte[] bytes = new byte[request.readableBytes()];
            request.readBytes(bytes);
            request.release();
            assertEquals(new String(spec.request, StandardCharsets.US_ASCII),
                    new String(bytes, StandardCharsets.US_ASCII));
            n++;
        }
        return n;
    }

    private void feed(byte[] bytes, int piece) {
        for (int i = 0; i < bytes.length; i += piece) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(piece, bytes.length - i)));
        }
        channel.runPendingTasks();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private byte[] sliceReply(int offset, int size) {
        byte[] encoded = Base64.getEncoder().encode(Arrays.copyOfRange(content, offset, offset + size));
        return concat(ReplySpec.ascii("0 OK\r\n"), encoded, ReplySpec.ascii("\r\n"));
    }

    @Test
    void base64SlicesInAnyPiecesAreCountedAndRefilled() throws IOException {
        ReplySpec spec = ReplySpec.slice("data.bin", file, 5, 100_000, false);
        connect(spec, LoadConnection.Verify.FULL, 3);
        byte[] reply = sliceReply(5, 100_000);
        feed(concat(reply, reply), 1);
        feed(reply, 7777);
        assertEquals(3, stats.replies);
        assertEquals(0, stats.badReplies);
        assertEquals(3, drainRequests(spec), "one new request per reply");
        assertTrue(channel.isActive());
        assertEquals(3, stats.latency.getTotalCount());
    }

    @Test
    void aWrongByteInTheBodyIsABadReplyAndTheFramingHolds() throws IOException {
        ReplySpec spec = ReplySpec.slice("data.bin", file, 0, 3000, false);
        connect(spec, LoadConnection.Verify.FULL, 2);
        byte[] bad = sliceReply(0, 3000);
        bad[6 + 1234] ^= 1;
        feed(bad, 1000);
        feed(sliceReply(0, 3000), 1000);
        assertEquals(2, stats.replies);
        assertEquals(1, stats.badReplies);
        assertTrue(stats.messages.get(0).contains("at byte 1234"), stats.messages.toString());
        assertTrue(channel.isActive());
    }

    @Test
    void anErrorStatusLineIsOneBadReplyAndTheNextIsParsed() throws IOException {
        ReplySpec spec = ReplySpec.slice("data.bin", file, 0, 30, false);
        connect(spec, LoadConnection.Verify.FULL, 2);
        feed(concat(ReplySpec.ascii("202 FILE NOT FOUND\r\n"), sliceReply(0, 30)), 3);
        assertEquals(2, stats.replies);
        assertEquals(1, stats.badReplies);
        assertTrue(stats.messages.get(0).contains("got '202 FILE NOT FOUND\\r\\n'"), stats.messages.toString());
    }

    @Test
    void aWrongTailLosesTheFramingAndClosesTheConnection() throws IOException {
        ReplySpec spec = ReplySpec.slice("data.bin", file, 0, 30, false);
        connect(spec, LoadConnection.Verify.FULL, 4);
        byte[] reply = sliceReply(0, 30);
        reply[reply.length - 2] = 'A';
        feed(reply, 100);
        assertFalse(channel.isActive());
        assertEquals(1, stats.badReplies);
        assertEquals(3, stats.lost);
        assertEquals(0, stats.closedByServer, "our close, not the server's");
    }

    @Test
    void theServerClosingCountsTheOutstandingRequestsLost() throws IOException {
        ReplySpec spec = ReplySpec.metadata("data.bin", file);
        connect(spec, LoadConnection.Verify.FULL, 5);
        feed(ReplySpec.ascii("0 OK\r\n200000\r\n0 OK\r\n2"), 4);
        channel.pipeline().fireChannelInactive();
        assertEquals(1, stats.replies);
        assertEquals(5, stats.lost, "the pipeline was refilled after the reply");
        assertEquals(1, stats.closedByServer);
    }

    @Test
    void metadataOfAnotherSizeIsBadButFramed() throws IOException {
        ReplySpec spec = ReplySpec.metadata("data.bin", file);
        connect(spec, LoadConnection.Verify.FULL, 2);
        feed(ReplySpec.ascii("0 OK\r\n199999\r\n0 OK\r\n200000\r\n"), 5);
        assertEquals(2, stats.replies);
        assertEquals(1, stats.badReplies);
    }

    @Test
    void rawSlicesAreVerified() throws IOException {
        ReplySpec spec = ReplySpec.slice("data.bin", file, 10, 5000, true);
        connect(spec, LoadConnection.Verify.FULL, 1);
        byte[] head = ReplySpec.ascii("0 OK\r\nContent-Length: 5000\r\n\r\n");
        feed(concat(head, Arrays.copyOfRange(content, 10, 5010)), 999);
        byte[] wrong = Arrays.copyOfRange(content, 11, 5011);
        feed(concat(head, wrong), 999);
        assertEquals(2, stats.replies);
        assertEquals(1, stats.badReplies);
    }

    @Test
    void lineModeCountsAnyLineOrChecksTheExpectedOne() {
        connect(ReplySpec.line("PING", null), LoadConnection.Verify.FULL, 2);
        feed(ReplySpec.ascii("+PONG\r\n200 NO SUCH COMMAND\r\n"), 3);
        assertEquals(2, stats.replies);
        assertEquals(0, stats.badReplies);
        channel.finishAndReleaseAll();

        connect(ReplySpec.line("PING", "+PONG"), LoadConnection.Verify.FULL, 2);
        feed(ReplySpec.ascii("+PONG\r\n-ERR\r\n"), 1);
        assertEquals(4, stats.replies);
        assertEquals(1, stats.badReplies);
    }

    @Test
    void sampledVerificationChecksTheFirstReplyFullyAndLaterOnesInWindows() throws IOException {
        ReplySpec spec = ReplySpec.slice("data.bin", file, 0, 150_000, false);
        connect(spec, LoadConnection.Verify.SAMPLE, 1);
        byte[] offWindow = sliceReply(0, 150_000);
        offWindow[6 + 1000] ^= 1;
        feed(offWindow, 65536);
        assertEquals(1, stats.badReplies, "the first reply is compared fully");
        feed(offWindow, 65536);
        assertEquals(1, stats.badReplies, "later: a byte outside the sampled windows is not compared");
        byte[] inWindow = sliceReply(0, 150_000);
        inWindow[6 + LoadConnection.SAMPLE_STRIDE + 3] ^= 1;
        feed(inWindow, 1000);
        byte[] atEnd = sliceReply(0, 150_000);
        atEnd[atEnd.length - 3] ^= 1;
        feed(atEnd, 1000);
        assertEquals(3, stats.badReplies);
        assertEquals(4, stats.replies);
    }

    @Test
    void aReplyToNoRequestIsAnError() {
        ReplySpec spec = ReplySpec.line("PING", "+PONG");
        channel = new EmbeddedChannel(new LoadConnection(0, spec, clock, stats, LoadConnection.Verify.FULL, 1,
                1_000_000_000L));
        clock.stopSending = true;
        drainRequests(spec);
        feed(ReplySpec.ascii("+PONG\r\n+PONG\r\n"), 100);
        assertEquals(1, stats.replies);
        assertEquals(1, stats.badReplies);
        assertFalse(channel.isActive());
    }
}
