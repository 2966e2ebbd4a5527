package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.SocketTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.hftp.it.AbuseSupport.figure;
import static dev.hftp.it.AbuseSupport.millis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A file whose {@code open} blocks (here: a write lease its owner holds, {@code F_SETLEASE}, which makes every
 * other open wait until the owner lets go, for up to the kernel's lease-break time, 45 s by default) costs its own
 * client a {@code 199} after the file timeout and costs nobody else anything: opens run on file threads, not on
 * the event loop. One event loop, so that the two clients share it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BlockingFileIT {

    /** Takes a write lease on a file and holds it for some seconds, ignoring the kernel's request to let go. */
    private static final String LEASE_HOLDER = String.join("\n",
            "import fcntl, os, sys, time, signal",
            "signal.signal(signal.SIGIO, lambda *a: None)",
            "fd = os.open(sys.argv[1], os.O_RDONLY)",
            "fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)",
            "print('lease taken', flush=True)",
            "time.sleep(float(sys.argv[2]))",
            "fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)",
            "print('released', flush=True)", "");
    private static final int LEASE_SECONDS = 6;

    @TempDir
    Path dir;

    private HftpServer server;
    private Process holder;

    @AfterEach
    void stop() throws IOException, InterruptedException {
        if (holder != null) {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            // Closed now, not when the JDK's reaper gets to them: later tests count this JVM's descriptors.
            holder.getInputStream().close();
            holder.getOutputStream().close();
            holder.getErrorStream().close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aLeasedFileCostsItsClientA199AndNoOneElseAnything() throws Exception {
        Path leased = Files.writeString(dir.resolve("leased.txt"), "held by its owner");
        Files.writeString(dir.resolve("other.txt"), "free");
        Path script = Files.writeString(dir.resolve("lease.py.txt"), LEASE_HOLDER);
        holder = startLeaseHolder(script, leased);
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).ioThreads(1)
                .fileTimeout(Duration.ofSeconds(1)).start();
        try (HftpTestClient blocked = new HftpTestClient(server.port(), 20_000);
             HftpTestClient other = new HftpTestClient(server.port(), 20_000)) {
            long start = System.nanoTime();
            blocked.sendRaw("get_slice leased.txt 0 4\r\n");
            Thread.sleep(100);
            long worst = 0;
            for (int i = 0; i < 10; i++) {
                long asked = System.nanoTime();
                assertEquals(0, other.command("get_metadata other.txt").code());
                assertEquals("4", other.readLine());
                worst = Math.max(worst, System.nanoTime() - asked);
                Thread.sleep(100);
            }
            HftpTestClient.Reply reply = blocked.readReply();
            long answered = System.nanoTime() - start;
            assertEquals(199, reply.code(), "the client of the leased file gets 199 after the file timeout");
            assertTrue(blocked.isClosedByServer(), "and its connection is closed");
            figure("BlockingFileIT", "an open blocked by a lease (%d s): its client got 199 after %s; another "
                    + "client's requests took at most %s meanwhile", LEASE_SECONDS, millis(answered), millis(worst));
            assertTrue(worst < TimeUnit.SECONDS.toNanos(2), "another client waited " + millis(worst));
            assertTrue(answered < TimeUnit.SECONDS.toNanos(LEASE_SECONDS - 2), "199 took " + millis(answered));
        }
        // Once the owner lets go, the late open returns and what it opened is closed.
        assertTrue(holder.waitFor(LEASE_SECONDS + 10, TimeUnit.SECONDS), "the lease holder ends");
        assertTrue(ProcFds.await(5_000, () -> ProcFds.countOpenOn(leased) == 0), "the late open's file is closed");
        try (HftpTestClient again = new HftpTestClient(server.port(), 5_000)) {
            assertEquals(0, again.command("get_slice leased.txt 0 4").code());
        }
    }

    /**
     * A name swapped between a regular file and a FIFO, over and over, while a client asks for it: sooner or later
     * the server checks the regular file and opens the FIFO, and an open of a FIFO with no writer never returns.
     * On the event loop that stopped every client of the loop for good (and SIGTERM with it); on a file thread it
     * costs that client a 199 after the file timeout. Another client of the same loop is answered throughout.
     */
    @Test
    void aNameSwappedForAFifoCostsNoOneElseAnything() throws Exception {
        Path fifo = dir.resolve("swap.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mkfifo.waitFor() == 0, "mkfifo is not available");
        Path regular = Files.writeString(dir.resolve("swap.regular"), "a regular file");
        Path swap = dir.resolve("swap");
        Files.writeString(dir.resolve("other.txt"), "free");
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).ioThreads(1)
                .fileTimeout(Duration.ofSeconds(1)).start();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong swaps = new AtomicLong();
        AtomicLong asked = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread swapper = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Files.move(regular, swap, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(swap, regular, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(fifo, swap, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(swap, fifo, StandardCopyOption.ATOMIC_MOVE);
                    swaps.incrementAndGet();
                }
            } catch (IOException e) {
                failure.set(e);
            }
        }, "fifo-swapper");
        Thread attacker = new Thread(() -> {
            while (!stop.get()) {
                try (HftpTestClient client = new HftpTestClient(server.port(), 5_000)) {
                    while (!stop.get()) {
                        asked.incrementAndGet();
                        int code = client.command("get_slice swap 0 1").code();
                        if (code == 0) {
                            client.readSlice();
                        } else if (code == 199) {
                            break;
                        }
                    }
                } catch (IOException closedOrSlow) {
                    // A connection closed after its 199, or the server stuck: a new connection, while the test runs.
                }
            }
        }, "fifo-attacker");
        long worst = 0;
        int answered = 0;
        swapper.start();
        attacker.start();
        try (HftpTestClient other = new HftpTestClient(server.port(), 5_000)) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            while (System.nanoTime() < end) {
                long start = System.nanoTime();
                try {
                    assertEquals(0, other.command("get_metadata other.txt").code());
                    assertEquals("4", other.readLine());
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("another client of the loop got no answer in 5 s (" + asked.get()
                            + " requests for the swapped name, " + swaps.get() + " swaps)", e);
                }
                worst = Math.max(worst, System.nanoTime() - start);
                answered++;
                Thread.sleep(20);
            }
        } finally {
            stop.set(true);
            swapper.join(5_000);
            attacker.join(10_000);
            // Opened for reading and writing, a FIFO never blocks, and it lets every open stuck on it return.
            if (Files.exists(swap, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(swap, Files.isRegularFile(swap, LinkOption.NOFOLLOW_LINKS) ? regular : fifo,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
        }
        assertEquals(null, failure.get(), "the swapper ran throughout");
        figure("BlockingFileIT", "a name swapped for a FIFO %,d times while asked for %,d times: another client "
                + "of the loop had %d requests answered, the slowest in %s", swaps.get(), asked.get(), answered,
                millis(worst));
        assertTrue(worst < TimeUnit.SECONDS.toNanos(2), "another client waited " + millis(worst));
    }

    /** Starts the holder and waits until it holds the lease; skips the test where leases cannot be taken. */
    private static Process startLeaseHolder(Path script, Path file) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder("python3", script.toString(), file.toString(), String.valueOf(LEASE_SECONDS))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "needs python3 to take a lease: " + e.getMessage());
            throw e;
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assumeTrue("lease taken".equals(line), "cannot take a lease here: " + line);
        return process;
    }
}
