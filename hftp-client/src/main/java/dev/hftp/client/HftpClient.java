package dev.hftp.client;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * A connection to an HFTP server. Requests are pipelined: each method sends its request at once and returns
 * a future completed by its reply, in the order sent. A reply with an error status completes the future
 * exceptionally with {@link dev.hftp.codec.HftpException} carrying that status; a lost connection with an
 * {@link IOException}. Slices are streamed to their destination as they arrive, never held whole in memory.
 */
public final class HftpClient implements AutoCloseable {

    /** The port of {@code hftp-server} when none is given. */
    public static final int DEFAULT_PORT = 19500;

    private HftpClient() {
    }

    /** Connects to {@code host:port}; blocks until connected or failed. */
    public static HftpClient connect(String host, int port) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }

    /** The names of the served files ({@code get_file_listing}). */
    public CompletableFuture<List<String>> list() {
        throw new UnsupportedOperationException("in progress");
    }

    /** The size in bytes of the file {@code name} ({@code get_metadata}). */
    public CompletableFuture<Long> size(String name) {
        throw new UnsupportedOperationException("in progress");
    }

    /**
     * Streams {@code size} bytes of {@code name} from {@code offset} into {@code out} ({@code get_slice}, with
     * {@code raw} the server's raw form, else base64 decoded here); completes with the number of bytes written.
     * {@code progress} (may be null) receives each increment, on the connection's I/O thread.
     */
    public CompletableFuture<Long> slice(String name, long offset, long size, WritableByteChannel out, boolean raw,
                                         LongConsumer progress) {
        throw new UnsupportedOperationException("in progress");
    }

    /** {@link #slice(String, long, long, WritableByteChannel, boolean, LongConsumer)} into a new file. */
    public CompletableFuture<Long> slice(String name, long offset, long size, Path file, boolean raw) {
        throw new UnsupportedOperationException("in progress");
    }

    /** Sends {@code quit} if the connection is open and closes it. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("in progress");
    }
}
