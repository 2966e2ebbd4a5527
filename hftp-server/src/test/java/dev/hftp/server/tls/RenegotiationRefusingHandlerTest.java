package dev.hftp.server.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLHandshakeException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RenegotiationRefusingHandler} on TLS record headers made by hand, in front of a stand-in for the
 * SslHandler that ends the first handshake when it is given a record marked as the client's last.
 */
class RenegotiationRefusingHandlerTest {

    private static final int HANDSHAKE = 22;
    private static final int APPLICATION_DATA = 23;
    private static final int CHANGE_CIPHER_SPEC = 20;
    /** A body byte that tells the stand-in "this record ends the first handshake". */
    private static final byte LAST = 0x7f;

    private final Promise<Object> handshake = ImmediateEventExecutor.INSTANCE.newPromise();
    /** What reached the stand-in, one entry per read it was given. */
    private final List<byte[]> passedOn = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(new RenegotiationRefusingHandler(handshake),
            new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf bytes = (ByteBuf) msg;
                    try {
                        byte[] copy = ByteBufUtil.getBytes(bytes);
                        passedOn.add(copy);
                        if (copy.length > 0 && copy[copy.length - 1] == LAST) {
                            handshake.setSuccess(null);
                        }
                    } finally {
                        bytes.release();
                    }
                }
            });

    @AfterEach
    void tearDown() {
        assertFalse(channel.finishAndReleaseAll());
    }

    private static byte[] record(int type, byte... body) {
        byte[] record = new byte[5 + body.length];
        record[0] = (byte) type;
        record[1] = 3;
        record[2] = 3;
        record[3] = (byte) (body.length >> 8);
        record[4] = (byte) body.length;
        System.arraycopy(body, 0, record, 5, body.length);
        return record;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private void read(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    private byte[] allPassedOn() {
        return concat(passedOn.toArray(new byte[0][]));
    }

    @Test
    void shouldPassTheFirstHandshakeOnUnchanged() {
        byte[] hello = record(HANDSHAKE, new byte[300]);
        byte[] finished = concat(record(CHANGE_CIPHER_SPEC, (byte) 1), record(HANDSHAKE, (byte) 1, LAST));
        read(hello);
        read(finished);
        assertTrue(handshake.isSuccess());
        assertTrue(channel.isOpen());
        assertEquals(List.of(hello.length, 6, 7), passedOn.stream().map(b -> b.length).toList());
        assertArrayEquals(concat(hello, finished), allPassedOn());
    }

    @Test
    void shouldPassApplicationDataAfterTheHandshakeWholeAndUnchanged() {
        read(record(HANDSHAKE, LAST));
        byte[] data = concat(record(APPLICATION_DATA, new byte[1000]), record(APPLICATION_DATA, (byte) 5),
                record(21, (byte) 1, (byte) 0));
        read(data);
        assertTrue(channel.isOpen());
        assertEquals(2, passedOn.size(), "one read, one message");
        assertArrayEquals(data, passedOn.get(1));
    }

    @Test
    void shouldCloseOnAHandshakeRecordAfterTheHandshake() {
        read(record(HANDSHAKE, LAST));
        read(concat(record(APPLICATION_DATA, (byte) 1, (byte) 2), record(HANDSHAKE, new byte[200])));
        assertFalse(channel.isOpen());
        assertEquals(1, passedOn.size(), "nothing of the read with the new ClientHello passed on");
    }

    @Test
    void shouldCloseOnANewClientHelloInTheSameReadAsTheLastHandshakeRecord() {
        // The client's Finished and a ClientHello in one segment: the first must end the handshake before the
        // second is judged.
        read(concat(record(HANDSHAKE, (byte) 1, LAST), record(HANDSHAKE, new byte[200])));
        assertFalse(channel.isOpen());
        assertEquals(1, passedOn.size());
        assertArrayEquals(record(HANDSHAKE, (byte) 1, LAST), passedOn.get(0));
    }

    @Test
    void shouldFollowRecordsWhoseHeadersAndBodiesAreSplitBetweenReads() {
        byte[] stream = concat(record(HANDSHAKE, LAST), record(APPLICATION_DATA, new byte[40]),
                record(APPLICATION_DATA, new byte[3]));
        for (byte b : stream) {
            read(new byte[] {b});
        }
        assertTrue(channel.isOpen());
        assertArrayEquals(stream, allPassedOn());

        byte[] hello = record(HANDSHAKE, new byte[10]);
        read(new byte[] {hello[0], hello[1], hello[2]});
        assertTrue(channel.isOpen(), "the type is judged once the header is whole");
        read(new byte[] {hello[3], hello[4]});
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldFollowRecordsAfterAnSslV2CompatibleClientHello() {
        // A 2-byte header, high bit set, 15 bits of length: what old clients send first.
        byte[] v2Hello = concat(new byte[] {(byte) 0x80, 4}, new byte[] {1, 3, 3, 0});
        read(concat(v2Hello, record(HANDSHAKE, LAST)));
        assertTrue(handshake.isSuccess());
        read(record(APPLICATION_DATA, new byte[8]));
        assertTrue(channel.isOpen());
        read(record(HANDSHAKE, new byte[8]));
        assertFalse(channel.isOpen());
    }

    @Test
    void shouldLetTheSslHandlerJudgeWhatIsNotTls() {
        // A plaintext client of a TLS port: its bytes reach the SslHandler, which refuses them (not this handler).
        byte[] plaintext = "get_file_listing\r\n".getBytes(StandardCharsets.US_ASCII);
        read(plaintext);
        assertTrue(channel.isOpen());
        assertArrayEquals(plaintext, allPassedOn());
    }

    @Test
    void shouldNotJudgeAfterAFailedHandshake() {
        handshake.setFailure(new SSLHandshakeException("test"));
        byte[] bytes = record(HANDSHAKE, new byte[4]);
        read(bytes);
        assertTrue(channel.isOpen(), "the SslHandler closes a failed handshake itself");
        assertArrayEquals(bytes, allPassedOn());
    }
}
