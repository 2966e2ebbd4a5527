package dev.hftp.client.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The files of a download to {@code FILE} in progress: {@code FILE.part-K} holds the first bytes of range K,
 * {@code FILE.part-ranges} the split they were made for, and {@code FILE.part} the parts joined before the
 * rename. The split is written down because a resumed run may be given another {@code -j}: part K only
 * makes sense for the range it was started with.
 */
final class PartFiles {

    private static final String MANIFEST_HEADER = "hftp-part-ranges";

    private final Path target;

    PartFiles(Path target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    Path part(int index) {
        return sibling(".part-" + index);
    }

    Path joined() {
        return sibling(".part");
    }

    Path manifest() {
        return sibling(".part-ranges");
    }

    private Path sibling(String suffix) {
        return target.resolveSibling(target.getFileName() + suffix);
    }

    /**
     * The ranges to fetch: with {@code resume}, those of an earlier run for the same size if there was one;
     * otherwise a new split, for which any old parts are deleted.
     */
    List<ByteRange> plan(long size, int connections, long minRange, boolean resume) throws IOException {
        if (resume) {
            List<ByteRange> earlier = readManifest();
            if (!earlier.isEmpty() && earlier.get(earlier.size() - 1).end() == size) {
                return earlier;
            }
            // The file changed size since (or no earlier run): its parts cannot be trusted.
        }
        List<ByteRange> previous = readManifest();
        for (int i = 0; i < Math.max(previous.size(), connections); i++) {
            Files.deleteIfExists(part(i));
        }
        List<ByteRange> ranges = ByteRange.split(size, connections, minRange);
        writeManifest(ranges);
        return ranges;
    }

    /** The bytes part {@code index} already holds; a part longer than its range is wrong and starts over. */
    long existing(int index, ByteRange range) throws IOException {
        Path part = part(index);
        if (!Files.exists(part)) {
            return 0;
        }
        long length = Files.size(part);
        if (length > range.length()) {
            Files.delete(part);
            return 0;
        }
        return length;
    }

    /**
     * Joins the parts in order into {@code FILE.part} and renames it to {@code FILE} in one step, so that
     * {@code FILE} is never seen half written; then removes the parts.
     */
    void join(List<ByteRange> ranges) throws IOException {
        if (ranges.size() == 1) {
            // One part is the whole file: a rename, not a copy.
            Files.move(part(0), joined(), StandardCopyOption.REPLACE_EXISTING);
        } else {
            try (FileChannel out = FileChannel.open(joined(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (int i = 0; i < ranges.size(); i++) {
                    append(part(i), out);
                }
            }
        }
        // Not forced to disk: the rename is atomic for other processes, durability is the file system's.
        Files.move(joined(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (int i = 0; i < ranges.size(); i++) {
            Files.deleteIfExists(part(i));
        }
        Files.deleteIfExists(manifest());
    }

    private static void append(Path part, FileChannel out) throws IOException {
        try (FileChannel in = FileChannel.open(part, StandardOpenOption.READ)) {
            long size = in.size();
            long position = 0;
            // transferTo may move fewer bytes than asked (2 GiB at most per call on Linux).
            while (position < size) {
                position += in.transferTo(position, size - position, out);
            }
        }
    }

    private List<ByteRange> readManifest() throws IOException {
        if (!Files.exists(manifest())) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(manifest(), StandardCharsets.US_ASCII);
        if (lines.isEmpty() || !lines.get(0).equals(MANIFEST_HEADER)) {
            return List.of();
        }
        List<ByteRange> ranges = new ArrayList<>();
        long expectedOffset = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split(" ");
            try {
                ByteRange range = new ByteRange(Long.parseLong(fields[0]), Long.parseLong(fields[1]));
                if (fields.length != 2 || range.offset() != expectedOffset) {
                    return List.of();
                }
                ranges.add(range);
                expectedOffset = range.end();
            } catch (RuntimeException e) {
                // Not written by this program, or cut short: as if there were none.
                return List.of();
            }
        }
        return ranges;
    }

    private void writeManifest(List<ByteRange> ranges) throws IOException {
        StringBuilder text = new StringBuilder(MANIFEST_HEADER).append('\n');
        for (ByteRange range : ranges) {
            text.append(range.offset()).append(' ').append(range.length()).append('\n');
        }
        Files.writeString(manifest(), text, StandardCharsets.US_ASCII);
    }
}
