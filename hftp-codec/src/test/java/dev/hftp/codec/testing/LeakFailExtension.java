package dev.hftp.codec.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails a test class when Netty's detector, at PARANOID, reports a buffer that was never released.
 * Registered for every test class through JUnit's extension auto-detection (see the parent POM).
 */
public final class LeakFailExtension implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(),
                "tests must run with -Dio.netty.leakDetection.level=paranoid");
        // Creating a buffer creates the detector, which proves the custom one is in use.
        Unpooled.buffer(1).release();
        assertTrue(RecordingLeakDetector.isInstalled(),
                "tests must run with -Dio.netty.customResourceLeakDetector=" + RecordingLeakDetector.class.getName());
        RecordingLeakDetector.drain();
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        List<String> leaks = collect();
        if (!leaks.isEmpty()) {
            fail(leaks.size() + " buffer leak(s) reported by Netty's detector:\n" + String.join("\n", leaks));
        }
    }

    /** Collects unreachable buffers and lets the detector report them: it looks at each allocation. */
    static List<String> collect() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
            for (ByteBufAllocator alloc : new ByteBufAllocator[] {
                    PooledByteBufAllocator.DEFAULT, Unpooled.buffer(0).alloc(), ByteBufAllocator.DEFAULT}) {
                ByteBuf heap = alloc.heapBuffer(1);
                ByteBuf direct = alloc.directBuffer(1);
                heap.release();
                direct.release();
            }
        }
        return RecordingLeakDetector.drain();
    }
}
