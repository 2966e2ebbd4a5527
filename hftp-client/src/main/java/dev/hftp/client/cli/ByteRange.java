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
}
