package dev.hftp.client.cli;

import java.util.ArrayList;
import java.util.List;

/** The bytes {@code [offset, offset + length)} of a file: the share of one connection in a download. */
record ByteRange(long offset, long length) {

    ByteRange {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset " + offset + ", length " + length + " (expected: >= 0)");
        }
    }

    /** The first offset past the range. */
    long end() {
        return offset + length;
    }

    /**
     * Splits {@code size} bytes into at most {@code parts} contiguous ranges, in order, of lengths that differ
     * by one byte at most, none shorter than {@code minLength}: a connection costs a round trip and a part
     * file, worth it only for a good share of bytes. A file shorter than {@code minLength} (even empty) is one
     * range.
     */
    static List<ByteRange> split(long size, int parts, long minLength) {
        if (size < 0 || parts < 1 || minLength < 1) {
            throw new IllegalArgumentException("size " + size + ", parts " + parts + ", minLength " + minLength
                    + " (expected: size >= 0, parts >= 1, minLength >= 1)");
        }
        int count = (int) Math.max(1, Math.min(parts, size / minLength));
        long base = size / count;
        long longer = size % count;
        List<ByteRange> ranges = new ArrayList<>(count);
        long offset = 0;
        for (int i = 0; i < count; i++) {
            long length = base + (i < longer ? 1 : 0);
            ranges.add(new ByteRange(offset, length));
            offset += length;
        }
        return List.copyOf(ranges);
    }

    /**
     * Shares the {@code gaps} of a file among {@code connections}: each gap is cut into pieces of about the total
     * divided by {@code connections}, none shorter than {@code minLength} unless its gap is; in order. There may be
     * more pieces than connections (many small gaps): a connection then fetches several, one after the other.
     */
    static List<ByteRange> share(List<ByteRange> gaps, int connections, long minLength) {
        long total = gaps.stream().mapToLong(ByteRange::length).sum();
        long target = Math.max(minLength, (total + connections - 1) / Math.max(1, connections));
        List<ByteRange> pieces = new ArrayList<>();
        for (ByteRange gap : gaps) {
            int count = (int) Math.max(1, gap.length() / target);
            for (ByteRange piece : split(gap.length(), count, 1)) {
                pieces.add(new ByteRange(gap.offset() + piece.offset(), piece.length()));
            }
        }
        return List.copyOf(pieces);
    }
}
