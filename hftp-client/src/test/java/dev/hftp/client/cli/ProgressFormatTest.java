package dev.hftp.client.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * The bar fits the terminal, one column short so that it never wraps: before, it was 82-84 columns whatever the
     * terminal, and every redraw on an 80-column terminal stacked a new line.
     */
    @ParameterizedTest
    @ValueSource(ints = {40, 60, 80, 120})
    void shouldFitTheTerminal(int columns) {
        for (String name : new String[] {"f", "archivo.txt", "a-rather-long-name-of-a-large-file-2026-12-05.tar.gz"}) {
            String bar = ProgressFormat.bar(name, 123 * MIB + 7, 4 * 1024 * MIB, 45.6 * MIB, 45.6 * MIB, columns);
            assertTrue(bar.length() < columns, columns + " columns: " + bar.length() + " '" + bar + "'");
            assertTrue(bar.contains("3%"), bar);
        }
        String roomy = ProgressFormat.bar("archivo.txt", 50 * MIB, 100 * MIB, 10 * MIB, 10 * MIB, 120);
        assertTrue(roomy.contains("[###############...............]") && roomy.endsWith("ETA 0:05"), roomy);
    }

    @Test
    void shouldReadTheWidthFromColumns() {
        assertEquals(60, ProgressFormat.columns("60"));
        assertEquals(80, ProgressFormat.columns(null));
        assertEquals(80, ProgressFormat.columns("wide"));
        assertEquals(80, ProgressFormat.columns("3"));
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
