package dev.hftp.client.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code hftp get}: the size first; then what the file still lacks (all of it, or the gaps of an earlier run
 * recorded beside it) shared among connections that write their ranges at their offsets in {@code FILE.part}
 * (see {@link PartialDownload}); then the rename to the target. The record is saved every second and when the
 * run ends, however it ends, so that the same command continues where this one stopped.
 */
final class Download {

    /** Below this, another connection costs more than it brings. */
    static final long MIN_RANGE_BYTES = 1 << 20;
    /** How often the record follows the writes: at most this much is fetched again after a kill -9. */
    private static final long SAVE_PERIOD_MILLIS = 1000;

    private final ServerAddress server;
    private final Connector connector;
    private final String name;
    private final Path target;
    private final int connections;
    private final boolean mayContinue;
    private final boolean raw;
    private final Progress.Style progressStyle;
    private final PrintStream progressOut;

    Download(ServerAddress server, Connector connector, String name, Path target, int connections, boolean mayContinue,
             boolean raw, Progress.Style progressStyle, PrintStream progressOut) {
        this.server = Objects.requireNonNull(server, "server");
        this.connector = Objects.requireNonNull(connector, "connector");
        this.name = Objects.requireNonNull(name, "name");
        this.target = Objects.requireNonNull(target, "target");
        if (connections < 1) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: >= 1)");
        }
        this.connections = connections;
        this.mayContinue = mayContinue;
        this.raw = raw;
        this.progressStyle = Objects.requireNonNull(progressStyle, "progressStyle");
        this.progressOut = Objects.requireNonNull(progressOut, "progressOut");
    }

    /** Downloads; returns the size of the file. */
    long run() throws CliFailure, InterruptedException {
        try (Session first = connector.open(server)) {
            long size = first.await(first.client().size(name), name);
            try (PartialDownload partial = PartialDownload.open(target, server.toString(), name, size, mayContinue,
                    this::say)) {
                long already = partial.earlier().doneBytes();
                List<ByteRange> pieces = ByteRange.share(partial.earlier().missing(), connections, MIN_RANGE_BYTES);
                try (Progress progress = Progress.start(name, size, already, progressStyle, progressOut)) {
                    fetch(first, partial, pieces, progress);
                    partial.finish();
                    progress.finish(true);
                }
            }
            return size;
        }
    }

    /** Fetches {@code pieces}, saving the record every second, at the end, and when the process is stopped. */
    private void fetch(Session first, PartialDownload partial, List<ByteRange> pieces, Progress progress)
            throws CliFailure, InterruptedException {
        ScheduledExecutorService saver = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "hftp-record");
            thread.setDaemon(true);
            return thread;
        });
        saver.scheduleWithFixedDelay(() -> saveQuietly(partial), SAVE_PERIOD_MILLIS, SAVE_PERIOD_MILLIS,
                TimeUnit.MILLISECONDS);
        // Ctrl-C (or SIGTERM) ends the JVM through its shutdown hooks: the record is saved, the bar's line is ended,
        // and the user learns what is kept and that the same command continues.
        Thread interrupted = new Thread(() -> {
            saveQuietly(partial);
            progress.interrupted();
            progressOut.println("hftp: interrupted: " + ProgressFormat.bytes(partial.earlier().doneBytes()
                    + progress.fetched()) + " kept in " + partial.data() + "; the same command continues from there");
            progressOut.flush();
        }, "hftp-interrupted");
        Runtime.getRuntime().addShutdownHook(interrupted);
        try {
            new RangeFetch(first, partial, pieces, progress).run();
        } finally {
            saver.shutdownNow();
            saver.awaitTermination(1, TimeUnit.SECONDS);
            saveQuietly(partial);
            Runtime.getRuntime().removeShutdownHook(interrupted);
        }
    }

    private void saveQuietly(PartialDownload partial) {
        try {
            partial.save();
        } catch (CliFailure e) {
            // The record stays as last saved: a later run fetches some bytes again, nothing worse.
        }
    }

    private void say(String message) {
        if (progressStyle != Progress.Style.QUIET) {
            progressOut.println("hftp: " + message);
            progressOut.flush();
        }
    }

    /**
     * The parallel part: up to {@code connections} connections, each fetching pieces from a shared queue one
     * after the other. The first failure closes every connection, so that the others stop at once instead of
     * finishing for nothing.
     */
    private final class RangeFetch {
        private final Session first;
        private final PartialDownload partial;
        private final Queue<ByteRange> queue;
        private final Progress progress;
        private final List<Session> sessions = new ArrayList<>();
        private final List<Worker> workers = new ArrayList<>();
        private final CompletableFuture<Worker> firstFailure = new CompletableFuture<>();

        RangeFetch(Session first, PartialDownload partial, List<ByteRange> pieces, Progress progress) {
            this.first = first;
            this.partial = partial;
            this.queue = new ConcurrentLinkedQueue<>(pieces);
            this.progress = progress;
        }

        void run() throws CliFailure, InterruptedException {
            int count = Math.min(connections, queue.size());
            try {
                for (int i = 0; i < count; i++) {
                    Session session = i == 0 ? first : connector.open(server);
                    sessions.add(session);
                    workers.add(new Worker(session));
                }
                workers.forEach(Worker::next);
                awaitAll();
            } finally {
                // The first session too: closing it again in the caller is then a no-op.
                closeAll();
            }
        }

        private void awaitAll() throws CliFailure, InterruptedException {
            CompletableFuture<Void> all = CompletableFuture.allOf(
                    workers.stream().map(w -> w.done).toArray(CompletableFuture[]::new));
            CompletableFuture.anyOf(all, firstFailure).handle((ignored, error) -> null).join();
            if (!firstFailure.isDone()) {
                return;
            }
            Worker failed = firstFailure.join();
            closeAll();
            try {
                // The others now fail fast; their last writes must be over before the record is saved.
                all.handle((ignored, error) -> null).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // Nothing more to learn from them: the first failure is the one reported.
            }
            throw failed.failure();
        }

        /**
         * Closes every connection at once: a close sends {@code quit} and waits (a few seconds at most) for a
         * slice still in flight, so one after the other the waits would add up.
         */
        private void closeAll() throws InterruptedException {
            List<Thread> closers = new ArrayList<>();
            for (Session session : sessions) {
                Thread closer = new Thread(session::close, "hftp-close");
                closer.setDaemon(true);
                closer.start();
                closers.add(closer);
            }
            for (Thread closer : closers) {
                closer.join();
            }
        }

        /** One connection, fetching pieces until none is left. */
        private final class Worker {
            final Session session;
            final CompletableFuture<Void> done = new CompletableFuture<>();
            private volatile FailureRecordingChannel channel;
            private volatile Throwable error;

            Worker(Session session) {
                this.session = session;
            }

            /** Starts the next piece; called again from the connection's thread when one is complete. */
            void next() {
                ByteRange piece = queue.poll();
                if (piece == null) {
                    done.complete(null);
                    return;
                }
                FailureRecordingChannel out = new FailureRecordingChannel(partial.writer(piece));
                channel = out;
                session.client().slice(name, piece.offset(), piece.length(), out, raw, progress::add)
                        .whenComplete((bytes, failure) -> {
                            if (failure == null) {
                                next();
                            } else {
                                error = failure;
                                firstFailure.complete(this);
                                done.completeExceptionally(failure);
                            }
                        });
            }

            /** A write failure is local (exit 4) even though the client reports it as any failed slice. */
            CliFailure failure() {
                if (channel.failure() != null) {
                    return CliFailure.localFile(partial.data(), channel.failure());
                }
                return session.failure(error, name);
            }
        }
    }
}
