package dev.hftp.client.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a download in progress has written, kept in a small text file beside it ({@code FILE.hftp}, as aria2c
 * keeps {@code FILE.aria2}): the server it came from, the served name, the file's size and the byte ranges done.
 * A later {@code hftp get} of the same name and size continues from it. Immutable; ranges are sorted and merged.
 */
record DownloadRecord(String server, String name, long size, List<ByteRange> done) {

    /** The first line: a file that does not start with it was not written by hftp and is never overwritten. */
    static final String HEADER = "# hftp download record: the byte ranges of the .part file beside it that are written";

    DownloadRecord {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(name, "name");
        if (size < 0) {
            throw new IllegalArgumentException("size " + size + " (expected: >= 0)");
        }
        done = merge(done, size);
    }

    /** Nothing done yet. */
    static DownloadRecord empty(String server, String name, long size) {
        return new DownloadRecord(server, name, size, List.of());
    }

    /** This record with {@code more} ranges done too. */
    DownloadRecord with(List<ByteRange> more) {
        List<ByteRange> all = new ArrayList<>(done);
        all.addAll(more);
        return new DownloadRecord(server, name, size, all);
    }

    /** The ranges done, cut to the first {@code length} bytes (a .part file shorter than recorded). */
    DownloadRecord truncatedTo(long length) {
        List<ByteRange> kept = new ArrayList<>();
        for (ByteRange range : done) {
            if (range.offset() < length) {
                kept.add(new ByteRange(range.offset(), Math.min(range.end(), length) - range.offset()));
            }
        }
        return new DownloadRecord(server, name, size, kept);
    }

    long doneBytes() {
        return done.stream().mapToLong(ByteRange::length).sum();
    }

    /** The ranges still to fetch, in order: the gaps between the ranges done. */
    List<ByteRange> missing() {
        List<ByteRange> gaps = new ArrayList<>();
        long from = 0;
        for (ByteRange range : done) {
            if (range.offset() > from) {
                gaps.add(new ByteRange(from, range.offset() - from));
            }
            from = range.end();
        }
        if (from < size) {
            gaps.add(new ByteRange(from, size - from));
        }
        return gaps;
    }

    /**
     * Reads a record; empty if there is none. A file that is not a record (another program's, or cut short)
     * is an {@link IOException}: the caller must not overwrite it.
     */
    static Optional<DownloadRecord> read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new IOException("not a download record of hftp (delete or move it)");
        }
        String server = null;
        String name = null;
        long size = -1;
        List<ByteRange> done = new ArrayList<>();
        try {
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.split(" ", 3);
                switch (fields[0]) {
                    case "server" -> server = fields[1];
                    case "name" -> name = fields[1];
                    case "size" -> size = Long.parseLong(fields[1]);
                    case "done" -> done.add(new ByteRange(Long.parseLong(fields[1]), Long.parseLong(fields[2])));
                    default -> throw new IllegalArgumentException(line);
                }
            }
            return Optional.of(new DownloadRecord(server, name, size, done));
        } catch (RuntimeException e) {
            throw new IOException("a download record of hftp that cannot be read (delete it to start over)");
        }
    }

    /** Writes the record in one step (a new file renamed over the old), so that a kill never leaves half of one. */
    void write(Path file) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n')
                .append("server ").append(server).append('\n')
                .append("name ").append(name).append('\n')
                .append("size ").append(size).append('\n');
        for (ByteRange range : done) {
            text.append("done ").append(range.offset()).append(' ').append(range.length()).append('\n');
        }
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Sorted, overlapping and touching ranges joined, empty ones dropped; each within {@code [0, size)}. */
    private static List<ByteRange> merge(List<ByteRange> ranges, long size) {
        List<ByteRange> sorted = new ArrayList<>(Objects.requireNonNull(ranges, "done"));
        sorted.sort(Comparator.comparingLong(ByteRange::offset));
        List<ByteRange> merged = new ArrayList<>();
        for (ByteRange range : sorted) {
            if (range.end() > size) {
                throw new IllegalArgumentException("range " + range + " past the size " + size);
            }
            if (range.length() == 0) {
                continue;
            }
            ByteRange last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && range.offset() <= last.end()) {
                merged.set(merged.size() - 1, new ByteRange(last.offset(), Math.max(last.end(), range.end()) - last.offset()));
            } else {
                merged.add(range);
            }
        }
        return List.copyOf(merged);
    }
}
