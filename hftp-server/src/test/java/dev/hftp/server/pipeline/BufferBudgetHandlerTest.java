package dev.hftp.server.pipeline;

import dev.hftp.server.EmbeddedSocketChannel;

import dev.hftp.codec.HftpLineDecoder;
import dev.hftp.codec.testing.LoggerCapture;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One connection's share of the server's {@link MemoryBudget}: what it charges, and how it holds less once the
 * budget is under pressure (past half its limit), whoever put it there.
 */
class BufferBudgetHandlerTest {

    /** Counts the {@code read()}s that reach the socket, in front of the handler under test. */
    private static final class Reads extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void read(ChannelHandlerContext ctx) {
            count++;
            ctx.read();
        }
    }

    /** A socket that takes nothing until told to: holds the writes flushed to it, and fails them on close. */
    private static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        private final List<Object> messages = new ArrayList<>();
        private final List<ChannelPromise> promises = new ArrayList<>();
        private ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            messages.add(msg);
            promises.add(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // Taken only by take().
        }

        /** The socket takes everything held. */
        void take() {
            for (int i = 0; i < messages.size(); i++) {
                ctx.write(messages.get(i), promises.get(i));
            }
            messages.clear();
            promises.clear();
            ctx.flush();
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            for (int i = 0; i < messages.size(); i++) {
                ReferenceCountUtil.release(messages.get(i));
                promises.get(i).tryFailure(new ClosedChannelException());
            }
            messages.clear();
            promises.clear();
            ctx.close(promise);
        }
    }

    private static ByteBuf bytes(int n) {
        return Unpooled.wrappedBuffer(new byte[n]);
    }

    @Test
    void chargesRepliesFromTheirFlushUntilTheSocketHasTakenThem() {
        MemoryBudget budget = new MemoryBudget(1 << 20);
        HeldWrites socket = new HeldWrites();
        EmbeddedChannel channel = new EmbeddedChannel(socket, new BufferBudgetHandler(budget));
        channel.write(bytes(1000));
        channel.write(bytes(500), channel.voidPromise());
        assertEquals(0, budget.used(), "written, not flushed: still in this event-loop task");
        channel.flush();
        assertEquals(1500, budget.used(), "flushed, not taken by the socket");
        socket.take();
        assertEquals(0, budget.used(), "taken by the socket");
        assertTrue(channel.finishAndReleaseAll());
    }

    @Test
    void releasesWhatAConnectionHeldWhenItCloses() {
        MemoryBudget budget = new MemoryBudget(1 << 20);
        BufferBudgetHandler buffers = new BufferBudgetHandler(budget);
        EmbeddedChannel channel = new EmbeddedChannel(new HeldWrites(), buffers,
                new HftpLineDecoder(64 * 1024, buffers.lineHolder()));
        channel.writeInbound(bytes(5000));
        channel.writeAndFlush(bytes(700));
        channel.write(bytes(300));
        assertTrue(budget.used() >= 5700, "an unfinished line and a flushed reply: " + budget.used());
        channel.close();
        assertEquals(0, budget.used(), "the line dropped, the replies failed");
        channel.finishAndReleaseAll();
    }

    @Test
    void underPressureAConnectionWithAReplyQueuedIsNotWritableUntilTheSocketTakesIt() {
        MemoryBudget budget = new MemoryBudget(2000);
        HeldWrites socket = new HeldWrites();
        EmbeddedChannel channel = new EmbeddedChannel(socket, new BufferBudgetHandler(budget));
        channel.writeAndFlush(bytes(900));
        assertTrue(channel.isWritable(), "below half the budget: the write buffer's own limits apply");
        channel.writeAndFlush(bytes(200));
        assertTrue(budget.underPressure());
        assertFalse(channel.isWritable(), "under pressure, with a reply queued: no more until it has gone");
        socket.take();
        assertTrue(channel.isWritable(), "taken by the socket");
        channel.finishAndReleaseAll();
    }

    @Test
    void underPressureFromOthersAConnectionKeepsOneReplyInFlight() {
        MemoryBudget budget = new MemoryBudget(2000);
        budget.charge(1500);
        HeldWrites socket = new HeldWrites();
        EmbeddedChannel channel = new EmbeddedChannel(socket, new BufferBudgetHandler(budget));
        assertTrue(channel.isWritable(), "nothing queued: one reply may go");
        channel.write(bytes(10));
        assertFalse(channel.isWritable(), "one reply queued");
        channel.flush();
        socket.take();
        assertTrue(channel.isWritable());
        budget.release(1500);
        channel.finishAndReleaseAll();
    }

    @Test
    void aConnectionLeftUnwritableByPressureIsWritableAgainWhenThePressureEnds() {
        MemoryBudget budget = new MemoryBudget(2000);
        EmbeddedChannel channel = new EmbeddedChannel(new HeldWrites(), new BufferBudgetHandler(budget));
        budget.charge(1500);
        channel.writeAndFlush(bytes(10));
        assertFalse(channel.isWritable());
        // Another connection's reply is taken: the pressure ends, this client still has not read.
        budget.release(1500);
        channel.runPendingTasks();
        assertTrue(channel.isWritable(), "the write buffer's own limits apply again");
        channel.close();
        channel.finishAndReleaseAll();
        assertEquals(0, budget.used());
    }

    @Test
    void underPressureALongUnfinishedLineIsNotReadUntilThePressureEnds() {
        MemoryBudget budget = new MemoryBudget(16_000);
        Reads heavyReads = new Reads();
        BufferBudgetHandler heavy = new BufferBudgetHandler(budget);
        EmbeddedChannel heavyChannel = new EmbeddedChannel(heavyReads, heavy);
        Reads lightReads = new Reads();
        BufferBudgetHandler light = new BufferBudgetHandler(budget);
        EmbeddedChannel lightChannel = new EmbeddedChannel(lightReads, light);

        // An embedded channel reads once as it starts.
        int heavyStart = heavyReads.count;
        int lightStart = lightReads.count;
        heavy.lineHolder().accept(MemoryBudget.LINE_ALLOWANCE + 1);
        heavyChannel.read();
        assertEquals(heavyStart + 1, heavyReads.count, "no pressure: a long line is read on");

        heavy.lineHolder().accept(9000);
        assertTrue(budget.underPressure());
        heavyChannel.read();
        assertEquals(heavyStart + 1, heavyReads.count, "under pressure, the long line is not read on");
        light.lineHolder().accept(100);
        lightChannel.read();
        assertEquals(lightStart + 1, lightReads.count, "a short line is read even under pressure");

        // Say the line was a request after all, ended by what came: the pressure ends, the kept read goes on.
        heavy.lineHolder().accept(0);
        heavyChannel.runPendingTasks();
        assertEquals(heavyStart + 2, heavyReads.count, "the read kept is passed on once the pressure ends");
        light.lineHolder().accept(0);
        heavyChannel.finishAndReleaseAll();
        lightChannel.finishAndReleaseAll();
        assertEquals(0, budget.used());
    }

    @Test
    void aFullBudgetRefusesNewConnectionsBeforeTheyHaveAPipeline() throws Exception {
        LoggerCapture log = LoggerCapture.begin(ConnectionAdmission.class.getName());
        MemoryBudget budget = new MemoryBudget(1000);
        ConnectionAdmission admission = ConnectionAdmission.limiting(100, budget);
        EmbeddedChannel listening = new EmbeddedChannel(admission);
        budget.charge(1000);
        EmbeddedSocketChannel refused = new EmbeddedSocketChannel(new ChannelInboundHandlerAdapter());
        listening.writeInbound(refused);
        assertFalse(refused.isOpen(), "closed at once");
        assertNull(listening.readInbound(), "not handed to the acceptor");
        assertEquals(1, admission.refusedConnections());
        budget.release(1);
        EmbeddedSocketChannel taken = new EmbeddedSocketChannel(new ChannelInboundHandlerAdapter());
        listening.writeInbound(taken);
        assertTrue(taken.isOpen(), "below the limit again");
        assertSame(taken, listening.readInbound(), "handed to the acceptor");
        assertEquals(1, admission.openConnections());
        taken.close();
        assertEquals(0, admission.openConnections());
        budget.release(999);
        log.stop();
        assertEquals(List.of(new LoggerCapture.Event(
                "127.0.0.1:40000 refused: the memory budget is full (1000 of 1000 bytes buffered)", false)),
                log.events());
    }

    @Test
    void theDefaultLimitIsHalfTheDirectMemoryAndLeavesRoomForTheConnectionsFloors() {
        assertEquals(MemoryBudget.maxDirectMemory() / 2, MemoryBudget.defaultLimit());
        long floor = MemoryBudget.connectionFloor(48 * 1024);
        // A 48 KiB chunk and its base64, a short line and one 64 KiB read.
        assertEquals(49_152 + 65_538 + 4_096 + 65_536, floor);
        int fit = MemoryBudget.connectionsThatFit(MemoryBudget.defaultLimit(), 48 * 1024);
        assertTrue((long) fit * floor <= MemoryBudget.maxDirectMemory() - MemoryBudget.defaultLimit());
        assertTrue((long) (fit + 1) * floor > MemoryBudget.maxDirectMemory() - MemoryBudget.defaultLimit());
    }
}
