package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slices larger than 2 GiB of a 3 GiB sparse file, base64 and raw, checked by SHA-256 against the file.
 *
 * <p>Runs in failsafe's {@code large-slice} execution, in a JVM of its own capped at 64 MiB of heap (and so
 * 64 MiB of direct memory), with the server embedded in that JVM: a server that held a slice, or ignored
 * the client's pace, would run out of memory here. The client reads and hashes the reply as a stream, and
 * pauses mid-transfer so that a server that kept writing regardless would pile the slice up in memory.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LargeSliceIT {

    private static final long GIB = 1L << 30;
    private static final long FILE_SIZE = 3 * GIB;
    private static final long TWO_GIB = 2 * GIB;
    /** Bytes not equal to zero at these offsets, around the ends of both slices, 2^31 and the end of file. */
    private static final long[] MARKERS = {
        0, 999, 1000, 1001, 621_225_471, 621_225_472, 621_225_473,
        TWO_GIB - 2, TWO_GIB - 1, TWO_GIB, TWO_GIB + 1,
        3_000_000_999L, 3_000_001_000L, FILE_SIZE - 2, FILE_SIZE - 1
    };
    /** Blocks of random bytes: one across 2^31, one past 2.8 GB. */
    private static final long[] RANDOM_BLOCKS = {TWO_GIB - 300_000, 2_900_000_000L};
    private static final int RANDOM_BLOCK_SIZE = 1 << 20;

    /** The base64 slice: 3,000,000,000 bytes from 1000, i.e. 4,000,000,000 characters of base64. */
    private static final long SLICE_OFFSET = 1000;
    private static final long SLICE_SIZE = 3_000_000_000L;
    /** The raw slice: the last 2.6 GB of the file, more than 2 GiB, across 2^31 and up to the very end. */
    private static final long RAW_SIZE = 2_600_000_000L;
    private static final long RAW_OFFSET = FILE_SIZE - RAW_SIZE;

    /** The client stops reading for this long, once, mid-transfer. */
    private static final long PAUSE_MILLIS = 3_000;
    private static final int READ_TIMEOUT_MILLIS = 60_000;

    @TempDir
    static Path dir;

    private static Path big;
    private static HftpServer server;

    @BeforeAll
    static void createFileAndStartServer() throws IOException {
        // The cap is what makes this test prove anything: refuse to run without it.
        assertTrue(Runtime.getRuntime().maxMemory() <= 80L << 20,
                "LargeSliceIT must run with -Xmx64m (failsafe execution large-slice); max heap is "
                        + Runtime.getRuntime().maxMemory());
        assertTrue(PlatformDependent.maxDirectMemory() <= 80L << 20,
                "direct memory must be capped like the heap; it is " + PlatformDependent.maxDirectMemory());
        big = dir.resolve("big");
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(FILE_SIZE);
            for (long offset : MARKERS) {
                file.seek(offset);
                // Never zero, and different at neighbouring offsets.
                file.write((int) (offset % 251) + 1);
            }
            Random random = new Random(42);
            byte[] block = new byte[RANDOM_BLOCK_SIZE];
            for (long offset : RANDOM_BLOCKS) {
                random.nextBytes(block);
                file.seek(offset);
                file.write(block);
            }
        }
        assertEquals(FILE_SIZE, big.toFile().length());
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void base64SliceOfThreeBillionBytesAcross2To31() throws Exception {
        checkBase64Slice(SLICE_OFFSET, SLICE_SIZE, GIB);
    }

    /**
     * Asks for a base64 slice, decodes the line as it arrives, and compares its SHA-256 with the file's;
     * the client stops reading for {@link #PAUSE_MILLIS} once {@code pauseAt} bytes are decoded.
     */
    private void checkBase64Slice(long offset, long size, long pauseAt) throws Exception {
        long start = System.nanoTime();
        String expected = fileDigest(offset, size);
        long hashed = System.nanoTime();
        try (HftpTestClient client = new HftpTestClient(server.port(), READ_TIMEOUT_MILLIS)) {
            HftpTestClient.Reply reply = client.command("get_slice big " + offset + " " + size);
            assertEquals("0 OK", reply.toString());

            CrlfTerminatedStream body = new CrlfTerminatedStream(client.inputStream());
            MessageDigest digest = TestFiles.newSha256();
            long decoded = decodeBase64(body, digest, pauseAt);
            assertTrue(body.ended(), "the base64 line must end with CRLF");
            assertEquals(4 * ((size + 2) / 3), body.count(), "base64 characters on the line");
            assertEquals(size, decoded, "decoded bytes");
            assertEquals(expected, hex(digest), "SHA-256 of the decoded slice");

            // The reply ended exactly there: the connection answers the next request.
            assertEquals("0 OK", client.command("get_metadata big").toString());
            assertEquals(Long.toString(FILE_SIZE), client.readLine());
            assertEquals("0 OK", client.command("quit").toString());
            assertTrue(client.isClosedByServer());
        }
        long done = System.nanoTime();
        report("base64", size, hashed - start, done - hashed);
    }

    /**
     * Decodes the base64 text of {@code body} block by block into {@code digest}, strictly: the standard
     * alphabet only, padding only at the very end; returns the number of bytes decoded. (The JDK's
     * {@code Base64.getDecoder().wrap} is as strict but reads a byte at a time: 3 to 4 times slower here.)
     */
    private static long decodeBase64(InputStream body, MessageDigest digest, long pauseAt) throws Exception {
        Base64.Decoder decoder = Base64.getDecoder();
        byte[] text = new byte[64 * 1024];
        int have = 0;
        long decoded = 0;
        boolean padded = false;
        boolean paused = false;
        while (true) {
            int n = body.read(text, have, text.length - have);
            if (n > 0) {
                have += n;
            }
            int whole = n < 0 ? have : have - have % 4;
            if (whole > 0 && (n < 0 || have == text.length)) {
                if (padded) {
                    throw new IOException("base64 text after the padding, at byte " + decoded);
                }
                padded = text[whole - 1] == '=';
                // Throws IllegalArgumentException on a character outside the alphabet or a bad length.
                ByteBuffer bytes = decoder.decode(ByteBuffer.wrap(text, 0, whole));
                decoded += bytes.remaining();
                digest.update(bytes);
                System.arraycopy(text, whole, text, 0, have - whole);
                have -= whole;
            }
            if (n < 0) {
                return decoded;
            }
            if (!paused && decoded >= pauseAt) {
                paused = true;
                Thread.sleep(PAUSE_MILLIS);
            }
        }
    }

    @Test
    void rawSliceOfMoreThan2GiBAcross2To31() throws Exception {
        long start = System.nanoTime();
        String expected = fileDigest(RAW_OFFSET, RAW_SIZE);
        long hashed = System.nanoTime();
        try (HftpTestClient client = new HftpTestClient(server.port(), READ_TIMEOUT_MILLIS)) {
            HftpTestClient.Reply reply = client.command("get_slice big " + RAW_OFFSET + " " + RAW_SIZE + " raw");
            assertEquals("0 OK", reply.toString());
            assertEquals("Content-Length: " + RAW_SIZE, client.readLine());
            assertEquals("", client.readLine());

            InputStream in = client.inputStream();
            MessageDigest digest = TestFiles.newSha256();
            byte[] buffer = new byte[256 * 1024];
            long remaining = RAW_SIZE;
            boolean paused = false;
            while (remaining > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw new IOException("connection closed with " + remaining + " of " + RAW_SIZE + " bytes left");
                }
                digest.update(buffer, 0, n);
                remaining -= n;
                if (!paused && RAW_SIZE - remaining >= GIB) {
                    paused = true;
                    Thread.sleep(PAUSE_MILLIS);
                }
            }
            assertEquals(expected, hex(digest), "SHA-256 of the raw slice");

            // No trailing bytes after the raw body: the next status line comes right after it.
            assertEquals("0 OK", client.command("get_metadata big").toString());
            assertEquals(Long.toString(FILE_SIZE), client.readLine());
            assertEquals("0 OK", client.command("quit").toString());
            assertTrue(client.isClosedByServer());
        }
        long done = System.nanoTime();
        report("raw", RAW_SIZE, hashed - start, done - hashed);
    }

    /** The range checks hold with offsets and sizes past 2^31 (64-bit arithmetic, no overflow). */
    @Test
    void rangeChecksAtTheEndOfA3GiBFile() throws IOException {
        try (HftpTestClient client = new HftpTestClient(server.port())) {
            assertEquals("0 OK", client.command("get_slice big " + FILE_SIZE + " 0").toString());
            assertEquals("", client.readLine());
            assertEquals("0 OK", client.command("get_slice big " + (FILE_SIZE - 1) + " 1").toString());
            assertArrayEquals(new byte[] {(byte) ((FILE_SIZE - 1) % 251 + 1)}, client.readSlice());
            assertEquals("203 OFFSET EXCEEDS FILE SIZE",
                    client.command("get_slice big " + (FILE_SIZE + 1) + " 0").toString());
            assertEquals("203 OFFSET EXCEEDS FILE SIZE",
                    client.command("get_slice big " + RAW_OFFSET + " " + (RAW_SIZE + 1) + " raw").toString());
            assertEquals("203 OFFSET EXCEEDS FILE SIZE",
                    client.command("get_slice big 1 " + Long.MAX_VALUE).toString());
            assertEquals("203 OFFSET EXCEEDS FILE SIZE",
                    client.command("get_slice big " + Long.MAX_VALUE + " " + Long.MAX_VALUE).toString());
            assertEquals("0 OK", client.command("get_metadata big").toString());
            assertEquals(Long.toString(FILE_SIZE), client.readLine());
        }
    }

    /** The SHA-256 of {@code size} bytes of the file from {@code offset}, read as a stream. */
    private static String fileDigest(long offset, long size) throws IOException {
        MessageDigest digest = TestFiles.newSha256();
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel channel = FileChannel.open(big, StandardOpenOption.READ)) {
            long position = offset;
            long end = offset + size;
            while (position < end) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw new IOException("file ended at " + position);
                }
                position += n;
                digest.update(buffer.flip());
            }
        }
        return hex(digest);
    }

    private static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void report(String kind, long size, long hashNanos, long transferNanos) {
        double seconds = transferNanos / 1e9;
        AbuseSupport.sayf("LargeSliceIT %s: %,d bytes; file digest %.1f s; transfer %.1f s (%.0f MB/s, "
                        + "with a %d ms pause)%n",
                kind, size, hashNanos / 1e9, seconds, size / 1e6 / seconds, PAUSE_MILLIS);
    }

    /**
     * The bytes of one reply line up to its CRLF, which is checked and not returned; then end of stream.
     * Reads the socket in blocks: the server sends nothing past the CRLF until it is asked again, and any
     * byte it did send there fails the read.
     */
    static final class CrlfTerminatedStream extends InputStream {
        private final InputStream in;
        private final byte[] buffer = new byte[64 * 1024];
        private int position;
        private int limit;
        private long count;
        private boolean sawCr;
        private boolean ended;

        CrlfTerminatedStream(InputStream in) {
            this.in = in;
        }

        /** Whether the CRLF was read. */
        boolean ended() {
            return ended;
        }

        /** How many bytes of the line were returned, CRLF excluded. */
        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (!ended) {
                if (position == limit && !fill()) {
                    throw new IOException("connection closed after " + count + " bytes, before the CRLF");
                }
                if (sawCr) {
                    if (buffer[position++] != '\n') {
                        throw new IOException("CR not followed by LF after " + count + " bytes");
                    }
                    ended = true;
                    if (position != limit) {
                        throw new IOException((limit - position) + " unexpected bytes after the CRLF");
                    }
                    break;
                }
                int n = 0;
                int max = Math.min(len, limit - position);
                while (n < max) {
                    byte c = buffer[position + n];
                    if (c == '\r') {
                        sawCr = true;
                        break;
                    }
                    if (c == '\n') {
                        throw new IOException("lone LF after " + (count + n) + " bytes");
                    }
                    n++;
                }
                if (sawCr) {
                    // Skip the CR itself.
                    System.arraycopy(buffer, position, b, off, n);
                    position += n + 1;
                    count += n;
                    if (n > 0) {
                        return n;
                    }
                    continue;
                }
                System.arraycopy(buffer, position, b, off, n);
                position += n;
                count += n;
                return n;
            }
            return -1;
        }

        private boolean fill() throws IOException {
            int n = in.read(buffer);
            if (n < 0) {
                return false;
            }
            position = 0;
            limit = n;
            return true;
        }
    }
}
