package dev.hftp.client.check;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EscapedTest {

    @Test
    void controlAndNonAsciiBytesAreEscapedAndTheRestShownAsIs() {
        byte[] bytes = {'0', ' ', 'O', 'K', '\r', '\n', '\t', '\\', 0, (byte) 0xe9, 0x7f};
        assertEquals("0 OK\\r\\n\\t\\\\\\x00\\xe9\\x7f", Escaped.of(bytes));
    }

    @Test
    void theFirstDifferenceIsFoundAlsoWhenOneIsAPrefixOfTheOther() {
        assertEquals(2, Escaped.firstDifference(ascii("202 X"), ascii("201 X")));
        assertEquals(4, Escaped.firstDifference(ascii("0 OK"), ascii("0 OK\r\n")));
        assertEquals(-1, Escaped.firstDifference(ascii("same"), ascii("same")));
    }

    /** A long line is cut around its difference, and the column points at the differing byte as shown. */
    @Test
    void aLongLineIsShownAroundItsDifference() {
        byte[] line = ascii("A".repeat(100) + "\r\nB" + "C".repeat(200));
        Escaped.Window window = Escaped.around(line, 102);
        String shown = window.text();
        assertEquals("...(62 bytes) ", shown.substring(0, 14));
        assertEquals("\\n", shown.substring(window.column() - 2, window.column()));
        assertEquals('B', shown.charAt(window.column()));
        assertEquals(" ...(121 more)", shown.substring(shown.length() - 14));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
