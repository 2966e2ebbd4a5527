package dev.hftp.client.cli;


import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code hftp get}: the size first, then the file split into ranges, each streamed over a connection of its
 * own into its part file, in parallel; then the parts joined and renamed to the target, whose size is checked
 * against the server's. A run that dies leaves the parts, which {@code --resume} continues from their length.
 */
final class Download {

    /** Below this, another connection costs more than it brings. */
    static final long MIN_RANGE_BYTES = 1 << 20;

    private final ServerAddress server;
    /** Null for plaintext. */
    private final Connector connector;
    private final String name;
    private final Path target;
    private final int connections;
    private final boolean resume;
    private final boolean raw;
    private final Progress.Style progressStyle;
    private final PrintStream progressOut;

    Download(ServerAddress server, Connector connector, String name, Path target, int connections, boolean resume,
             boolean raw, Progress.Style progressStyle, PrintStream progressOut) {
        this.server = Objects.requireNonNull(server, "server");
        this.connector = Objects.requireNonNull(connector, "connector");
        this.name = Objects.requireNonNull(name, "name");
        this.target = Objects.requireNonNull(target, "target");
        if (connections < 1) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: >= 1)");
        }
        this.connections = connections;
        this.resume = resume;
        this.raw = raw;
        this.progressStyle = Objects.requireNonNull(progressStyle, "progressStyle");
        this.progressOut = Objects.requireNonNull(progressOut, "progressOut");
    }

    /** Downloads; returns the size of the file. */
    long run() throws CliFailure, InterruptedException {
        PartFiles parts = new PartFiles(target);
        try (Session first = connector.open(server)) {
            long size = first.await(first.client().size(name), name);
            List<ByteRange> ranges = local(target, () -> parts.plan(size, connections, MIN_RANGE_BYTES, resume));
            long[] existing = new long[ranges.size()];
            for (int i = 0; i < ranges.size(); i++) {
                int index = i;
                existing[i] = local(parts.part(i), () -> parts.existing(index, ranges.get(index)));
            }
            try (Progress progress = Progress.start(name, size, sum(existing), progressStyle, progressOut)) {
                // Ctrl-C (or SIGTERM) ends the JVM through its shutdown hooks: the bar's line is ended, and the
                // user learns that what came is kept and how to continue.
                Thread interrupted = new Thread(() -> {
                    progress.interrupted();
                    progressOut.println("hftp: interrupted: the " + ProgressFormat.bytes(sum(existing) + progress.fetched())
                            + " downloaded so far are kept beside " + target + "; the same command with --resume continues");
                    progressOut.flush();
                }, "hftp-interrupted");
                Runtime.getRuntime().addShutdownHook(interrupted);
                try {
                    new RangeFetch(first, parts, ranges, existing, progress).run();
                    checkParts(parts, ranges);
                    local(target, () -> {
                        parts.join(ranges);
                        return null;
                    });
                    checkSize(size);
                    progress.finish(true);
                } finally {
                    Runtime.getRuntime().removeShutdownHook(interrupted);
                }
            }
            return size;
        }
    }

    private void checkParts(PartFiles parts, List<ByteRange> ranges) throws CliFailure {
        for (int i = 0; i < ranges.size(); i++) {
            Path part = parts.part(i);
            long length = local(part, () -> Files.exists(part) ? Files.size(part) : 0L);
            if (length != ranges.get(i).length()) {
                throw new CliFailure(ExitCodes.LOCAL_FILE, part + ": " + length + " bytes, expected "
                        + ranges.get(i).length() + " (size check failed; --resume continues)");
            }
        }
    }

    private void checkSize(long size) throws CliFailure {
        long actual = local(target, () -> Files.size(target));
        if (actual != size) {
            throw new CliFailure(ExitCodes.LOCAL_FILE, target + ": " + actual + " bytes, but the server has "
                    + size + " (size check failed)");
        }
    }

    private static long sum(long[] values) {
        long sum = 0;
        for (long value : values) {
            sum += value;
        }
        return sum;
    }

    /** A local file step, whose IOException means exit code 4. */
    private static <T> T local(Path file, LocalStep<T> step) throws CliFailure {
        try {
            return step.run();
        } catch (IOException e) {
            throw CliFailure.localFile(file, e);
        }
    }

    @FunctionalInterface
    private interface LocalStep<T> {
        T run() throws IOException;
    }

    /**
     * The parallel part: one connection and one part file per range that still lacks bytes. The first failure
     * closes every connection, so that the others stop at once instead of finishing for nothing.
     */
    private final class RangeFetch {
        private final Session first;
        private final PartFiles parts;
        private final List<ByteRange> ranges;
        private final long[] existing;
        private final Progress progress;
        private final List<Session> sessions = new ArrayList<>();
        private final List<Transfer> transfers = new ArrayList<>();
        private final CompletableFuture<Transfer> firstFailure = new CompletableFuture<>();

        RangeFetch(Session first, PartFiles parts, List<ByteRange> ranges, long[] existing, Progress progress) {
            this.first = first;
            this.parts = parts;
            this.ranges = ranges;
            this.existing = existing;
            this.progress = progress;
        }

        void run() throws CliFailure, InterruptedException {
            try {
                for (int i = 0; i < ranges.size(); i++) {
                    if (existing[i] < ranges.get(i).length()) {
                        start(i, sessions.isEmpty() ? first : connector.open(server));
                    }
                }
                awaitAll();
            } finally {
                // The first session too: closing it again in the caller is then a no-op.
                closeAll();
            }
        }

        private void start(int index, Session session) throws CliFailure {
            sessions.add(session);
            Path part = parts.part(index);
            FileChannel file = local(part, () -> FileChannel.open(part, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND));
            FailureRecordingChannel channel = new FailureRecordingChannel(file);
            ByteRange range = ranges.get(index);
            long from = existing[index];
            Transfer transfer = new Transfer(session, part, channel, session.client().slice(name,
                    range.offset() + from, range.length() - from, channel, raw, progress::add));
            transfers.add(transfer);
            transfer.reply.whenComplete((bytes, error) -> {
                closeQuietly(channel);
                if (error != null) {
                    firstFailure.complete(transfer);
                }
            });
        }

        private void awaitAll() throws CliFailure, InterruptedException {
            CompletableFuture<Void> all = CompletableFuture.allOf(
                    transfers.stream().map(t -> t.reply).toArray(CompletableFuture[]::new));
            CompletableFuture.anyOf(all, firstFailure).handle((ignored, error) -> null).join();
            if (!firstFailure.isDone()) {
                return;
            }
            Transfer failed = firstFailure.join();
            closeAll();
            try {
                // The others now fail fast; their part files must be closed before anyone reads them.
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
    }

    /** One range in flight. */
    private final class Transfer {
        final Session session;
        final Path part;
        final FailureRecordingChannel channel;
        final CompletableFuture<Long> reply;

        Transfer(Session session, Path part, FailureRecordingChannel channel, CompletableFuture<Long> reply) {
            this.session = session;
            this.part = part;
            this.channel = channel;
            this.reply = reply;
        }

        /** A write failure is local (exit 4) even though the client reports it as any failed slice. */
        CliFailure failure() {
            if (channel.failure() != null) {
                return CliFailure.localFile(part, channel.failure());
            }
            return session.failure(reply.handle((bytes, error) -> error).join(), name);
        }
    }

    private static void closeQuietly(FailureRecordingChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Everything written has reached the file; only the descriptor could not be released.
        }
    }
}
