package dev.hftp.server.pipeline;

import io.netty.util.internal.PlatformDependent;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes that all the connections of one server hold buffered at once: replies queued for their clients
 * (listings, chunks of slices, status lines) and unfinished request lines. Each connection charges what it holds
 * ({@link BufferBudgetHandler}); past half the limit the server is under pressure, and each connection then
 * holds little: a transfer keeps one chunk in flight, a connection with a long unfinished line is not read. At the
 * limit new connections are refused.
 *
 * <p>What a connection may still take under pressure (its {@linkplain #connectionFloor floor}) is not charged
 * ahead: the direct memory the limit leaves free holds the floors of {@linkplain #connectionsThatFit as many
 * connections as it can}, which is why the default limit is half of the JVM's direct memory.
 */
public final class MemoryBudget {

    /**
     * A connection whose unfinished line holds no more than this is still read under pressure: a valid request is
     * a few hundred bytes at most, and a client that sends a request a byte at a time must still be answered.
     */
    static final int LINE_ALLOWANCE = 4 * 1024;
    /** The most a socket read takes at once (the server's receive-buffer allocator is capped at it). */
    public static final int MAX_READ = 64 * 1024;

    /** Told, once, that the server is no longer under pressure. Called from any thread. */
    public interface Waiter {
        void budgetFreed();
    }

    private final long limit;
    private final long pressure;
    private final AtomicLong used = new AtomicLong();
    private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();

    public MemoryBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("memory budget: " + limit + " (expected: > 0)");
        }
        this.limit = limit;
        this.pressure = limit / 2;
    }

    /** Half the JVM's direct memory ({@code -XX:MaxDirectMemorySize}, else the heap's maximum). */
    public static long defaultLimit() {
        return maxDirectMemory() / 2;
    }

    /** What Netty may allocate in direct buffers, which is what fails with OutOfMemoryError past it. */
    public static long maxDirectMemory() {
        return PlatformDependent.maxDirectMemory();
    }

    /**
     * The direct memory a connection may take beyond the budget: a chunk in flight (read from the file, then its
     * base64, both alive for an instant), a short unfinished line and one socket read on top of it.
     */
    public static long connectionFloor(int chunkSize) {
        long encoded = 4L * ((chunkSize + 2) / 3) + 2;
        return chunkSize + encoded + LINE_ALLOWANCE + MAX_READ;
    }

    /** How many connections' floors the direct memory left beside {@code limit} holds; at least one. */
    public static int connectionsThatFit(long limit, int chunkSize) {
        long free = maxDirectMemory() - limit;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, free / connectionFloor(chunkSize)));
    }

    void charge(long bytes) {
        used.addAndGet(bytes);
    }

    void release(long bytes) {
        long after = used.addAndGet(-bytes);
        if (after < pressure && after + bytes >= pressure) {
            wakeAll();
        }
    }

    /** Whether connections should hold as little as they can: past half the limit. */
    boolean underPressure() {
        return used.get() >= pressure;
    }

    /** Whether no new connection can be taken. */
    boolean full() {
        return used.get() >= limit;
    }

    /**
     * Calls {@code waiter} back once the server is no longer under pressure (at once, from this thread, if it is
     * not any more).
     */
    void awaitRelief(Waiter waiter) {
        waiting.add(waiter);
        // The pressure may have ended between the caller's check and the add, with no one left to wake it.
        if (!underPressure() && waiting.remove(waiter)) {
            waiter.budgetFreed();
        }
    }

    void stopWaiting(Waiter waiter) {
        waiting.remove(waiter);
    }

    private void wakeAll() {
        for (Waiter waiter : waiting) {
            if (waiting.remove(waiter)) {
                waiter.budgetFreed();
            }
        }
    }

    public long used() {
        return used.get();
    }

    public long limit() {
        return limit;
    }
}
