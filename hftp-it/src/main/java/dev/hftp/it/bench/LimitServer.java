package dev.hftp.it.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ByteProcessor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The limit reference: answers every request line (framed by LF, whatever it says) with one reply
 * pre-encoded in memory, written as a {@code retainedDuplicate()} of one direct buffer: no file read, no
 * encoding, no parsing. Against it the load generator measures what loopback and the load generator
 * alone allow. The reply is built by {@link ReplySpec}, the load generator's own expectation, so it is
 * exactly what HFTP must send for the benchmark's request.
 */
@Command(name = "limit-server", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Answers every request line with one pre-encoded reply (the benchmark's limit reference).")
public final class LimitServer implements Callable<Integer> {

    enum Reply { METADATA, SLICE, RAW, LINE }

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "Port; 0 picks one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--reply", defaultValue = "slice",
            description = "${COMPLETION-CANDIDATES}: the HFTP reply to get_metadata / get_slice / get_slice raw of "
                    + "--file, or --line-reply (default: ${DEFAULT-VALUE}).")
    Reply reply;

    @Option(names = "--file", paramLabel = "PATH", description = "File whose metadata or slice is the reply.")
    Path file;

    @Option(names = "--offset", defaultValue = "0", description = "Slice offset (default: ${DEFAULT-VALUE}).")
    long offset;

    @Option(names = "--size", defaultValue = "-1", description = "Slice size (default: the rest of the file).")
    long size;

    @Option(names = "--line-reply", defaultValue = "200 NO SUCH COMMAND",
            description = "Reply line for --reply line, CRLF added (default: ${DEFAULT-VALUE}).")
    String lineReply;

    @Option(names = "--io-threads", defaultValue = "0", description = "Event-loop threads; 0: Netty's default.")
    int ioThreads;

    @Option(names = "--transport", description = "epoll, io_uring or nio (default: epoll if available, else nio).")
    BenchTransport transport;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LimitServer()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        byte[] bytes = replyBytes();
        ByteBuf encoded = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        BenchTransport chosen = BenchTransport.resolve(transport);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads, chosen.ioHandlerFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(chosen.serverChannel)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new Answer(encoded))
                    .bind(new InetSocketAddress(host, port)).sync().channel();
            int bound = ((InetSocketAddress) server.localAddress()).getPort();
            // One write of the whole line: the script reads it as soon as it appears.
            System.out.println(String.format(Locale.ROOT, "LimitServer listening on %s:%d (%s, reply %s: %d bytes)",
                    host, bound, chosen.name().toLowerCase(Locale.ROOT), reply.name().toLowerCase(Locale.ROOT),
                    bytes.length));
            System.out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "limit-shutdown"));
            stop.await();
            server.close().sync();
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            encoded.release();
        }
    }

    private byte[] replyBytes() throws Exception {
        if (reply == Reply.LINE) {
            return ReplySpec.ascii(lineReply + "\r\n");
        }
        if (file == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--file is required for --reply " + reply);
        }
        String name = file.getFileName().toString();
        ReplySpec spec = reply == Reply.METADATA
                ? ReplySpec.metadata(name, file)
                : ReplySpec.slice(name, file, offset, size >= 0 ? size : Files.size(file) - offset, reply == Reply.RAW);
        if (spec.replyLength() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("reply too large to hold in one buffer: " + spec.replyLength());
        }
        byte[] all = new byte[(int) spec.replyLength()];
        System.arraycopy(spec.head, 0, all, 0, spec.head.length);
        spec.body.duplicate().get(all, spec.head.length, spec.bodyLength());
        System.arraycopy(spec.tail, 0, all, spec.head.length + spec.bodyLength(), spec.tail.length);
        return all;
    }

    /** Writes one duplicate of the reply per LF read; flushes once per read batch. Stateless, shared. */
    @ChannelHandler.Sharable
    static final class Answer extends ChannelInboundHandlerAdapter {
        private final ByteBuf reply;

        Answer(ByteBuf reply) {
            this.reply = reply;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                int i = in.readerIndex();
                int end = in.writerIndex();
                while (i < end) {
                    int lf = in.forEachByte(i, end - i, ByteProcessor.FIND_LF);
                    if (lf < 0) {
                        break;
                    }
                    ctx.write(reply.retainedDuplicate(), ctx.voidPromise());
                    i = lf + 1;
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
