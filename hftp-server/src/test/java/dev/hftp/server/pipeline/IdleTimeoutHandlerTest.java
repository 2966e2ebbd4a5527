package dev.hftp.server.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdleTimeoutHandlerTest {

    private static final long TIMEOUT_MILLIS = 500;

    private EmbeddedChannel channel;

    @AfterEach
    void finish() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aConnectionThatDoesNothingIsClosedAtTheTimeoutNotBefore() {
        channel = idleChannel();
        advance(TIMEOUT_MILLIS - 1);
        assertTrue(channel.isOpen(), "open 1 ms before the timeout");
        advance(1);
        assertFalse(channel.isOpen(), "closed at the timeout");
    }

    @Test
    void eachReadStartsTheTimeoutAgain() {
        channel = idleChannel();
        for (int i = 0; i < 10; i++) {
            advance(TIMEOUT_MILLIS - 100);
            channel.writeInbound(line("help"));
            assertTrue(channel.isOpen(), "read every 400 ms, " + i);
        }
        advance(TIMEOUT_MILLIS - 1);
        assertTrue(channel.isOpen(), "open 1 ms before the timeout after the last read");
        advance(1);
        assertFalse(channel.isOpen(), "closed a timeout after the last read");
    }

    @Test
    void aWriteCountsAsActivityButNeverShortensTheTimeout() {
        channel = idleChannel();
        advance(300);
        channel.writeOutbound(line("200 NO SUCH COMMAND"));
        advance(TIMEOUT_MILLIS - 300);
        assertTrue(channel.isOpen(), "a write 300 ms in: not idle at the first check");
        advance(TIMEOUT_MILLIS - 1);
        assertTrue(channel.isOpen(), "the write is dated at the first check after it");
        advance(1);
        assertFalse(channel.isOpen(), "closed a timeout after that check");
    }

    /** A reader that stopped: its output stays queued, unchanged, and the connection is closed. */
    @Test
    void outputQueuedWithoutProgressIsIdle() {
        channel = idleChannel(new Unflushable());
        channel.writeAndFlush(line("0 OK"));
        channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[64 * 1024]));
        advance(TIMEOUT_MILLIS);
        assertTrue(channel.isOpen(), "the write itself was activity");
        advance(TIMEOUT_MILLIS);
        assertFalse(channel.isOpen(), "nothing of the queued output moved for a timeout");
    }

    /**
     * One long transfer moving slowly: the queued output changes between checks and the connection stays open,
     * from the first check on (IdleStateHandler weighed output only from its second idle event).
     */
    @Test
    void outputThatMovesIsNotIdle() {
        Unflushable outlet = new Unflushable();
        channel = idleChannel(outlet);
        channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[64 * 1024]));
        for (int i = 0; i < 10; i++) {
            advance(TIMEOUT_MILLIS);
            outlet.drain(channel, 1024);
            assertTrue(channel.isOpen(), "output drained by 1 KiB each timeout, " + i);
        }
        advance(TIMEOUT_MILLIS);
        assertTrue(channel.isOpen(), "moved since the check before");
        advance(TIMEOUT_MILLIS);
        assertFalse(channel.isOpen(), "stopped moving a timeout ago");
    }

    @Test
    void aClosedConnectionLeavesNoCheckScheduled() {
        channel = idleChannel();
        channel.close().syncUninterruptibly();
        channel.runPendingTasks();
        assertEquals(-1, channel.runScheduledPendingTasks(), "no task left");
    }

    @Test
    void aTimeoutOfZeroIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new IdleTimeoutHandler(0));
    }

    private static EmbeddedChannel idleChannel(io.netty.channel.ChannelHandler... before) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(before);
        ch.pipeline().addLast(new IdleTimeoutHandler(TIMEOUT_MILLIS));
        return ch;
    }

    private void advance(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private static ByteBuf line(String text) {
        return Unpooled.copiedBuffer(text + "\r\n", StandardCharsets.US_ASCII);
    }

    /**
     * Holds what is flushed, as a socket that the client stopped reading does, in the channel's outbound buffer:
     * the flush goes no further than here, and {@link #drain} sends part of the message being sent.
     */
    private static final class Unflushable extends ChannelOutboundHandlerAdapter {

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // Marked flushed but not passed on: it stays in the ChannelOutboundBuffer, the first message current.
            ctx.channel().unsafe().outboundBuffer().addFlush();
        }

        void drain(EmbeddedChannel ch, int bytes) {
            ch.unsafe().outboundBuffer().progress(bytes);
        }
    }
}
