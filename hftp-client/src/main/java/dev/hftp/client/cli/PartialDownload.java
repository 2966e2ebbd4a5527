package dev.hftp.client.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A download to {@code FILE} in progress: every range is written at its offset in {@code FILE.part}, and
 * {@code FILE.hftp} records which ranges are written (see {@link DownloadRecord}). When every byte is there,
 * {@code FILE.part} is renamed to {@code FILE} in one step, so that {@code FILE} is never seen half written, and
 * the record is deleted. Nothing is joined or copied.
 */
final class PartialDownload implements AutoCloseable {

    private final Path target;
    private final Path data;
    private final Path recordFile;
    /** What was written before this run. */
    private final DownloadRecord earlier;
    private final FileChannel file;
    private final List<RangeWriter> writers = new CopyOnWriteArrayList<>();
    private boolean finished;

    private PartialDownload(Path target, DownloadRecord earlier, FileChannel file) {
        this.target = target;
        this.data = dataFile(target);
        this.recordFile = recordFile(target);
        this.earlier = earlier;
        this.file = file;
    }

    /** {@code FILE.part}: the bytes. */
    static Path dataFile(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    /** {@code FILE.hftp}: the record of what {@code FILE.part} holds. */
    static Path recordFile(Path target) {
        return target.resolveSibling(target.getFileName() + ".hftp");
    }

    /**
     * Continues the download recorded beside {@code target} when {@code mayContinue} and the record is for the
     * same name and size, else starts over; {@code say} hears what was decided when there was a record.
     */
    static PartialDownload open(Path target, String server, String name, long size, boolean mayContinue,
                                Consumer<String> say) throws CliFailure {
        Objects.requireNonNull(target, "target");
        Path data = dataFile(target);
        Path recordFile = recordFile(target);
        DownloadRecord record = local(recordFile, () -> DownloadRecord.read(recordFile)).orElse(null);
        if (record != null && mayContinue) {
            String mismatch = mismatch(record, name, size, data);
            if (mismatch == null) {
                long length = local(data, () -> Files.size(data));
                DownloadRecord kept = record.truncatedTo(length);
                FileChannel file = local(data, () -> FileChannel.open(data, StandardOpenOption.WRITE));
                if (kept.doneBytes() > 0) {
                    say.accept("continuing " + data + ": " + ProgressFormat.bytes(kept.doneBytes()) + " of "
                            + ProgressFormat.bytes(size) + " already there"
                            + (record.server().equals(server) ? "" : ", recorded from " + record.server())
                            + " (same name and size: HFTP has no date or digest to tell a changed file of the same "
                            + "size; --no-continue starts over)");
                }
                return new PartialDownload(target, kept, file);
            }
            say.accept(recordFile + " " + mismatch + ": starting over");
        }
        FileChannel file = local(data, () -> FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING));
        PartialDownload partial = new PartialDownload(target, DownloadRecord.empty(server, name, size), file);
        partial.save();
        return partial;
    }

    /** Why {@code record} cannot be continued from, or null. */
    private static String mismatch(DownloadRecord record, String name, long size, Path data) {
        if (!record.name().equals(name)) {
            return "is for another file, " + record.name();
        }
        if (record.size() != size) {
            return "is for " + record.size() + " bytes, but the server's file has " + size + " now";
        }
        if (!Files.isRegularFile(data)) {
            return "is for " + data + ", which is gone";
        }
        return null;
    }

    /** What was written before this run. */
    DownloadRecord earlier() {
        return earlier;
    }

    /** A writer for {@code range}, whose progress the record follows from now on. */
    RangeWriter writer(ByteRange range) {
        RangeWriter writer = new RangeWriter(file, range);
        writers.add(writer);
        return writer;
    }

    /** Records what is written so far; from any thread. */
    synchronized void save() throws CliFailure {
        if (finished) {
            return;
        }
        DownloadRecord now = current();
        local(recordFile, () -> {
            now.write(recordFile);
            return null;
        });
    }

    private DownloadRecord current() {
        List<ByteRange> written = new ArrayList<>();
        for (RangeWriter writer : writers) {
            written.add(writer.done());
        }
        return earlier.with(written);
    }

    /**
     * Checks that every byte is written, renames {@code FILE.part} to {@code FILE} and deletes the record.
     */
    synchronized void finish() throws CliFailure {
        DownloadRecord now = current();
        long length = local(data, file::size);
        if (!now.missing().isEmpty() || length != now.size()) {
            throw new CliFailure(ExitCodes.LOCAL_FILE, data + ": " + now.doneBytes() + " of " + now.size()
                    + " bytes written and " + length + " in the file (size check failed; the same command continues)");
        }
        finished = true;
        local(data, () -> {
            file.close();
            // Not forced to disk: the rename is atomic for other processes, durability is the file system's.
            Files.move(data, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return null;
        });
        local(recordFile, () -> Files.deleteIfExists(recordFile));
    }

    Path data() {
        return data;
    }

    Path recordFile() {
        return recordFile;
    }

    @Override
    public void close() throws CliFailure {
        local(data, () -> {
            file.close();
            return null;
        });
    }

    /** A local file step, whose IOException means exit code 4. */
    static <T> T local(Path file, LocalStep<T> step) throws CliFailure {
        try {
            return step.run();
        } catch (IOException e) {
            throw CliFailure.localFile(file, e);
        }
    }

    @FunctionalInterface
    interface LocalStep<T> {
        T run() throws IOException;
    }
}
