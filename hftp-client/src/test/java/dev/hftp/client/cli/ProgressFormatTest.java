package dev.hftp.client.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressFormatTest {

    private static final long MIB = 1 << 20;

    @Test
    void shouldFormatSizesInBinaryUnits() {
        assertEquals("0 B", ProgressFormat.bytes(0));
        assertEquals("1023 B", ProgressFormat.bytes(1023));
        assertEquals("1.0 KiB", ProgressFormat.bytes(1024));
        assertEquals("12.3 MiB", ProgressFormat.bytes(Math.round(12.3 * MIB)));
        assertEquals("1.0 GiB", ProgressFormat.bytes(1024 * MIB));
    }

    @Test
    void shouldFormatThePlainLine() {
        assertEquals("get big.bin: 12.3 MiB of 100.0 MiB (12%) at 45.6 MiB/s",
                ProgressFormat.line("big.bin", Math.round(12.3 * MIB), 100 * MIB, 45.6 * MIB));
    }

    @Test
    void shouldFormatTheBar() {
        assertEquals("f [###############...............]  50% 50.0 MiB/100.0 MiB 10.0 MiB/s ETA 0:05",
                ProgressFormat.bar("f", 50 * MIB, 100 * MIB, 10 * MIB));
    }

    @Test
    void shouldShowAnUnknownEtaBeforeAnyByteMoved() {
        assertEquals("--:--", ProgressFormat.eta(100, 0));
        assertEquals("1:01:01", ProgressFormat.eta(3661, 1));
    }

    @Test
    void shouldCountAnEmptyFileAsDone() {
        assertEquals(100, ProgressFormat.percent(0, 0));
    }
}
