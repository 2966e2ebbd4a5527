package dev.hftp.it;

import dev.hftp.it.AbuseSupport.Memory;
import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.hftp.it.AbuseSupport.MiB;
import static dev.hftp.it.AbuseSupport.figure;
import static dev.hftp.it.AbuseSupport.memory;
import static dev.hftp.it.AbuseSupport.mib;
import static dev.hftp.it.AbuseSupport.millis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every reply is backpressured, not only slices: a client that pipelines thousands of requests whose replies are
 * large (listings, help) and reads none of them holds no more than a write buffer's worth of replies, and the other
 * clients of its event loop are answered meanwhile. One event loop, so that the two clients share it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlowControlIT {

    /** As seen when the issue was filed: 3,640 listings of a 2,000-file directory in one packet. */
    private static final int FILES = 2_000;
    private static final int LISTINGS = 3_640;

    @TempDir
    Path dir;

    private HftpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aClientThatPipelinesListingsAndNeverReadsHoldsLittleAndDelaysNoOne() throws Exception {
        for (int i = 0; i < FILES; i++) {
            Files.createFile(dir.resolve(String.format("file-with-a-longer-name-%04d.dat", i)));
        }
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).ioThreads(1).start();
        Memory before = memory();
        try (HftpTestClient greedy = new HftpTestClient(server.port(), 10_000, 4096);
             HftpTestClient other = new HftpTestClient(server.port(), 10_000)) {
            greedy.sendRaw("get_file_listing\r\n".repeat(LISTINGS));
            long worst = 0;
            for (int i = 0; i < 20; i++) {
                long start = System.nanoTime();
                HftpTestClient.Reply reply = other.command("get_metadata file-with-a-longer-name-0001.dat");
                assertEquals("0", other.readLine());
                worst = Math.max(worst, System.nanoTime() - start);
                assertEquals(0, reply.code());
                Thread.sleep(50);
            }
            Memory during = memory();
            long held = during.directGrowthSince(before);
            figure("FlowControlIT", "%d listings of %d files pipelined by a client that reads nothing: another "
                    + "client's metadata took at most %s; the server's buffers grew by %s",
                    LISTINGS, FILES, millis(worst), mib(held));
            assertTrue(worst < TimeUnit.SECONDS.toNanos(2), "another client waited " + millis(worst));
            // A write buffer (256 KiB) and a listing or two, not thousands of listings (50 MB and more).
            assertTrue(held < 8 * MiB, "the server holds " + mib(held) + " for a client that reads nothing");
        }
    }
}
