package dev.hftp.client.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteRangeTest {

    private static final long MIB = 1 << 20;

    @Test
    void shouldSplitEvenlyWhenSizeDivides() {
        assertEquals(List.of(new ByteRange(0, 4 * MIB), new ByteRange(4 * MIB, 4 * MIB),
                new ByteRange(8 * MIB, 4 * MIB), new ByteRange(12 * MIB, 4 * MIB)),
                ByteRange.split(16 * MIB, 4, MIB));
    }

    @Test
    void shouldGiveTheRemainderToTheFirstRanges() {
        assertEquals(List.of(new ByteRange(0, 4), new ByteRange(4, 3), new ByteRange(7, 3)),
                ByteRange.split(10, 3, 1));
    }

    @Test
    void shouldUseOneRangeForAFileSmallerThanTheMinimum() {
        assertEquals(List.of(new ByteRange(0, MIB - 1)), ByteRange.split(MIB - 1, 8, MIB));
    }

    @Test
    void shouldUseOneEmptyRangeForAnEmptyFile() {
        assertEquals(List.of(new ByteRange(0, 0)), ByteRange.split(0, 4, MIB));
    }

    @Test
    void shouldUseFewerRangesThanAskedRatherThanRangesBelowTheMinimum() {
        List<ByteRange> ranges = ByteRange.split(3 * MIB + 5, 8, MIB);
        assertEquals(3, ranges.size());
        assertTrue(ranges.stream().allMatch(r -> r.length() >= MIB), ranges.toString());
    }

    @ParameterizedTest(name = "size {0}, {1} parts, min {2}")
    @CsvSource({"0, 1, 1", "1, 1, 1", "1, 64, 1", "1000, 7, 1", "1073741824, 4, 1048576",
        "1073741825, 64, 1048576", "9223372036854775807, 64, 1048576", "5000000, 3, 1048576"})
    void shouldCoverTheFileContiguouslyInOrder(long size, int parts, long min) {
        List<ByteRange> ranges = ByteRange.split(size, parts, min);
        assertTrue(ranges.size() >= 1 && ranges.size() <= parts);
        long offset = 0;
        for (ByteRange range : ranges) {
            assertEquals(offset, range.offset());
            assertTrue(size < min || range.length() >= min, range + " is below " + min);
            assertTrue(range.length() - ranges.get(ranges.size() - 1).length() <= 1, "lengths differ by one at most");
            offset = range.end();
        }
        assertEquals(size, offset);
    }

    @Test
    void shouldRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> ByteRange.split(-1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> ByteRange.split(10, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> ByteRange.split(10, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(-1, 1));
    }

    /** Gaps left by an earlier run, shared by four connections: big gaps cut, small ones kept whole. */
    @Test
    void shouldShareGapsAmongConnections() {
        List<ByteRange> gaps = List.of(new ByteRange(0, 8 * MIB), new ByteRange(10 * MIB, MIB / 2),
                new ByteRange(20 * MIB, 4 * MIB));
        List<ByteRange> pieces = ByteRange.share(gaps, 4, MIB);
        assertEquals(List.of(new ByteRange(0, 4 * MIB), new ByteRange(4 * MIB, 4 * MIB),
                new ByteRange(10 * MIB, MIB / 2), new ByteRange(20 * MIB, 4 * MIB)), pieces);
    }

    @Test
    void shouldShareOneGapLikeSplit() {
        assertEquals(ByteRange.split(16 * MIB, 4, MIB), ByteRange.share(List.of(new ByteRange(0, 16 * MIB)), 4, MIB));
        assertEquals(List.of(new ByteRange(0, 100)), ByteRange.share(List.of(new ByteRange(0, 100)), 4, MIB));
        assertEquals(List.of(), ByteRange.share(List.of(), 4, MIB));
    }
}
