package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.hftp.it.AbuseSupport.figure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing outside the served directory is served, even while someone with write access to it swaps what its names
 * stand for: a directory on the way of a link swapped for a link to elsewhere, or the served directory itself
 * replaced by a link.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PathEscapeIT {

    private static final String INSIDE = "inside, may be served";
    private static final String SECRET = "SECRET: outside the served directory, never to be served";

    @TempDir
    Path tmp;

    private HftpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /**
     * {@code x -> sub/f} is served, and {@code sub} is swapped again and again for a link to a directory outside
     * that holds an {@code f} of its own: no reply may carry that file, its bytes or its size.
     */
    @Test
    void aDirectorySwappedForALinkOnTheWayOfALinkLeadsNowhere() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("data"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("f"), SECRET);
        Path sub = Files.createDirectories(root.resolve("sub"));
        Files.writeString(sub.resolve("f"), INSIDE);
        Files.createSymbolicLink(root.resolve("x"), Path.of("sub", "f"));
        server = new HftpServerBootstrap().directory(root).address("127.0.0.1").port(0).start();

        AtomicBoolean swapping = new AtomicBoolean(true);
        AtomicLong swaps = new AtomicLong();
        Thread swapper = new Thread(() -> {
            Path aside = root.resolve("sub.aside");
            try {
                while (swapping.get()) {
                    Files.move(sub, aside, StandardCopyOption.ATOMIC_MOVE);
                    Files.createSymbolicLink(sub, outside);
                    Thread.onSpinWait();
                    Files.delete(sub);
                    Files.move(aside, sub, StandardCopyOption.ATOMIC_MOVE);
                    swaps.incrementAndGet();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "swapper");
        swapper.start();
        String secretBase64 = Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.US_ASCII));
        String insideBase64 = Base64.getEncoder().encodeToString(INSIDE.getBytes(StandardCharsets.US_ASCII));
        long served = 0;
        long notFound = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        try (HftpTestClient client = new HftpTestClient(server.port(), 10_000)) {
            while (System.nanoTime() < deadline) {
                HftpTestClient.Reply size = client.command("get_metadata x");
                if (size.code() == 0) {
                    assertEquals(String.valueOf(INSIDE.length()), client.readLine(), "the size of the file outside");
                    served++;
                } else {
                    assertEquals(202, size.code());
                    notFound++;
                }
                HftpTestClient.Reply slice = client.command("get_slice x 0 10");
                if (slice.code() == 0) {
                    String body = client.readLine();
                    assertFalse(secretBase64.startsWith(body), "served the file outside: " + body);
                    assertTrue(insideBase64.startsWith(body.substring(0, 12)), body);
                    served++;
                } else {
                    // 202, or 203: a file of another size
                    assertEquals(202, slice.code(), "the range of the file outside was checked");
                    notFound++;
                }
            }
        } finally {
            swapping.set(false);
            swapper.join(10_000);
        }
        figure("PathEscapeIT", "%d swaps of a directory on a link's way for a link outside: %d replies served the "
                + "file inside, %d were 202, none the file outside", swaps.get(), served, notFound);
        assertTrue(swaps.get() > 100, "the swapper ran: " + swaps.get());
        assertTrue(served > 0, "the file inside was served between swaps");
    }

    /** {@code mv data data.old; ln -s /elsewhere data}: nothing of elsewhere is listed or served. */
    @Test
    void theServedDirectoryReplacedByALinkServesNothing() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(root.resolve("inside.txt"), INSIDE);
        Path elsewhere = Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(elsewhere.resolve("passwd"), SECRET);
        server = new HftpServerBootstrap().directory(root).address("127.0.0.1").port(0).start();
        try (HftpTestClient client = new HftpTestClient(server.port(), 10_000)) {
            assertEquals(0, client.command("get_metadata inside.txt").code());
            client.readLine();
            Files.move(root, tmp.resolve("data.old"));
            Files.createSymbolicLink(root, elsewhere);
            assertEquals(0, client.command("get_file_listing").code());
            assertEquals("", client.readLine(), "the listing of the link's target");
            assertEquals(202, client.command("get_metadata passwd").code());
            assertEquals(202, client.command("get_slice passwd 0 6").code());
            // Once it is a directory again, it is served again.
            Files.delete(root);
            Files.move(tmp.resolve("data.old"), root);
            assertEquals(0, client.command("get_file_listing").code());
            assertEquals("inside.txt", client.readLine());
            assertEquals("", client.readLine());
        }
    }
}
