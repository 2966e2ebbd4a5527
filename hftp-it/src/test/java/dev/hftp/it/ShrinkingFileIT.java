package dev.hftp.it;

import dev.hftp.codec.testing.TestCertificate;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import static dev.hftp.it.AbuseSupport.KiB;
import static dev.hftp.it.AbuseSupport.MiB;
import static dev.hftp.it.AbuseSupport.figure;
import static dev.hftp.it.AbuseSupport.mib;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A file that shrinks while one of its slices is being sent, in every mode of a slice (base64 and raw, in
 * plaintext and under TLS): the transfer ends, the connection closes, and the event loop that served it goes
 * on serving its other clients. The server runs on a single event loop, so that any stall or spin of the
 * transfer's loop is a stall for the other client as well.
 *
 * <p>Under TLS a raw slice is not a zero-copy file region but the file read in chunks; Netty's
 * {@code ChunkedNioFile} answers a file shorter than promised with empty chunks for ever, on which the
 * {@code ChunkedWriteHandler} spun the event loop at 100% (and no shutdown could end it).
 */
@Timeout(60)
class ShrinkingFileIT {

    private static final int TIMEOUT_MILLIS = 5_000;
    private static final long SIZE = 256L * MiB;
    /** How long the slow client's connection may stay open after the file shrank. */
    private static final long CLOSE_BOUND_MILLIS = 5_000;
    /** How long the other client's request may take while the file shrinks under its neighbour. */
    private static final long PROMPT_MILLIS = 2_000;

    enum Mode {
        BASE64(false, false), RAW(true, false), BASE64_TLS(false, true), RAW_TLS(true, true);

        final boolean raw;
        final boolean tls;

        Mode(boolean raw, boolean tls) {
            this.raw = raw;
            this.tls = tls;
        }
    }

    @TempDir
    static Path certificates;
    private static TestCertificate certificate;

    @TempDir
    Path dir;
    private HftpServer server;
    private final List<HftpTestClient> clients = new ArrayList<>();

    @BeforeAll
    static void certificate() throws Exception {
        certificate = TestCertificate.generate(certificates, "server", "hftp test", "ip:127.0.0.1", "EC");
    }

    @AfterEach
    void stop() throws Exception {
        for (HftpTestClient client : clients) {
            client.close();
        }
        if (server != null) {
            // Bounded, so that a stuck event loop fails this test instead of hanging the build.
            CompletableFuture<Void> closed = CompletableFuture.runAsync(server::close);
            try {
                closed.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("close() did not return in 30 s");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shrinkingFileEndsItsTransferAndItsEventLoopStaysPrompt(Mode mode) throws Exception {
        Path file = dir.resolve("big");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(SIZE);
        }
        HftpServerBootstrap bootstrap = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0)
                .ioThreads(1);
        if (mode.tls) {
            bootstrap.tls(certificate.certPem(), certificate.keyPem());
        }
        server = bootstrap.start();
        HftpTestClient other = connect(mode, 0);
        assertEquals("0 OK", other.command("help").toString());
        other.readLines();

        HftpTestClient slow = connect(mode, 64 * KiB);
        slow.sendRaw("get_slice big 0 " + SIZE + (mode.raw ? " raw" : "") + "\r\n");
        InputStream in = slow.inputStream();
        byte[] buffer = new byte[64 * KiB];
        long received = 0;
        while (received < MiB) {
            int read = in.read(buffer);
            assertTrue(read > 0, "the connection closed after " + received + " bytes, before the truncation");
            received += read;
        }
        // The slow client has stopped reading: the server waits for room to send more.
        Thread.sleep(100);
        long truncated = System.nanoTime();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        AtomicLong afterTruncation = new AtomicLong();
        CompletableFuture<Long> closed = CompletableFuture.supplyAsync(() -> {
            try {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    afterTruncation.addAndGet(read);
                }
            } catch (SocketTimeoutException e) {
                return -1L;
            } catch (IOException e) {
                // A reset ends the connection too.
            }
            return System.nanoTime();
        });

        Thread.sleep(200);
        long helpStart = System.nanoTime();
        try {
            assertEquals("0 OK", other.command("help").toString());
            other.readLines();
        } catch (SocketTimeoutException e) {
            fail("the other client of the event loop got no answer in " + TIMEOUT_MILLIS + " ms after the file "
                    + "shrank under its neighbour: the loop is stuck");
        }
        long helpMillis = (System.nanoTime() - helpStart) / 1_000_000;

        long closedAt;
        try {
            closedAt = closed.get(CLOSE_BOUND_MILLIS + TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
        if (closedAt < 0) {
            fail("the connection of the shrunk file was still open " + TIMEOUT_MILLIS + " ms after its last byte ("
                    + mib(received + afterTruncation.get()) + " received)");
        }
        long closeMillis = (closedAt - truncated) / 1_000_000;
        figure("ShrinkingFileIT", "%s: %s slice truncated to 0 after %s read; connection closed %d ms later (%s "
                + "more received); another client of the same (single) event loop answered in %d ms",
                mode, mib(SIZE), mib(received), closeMillis, mib(afterTruncation.get()), helpMillis);
        assertTrue(closeMillis < CLOSE_BOUND_MILLIS, "closed " + closeMillis + " ms after the truncation");
        assertTrue(helpMillis < PROMPT_MILLIS, "the other client waited " + helpMillis + " ms");
        assertTrue(received + afterTruncation.get() < SIZE, "the whole slice came from a file of 0 bytes");
    }

    private HftpTestClient connect(Mode mode, int receiveBufferBytes) throws Exception {
        HftpTestClient client = mode.tls ? tlsClient(receiveBufferBytes)
                : new HftpTestClient(server.port(), TIMEOUT_MILLIS, receiveBufferBytes);
        clients.add(client);
        return client;
    }

    /** A client over the JDK's TLS socket, trusting the test certificate; its handshake is done. */
    private HftpTestClient tlsClient(int receiveBufferBytes) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        trusted.setCertificateEntry("server", certificate.certificate());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.startHandshake();
        return new HftpTestClient(socket, TIMEOUT_MILLIS);
    }
}
