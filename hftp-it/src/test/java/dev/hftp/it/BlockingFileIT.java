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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

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
