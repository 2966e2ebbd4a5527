package dev.hftp.server.files;

import dev.hftp.server.logging.Wording;

import dev.hftp.server.logging.RateLimitedLog;

import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpStatus;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the file calls that can block ({@code open}, listing, following links) on threads of their own, so that an
 * event loop never waits for a named pipe, a leased file or a slow disk, and hands each result back to the
 * connection's event loop.
 *
 * <p>A call that has not returned after the timeout fails with {@code 199} (the connection that made it is closed)
 * and its thread is left to it: it is replaced, so that the other calls keep as many threads, up to a bound of
 * stuck threads; past that bound, calls fail with {@code 199} at once rather than queue behind stuck ones. What a
 * late call returns is discarded (a file it opened is closed).
 */
public final class FileCalls implements AutoCloseable {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(FileCalls.class);

    /** A body of file work that may block and may fail with the status to answer. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws HftpException;
    }

    /** What to do with a result nobody will use: close what it holds. */
    @FunctionalInterface
    public interface Discard<T> {
        void discard(T result);
    }

    /** Null for {@link #inline()}. */
    private final ThreadPoolExecutor threads;
    private final int poolSize;
    private final long timeoutNanos;
    private final int maxStuck;
    private final AtomicInteger stuck = new AtomicInteger();
    /** A file system that stops answering leaves every call stuck: one line a second, not one each. */
    private final RateLimitedLog stuckCalls = new RateLimitedLog(logger, "file call",
            "{} outlived the timeout in the last {} s; {} now waiting on the file system");

    /**
     * {@code poolSize} threads for calls, each call allowed {@code timeout}; at most {@code maxStuck} threads
     * left to calls that outlived it.
     */
    public FileCalls(int poolSize, Duration timeout, int maxStuck) {
        this.poolSize = poolSize;
        this.timeoutNanos = timeout.toNanos();
        this.maxStuck = maxStuck;
        // Each connection has one call at a time, so the queue holds at most one call per connection.
        this.threads = new ThreadPoolExecutor(poolSize, poolSize, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("hftp-file", true));
        threads.allowCoreThreadTimeOut(true);
    }

    private FileCalls() {
        this.threads = null;
        this.poolSize = 0;
        this.timeoutNanos = 0;
        this.maxStuck = Integer.MAX_VALUE;
    }

    /** Runs each call on the thread that submits it: for tests of a handler on an {@code EmbeddedChannel}. */
    public static FileCalls inline() {
        return new FileCalls();
    }

    /** Threads of calls that have outlived their timeout and not returned yet. */
    int stuckThreads() {
        return stuck.get();
    }

    /**
     * Runs {@code call} on a file thread; the future completes on {@code loop} with its result, its
     * {@link HftpException}, or a {@code 199} one after the timeout.
     */
    public <T> Future<T> submit(EventExecutor loop, Call<T> call, Discard<? super T> discard) {
        Promise<T> promise = loop.newPromise();
        if (threads == null) {
            try {
                return promise.setSuccess(call.run());
            } catch (HftpException | RuntimeException e) {
                return promise.setFailure(e);
            }
        }
        if (stuck.get() >= maxStuck) {
            return promise.setFailure(new HftpException(HftpStatus.INTERNAL_ERROR,
                    stuck.get() + " file calls stuck: the file system is not answering"));
        }
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            if (promise.tryFailure(new HftpException(HftpStatus.INTERNAL_ERROR,
                    "a file call took longer than " + Duration.ofNanos(timeoutNanos).toMillis() + " ms"))) {
                replaceStuckThread();
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        try {
            threads.execute(() -> {
                T result;
                try {
                    result = call.run();
                } catch (HftpException | RuntimeException e) {
                    deadline.cancel(false);
                    completeOnLoop(loop, () -> {
                        if (!promise.tryFailure(e)) {
                            threadReturned();
                        }
                    }, () -> { });
                    return;
                }
                deadline.cancel(false);
                completeOnLoop(loop, () -> {
                    if (!promise.trySuccess(result)) {
                        // Too late: the connection was answered 199 (or closed) meanwhile.
                        discard.discard(result);
                        threadReturned();
                    }
                }, () -> discard.discard(result));
            });
        } catch (RejectedExecutionException e) {
            deadline.cancel(false);
            promise.tryFailure(new HftpException(HftpStatus.INTERNAL_ERROR, "the server is shutting down", e));
        }
        return promise;
    }

    /**
     * Completes a call's future on its event loop, where its listeners run anyway; if that loop has stopped (the
     * server is closing), {@code orElse} disposes of the result instead.
     */
    private static void completeOnLoop(EventExecutor loop, Runnable complete, Runnable orElse) {
        try {
            loop.execute(complete);
        } catch (RejectedExecutionException e) {
            orElse.run();
        }
    }

    /** A call outlived its timeout: one more thread, so that the others keep theirs. */
    private void replaceStuckThread() {
        int now = stuck.incrementAndGet();
        resize();
        if (stuckCalls.admit(Wording.count(now, "thread"))) {
            logger.warn("a file call outlived its timeout; {} now waiting on the file system", Wording.count(now, "thread"));
        }
    }

    /** A call that had outlived its timeout returned at last: its thread counts as a normal one again. */
    private void threadReturned() {
        stuck.decrementAndGet();
        resize();
    }

    /**
     * Sizes the pool for the threads stuck now, read under the lock: sizes computed before it could be applied
     * out of order when stuck calls return together, and a core size above the maximum (or the reverse) throws.
     */
    private void resize() {
        synchronized (threads) {
            int size = poolSize + stuck.get();
            if (size > threads.getMaximumPoolSize()) {
                threads.setMaximumPoolSize(size);
                threads.setCorePoolSize(size);
            } else {
                threads.setCorePoolSize(size);
                threads.setMaximumPoolSize(size);
            }
        }
    }

    /** Stops taking calls; threads stuck in a call are daemon threads and do not keep the process alive. */
    @Override
    public void close() {
        if (threads != null) {
            threads.shutdownNow();
        }
    }
}
