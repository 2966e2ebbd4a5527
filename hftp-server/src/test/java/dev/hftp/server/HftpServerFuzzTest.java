package dev.hftp.server;

import dev.hftp.server.files.FileCalls;
import dev.hftp.server.files.FileStore;
import dev.hftp.server.pipeline.HftpConnectionHandler;
import dev.hftp.server.pipeline.HftpServerInitializer;
import dev.hftp.server.pipeline.MemoryBudget;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpStatus;
import dev.hftp.codec.testing.FuzzFraming;
import dev.hftp.codec.testing.RequestModel;
import io.netty.buffer.Unpooled;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * Coverage-guided fuzz target (Jazzer) of the request path with the server behind it: fuzzed bytes, cut at fuzzed
 * points ({@link FuzzFraming}), through the pipeline {@link HftpServerInitializer} builds, over a directory that
 * holds one file. What comes back must be, byte for byte, the replies the contract gives to each line
 * ({@link RequestModel} for the request, this class for the reply), in order; after a fatal status (1xx) or
 * {@code quit} the connection is closed and nothing more is sent; no exception, no leak.
 *
 * <p>In {@code mvn verify} the target replays its committed corpus, {@code
 * src/test/resources/dev/hftp/server/HftpServerFuzzTestInputs/requestsGetTheirReplies/}; {@code -Pfuzz} fuzzes it
 * for a bounded time (docs/RELIABILITY.md).
 */
class HftpServerFuzzTest {

    private static final String NAME = "a";
    private static final byte[] CONTENT = "abc".getBytes(StandardCharsets.US_ASCII);
    private static final String HELP = "get_file_listing\r\nget_metadata\r\nget_slice\r\nhelp\r\nquit\r\n\r\n";

    /** The contract's table, written out here rather than taken from the code under test. */
    private static final Map<Integer, String> STATUS_LINES = Map.of(100, "BAD EOL", 101, "BAD REQUEST",
            199, "INTERNAL SERVER ERROR", 200, "NO SUCH COMMAND", 201, "INVALID ARGUMENTS FOR COMMAND",
            202, "FILE NOT FOUND", 203, "OFFSET EXCEEDS FILE SIZE");

    private static Path root;
    private static FileStore store;

    @BeforeAll
    static void serveOneFile() throws IOException {
        root = Files.createTempDirectory("hftp-fuzz");
        Files.write(root.resolve(NAME), CONTENT);
        store = new FileStore(root);
    }

    @AfterAll
    static void removeIt() throws IOException {
        Files.delete(root.resolve(NAME));
        Files.delete(root);
    }

    @FuzzTest
    void requestsGetTheirReplies(byte[] data) throws Exception {
        FuzzFraming input = FuzzFraming.read(data);
        // Small chunks: a slice takes several writes, and the requests behind it wait for its end.
        HftpServerInitializer initializer = new HftpServerInitializer(store, FileCalls.inline(),
                new HftpConnectionHandler(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE)),
                new HftpServerInitializer.Limits(input.limit(), 48, 0), null, null, false, null, new MemoryBudget(Long.MAX_VALUE));
        EmbeddedSocketChannel channel = new EmbeddedSocketChannel(initializer);
        StringBuilder wire = new StringBuilder();
        byte[] bytes = input.payload();
        boolean open;
        try {
            int from = 0;
            int cut = 0;
            while (from < bytes.length && channel.isOpen()) {
                int length = Math.min(input.cuts().get(cut++ % input.cuts().size()), bytes.length - from);
                channel.writeInbound(Unpooled.copiedBuffer(bytes, from, length));
                from += length;
                channel.runPendingTasks();
                channel.checkException();
                wire.append(Wire.drain(channel));
            }
            channel.runPendingTasks();
            wire.append(Wire.drain(channel));
            open = channel.isOpen();
        } finally {
            channel.finishAndReleaseAll();
        }
        StringBuilder expected = new StringBuilder();
        boolean closes = false;
        for (byte[] line : RequestModel.lines(bytes)) {
            HftpRequest request = RequestModel.expected(line);
            expected.append(reply(request));
            closes = request instanceof HftpRequest.Malformed m && m.status().isFatal()
                    || request instanceof HftpRequest.Quit;
            if (closes) {
                break;
            }
        }
        if (!expected.toString().equals(wire.toString())) {
            throw new AssertionError("limit " + input.limit() + ", cuts " + input.cuts() + ": expected "
                    + escape(expected) + ", the server sent " + escape(wire));
        }
        if (closes == open) {
            throw new AssertionError("limit " + input.limit() + ": the connection is " + (closes ? "open" : "closed")
                    + " after " + escape(wire));
        }
    }

    /** The reply the contract gives to {@code request}, over a directory holding {@link #CONTENT} as {@link #NAME}. */
    private static String reply(HftpRequest request) {
        if (request instanceof HftpRequest.Malformed m) {
            return status(m.status());
        }
        if (request instanceof HftpRequest.GetFileListing) {
            return "0 OK\r\n" + NAME + "\r\n\r\n";
        }
        if (request instanceof HftpRequest.Help) {
            return "0 OK\r\n" + HELP;
        }
        if (request instanceof HftpRequest.Quit) {
            return "0 OK\r\n";
        }
        if (request instanceof HftpRequest.GetMetadata g) {
            return g.fileName().equals(NAME) ? "0 OK\r\n" + CONTENT.length + "\r\n" : status(HftpStatus.FILE_NOT_FOUND);
        }
        HftpRequest.GetSlice s = (HftpRequest.GetSlice) request;
        if (!s.fileName().equals(NAME)) {
            return status(HftpStatus.FILE_NOT_FOUND);
        }
        if (s.offset() > CONTENT.length || s.size() > CONTENT.length - s.offset()) {
            return status(HftpStatus.BAD_OFFSET);
        }
        String bytes = new String(CONTENT, (int) s.offset(), (int) s.size(), StandardCharsets.ISO_8859_1);
        return s.raw() ? "0 OK\r\nContent-Length: " + s.size() + "\r\n\r\n" + bytes
                : "0 OK\r\n" + Base64.getEncoder().encodeToString(bytes.getBytes(StandardCharsets.ISO_8859_1)) + "\r\n";
    }

    private static String status(HftpStatus status) {
        return status.code() + " " + STATUS_LINES.get(status.code()) + "\r\n";
    }

    private static String escape(CharSequence s) {
        StringBuilder out = new StringBuilder("\"");
        s.chars().limit(400).forEach(c -> out.append(c == '\r' ? "\\r" : c == '\n' ? "\\n"
                : c < 0x20 || c > 0x7e ? String.format("\\x%02x", c) : String.valueOf((char) c)));
        return out.append(s.length() > 400 ? "...\"" : "\"").toString();
    }
}
