package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Many clients at once, and clients that leave at the worst moment: the server answers every one
 * byte-exactly, and one that vanishes costs it nothing (its file is closed, the others are served).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConcurrencyIT {

    private static final int CLIENTS = 50;
    private static final int RANDOM_SIZE = (1 << 20) + 17;
    private static final long BIG_SIZE = 200_000_000L;
    private static final Set<String> NAMES = Set.of("random.bin", "a.txt", "big", "empty");
    private static final Path PROC_FD = Path.of("/proc/self/fd");

    @TempDir
    Path dir;

    private byte[] random;
    private HftpServer server;

    @BeforeEach
    void setUp() throws IOException {
        random = new byte[RANDOM_SIZE];
        new Random(20260101).nextBytes(random);
        Files.write(dir.resolve("random.bin"), random);
        Files.writeString(dir.resolve("a.txt"), "alpha\r\n");
        Files.write(dir.resolve("empty"), new byte[0]);
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("big").toFile(), "rw")) {
            file.setLength(BIG_SIZE);
            file.seek(BIG_SIZE / 2);
            file.write(random, 0, 4096);
        }
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start();
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void fiftyClientsAtOnceGetByteExactReplies() throws Exception {
        CyclicBarrier allConnected = new CyclicBarrier(CLIENTS);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int id = i;
                results.add(pool.submit(() -> {
                    try (HftpTestClient client = new HftpTestClient(server.port(), 30_000)) {
                        allConnected.await(30, TimeUnit.SECONDS);
                        oneClientSession(client, id);
                    }
                    return null;
                }));
            }
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                try {
                    results.get(i).get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failures.add("client " + i + ": " + e.getCause());
                }
            }
            assertEquals(List.of(), failures);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /** Listing, metadata, a base64 slice and a raw slice, each compared to the byte; then quit. */
    private void oneClientSession(HftpTestClient client, int id) throws IOException {
        assertEquals("0 OK", client.command("get_file_listing").toString());
        List<String> names = client.readLines();
        assertEquals(NAMES.size(), names.size(), "listing " + names);
        assertEquals(NAMES, Set.copyOf(names));

        assertEquals("0 OK", client.command("get_metadata random.bin").toString());
        assertEquals(Integer.toString(RANDOM_SIZE), client.readLine());

        // Every client a different range: offsets and sizes of all residues modulo 3.
        int offset = id * 9_973;
        int size = RANDOM_SIZE - offset - id;
        assertEquals("0 OK", client.command("get_slice random.bin " + offset + " " + size).toString());
        assertBase64Body(client, offset, size);

        int rawOffset = id * 31;
        int rawSize = 65_536 + id;
        assertEquals("0 OK", client.command("get_slice random.bin " + rawOffset + " " + rawSize + " raw")
                .toString());
        assertArrayEquals(Arrays.copyOfRange(random, rawOffset, rawOffset + rawSize), client.readRawSlice());

        assertEquals("0 OK", client.command("quit").toString());
        assertTrue(client.isClosedByServer(), "quit closes the connection");
    }

    /**
     * Reads the base64 line of {@code size} bytes from {@code offset} of the random file and compares it,
     * block by block, with the JDK's encoding of the same bytes, CRLF included: byte-exact, in bulk reads,
     * and without holding the whole line (50 clients at once).
     */
    private void assertBase64Body(HftpTestClient client, int offset, int size) throws IOException {
        Base64.Encoder encoder = Base64.getEncoder();
        int block = 3 * 16 * 1024;
        for (int done = 0; done < size; done += block) {
            int n = Math.min(block, size - done);
            byte[] expected = encoder.encode(Arrays.copyOfRange(random, offset + done, offset + done + n));
            byte[] actual = client.readBytes(expected.length);
            if (!Arrays.equals(expected, actual)) {
                fail("base64 of bytes " + (offset + done) + ".." + (offset + done + n) + " differs");
            }
        }
        assertArrayEquals(new byte[] {'\r', '\n'}, client.readBytes(2), "CRLF after the base64 text");
    }

    /**
     * A client asks for 200 MB, reads a little and vanishes (FIN, or RST with SO_LINGER 0): the server
     * closes the file, keeps serving a client that was connected all along, and accepts new ones.
     */
    @ParameterizedTest(name = "raw={0}, reset={1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void clientVanishingMidTransferCostsNothing(boolean raw, boolean reset) throws Exception {
        try (HftpTestClient bystander = new HftpTestClient(server.port())) {
            assertEquals("0 OK", bystander.command("get_metadata big").toString());
            assertEquals(Long.toString(BIG_SIZE), bystander.readLine());

            HftpTestClient leaver = new HftpTestClient(server.port());
            try {
                assertEquals("0 OK", leaver.command("get_slice big 0 " + BIG_SIZE + (raw ? " raw" : ""))
                        .toString());
                if (raw) {
                    assertEquals("Content-Length: " + BIG_SIZE, leaver.readLine());
                    assertEquals("", leaver.readLine());
                    assertArrayEquals(new byte[65_536], leaver.readBytes(65_536));
                } else {
                    assertEquals("A".repeat(65_536), new String(leaver.readBytes(65_536), StandardCharsets.US_ASCII));
                }
                // The transfer is under way, so the server holds the file open (which shows the check
                // below can see it).
                if (Files.isDirectory(PROC_FD)) {
                    assertTrue(openDescriptorsTo(dir.resolve("big")) > 0, "the file should be open mid-transfer");
                }
                if (reset) {
                    leaver.socket().setSoLinger(true, 0);
                }
            } finally {
                leaver.close();
            }

            // The one connected all along is still served, byte-exactly.
            assertEquals("0 OK", bystander.command("get_slice random.bin 5 1000").toString());
            assertArrayEquals(Arrays.copyOfRange(random, 5, 1005), bystander.readSlice());
            assertServesANewClient();
            assertFileClosedWithin(dir.resolve("big"), 10);
            assertEquals("0 OK", bystander.command("quit").toString());
            assertTrue(bystander.isClosedByServer());
        }
    }

    /**
     * The course's {@code test_multiple_commands}: two requests in one send, only the first reply read,
     * then an abrupt close while the second reply is on its way; repeated, then the server still serves.
     */
    @Test
    void twoRequestsInOneSendThenCloseAfterTheFirstReply() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (HftpTestClient client = new HftpTestClient(server.port())) {
                client.sendRaw("get_file_listing\r\nget_file_listing\r\n");
                assertEquals("0 OK", client.readReply().toString());
            }
        }
        // The same with a slice pending, and a reset instead of a FIN.
        for (int i = 0; i < 5; i++) {
            HftpTestClient client = new HftpTestClient(server.port());
            try {
                client.sendRaw("get_metadata random.bin\r\nget_slice big 0 " + BIG_SIZE + "\r\n");
                assertEquals("0 OK", client.readReply().toString());
                client.socket().setSoLinger(true, 0);
            } finally {
                client.close();
            }
        }
        assertServesANewClient();
        assertFileClosedWithin(dir.resolve("big"), 10);
    }

    private void assertServesANewClient() throws IOException {
        try (HftpTestClient client = new HftpTestClient(server.port())) {
            assertEquals("0 OK", client.command("get_file_listing").toString());
            assertEquals(NAMES, Set.copyOf(client.readLines()));
            assertEquals("0 OK", client.command("get_slice random.bin 1000 3000").toString());
            assertArrayEquals(Arrays.copyOfRange(random, 1000, 4000), client.readSlice());
            assertEquals("0 OK", client.command("get_slice a.txt 0 7 raw").toString());
            assertArrayEquals("alpha\r\n".getBytes(StandardCharsets.US_ASCII), client.readRawSlice());
        }
    }

    /** Waits until no descriptor of this JVM (the server is embedded) refers to {@code file}. */
    private static void assertFileClosedWithin(Path file, int seconds) throws Exception {
        assumeTrue(Files.isDirectory(PROC_FD), "needs /proc/self/fd");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long open;
        while ((open = openDescriptorsTo(file)) > 0) {
            if (System.nanoTime() > deadline) {
                fail(open + " descriptor(s) still open on " + file + " " + seconds + " s after the client left");
            }
            Thread.sleep(50);
        }
    }

    private static long openDescriptorsTo(Path file) throws IOException {
        Path target = file.toRealPath();
        try (Stream<Path> fds = Files.list(PROC_FD)) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(target);
                } catch (IOException | UnsupportedOperationException e) {
                    // Closed in the meantime, or not a link.
                    return false;
                }
            }).count();
        }
    }
}
