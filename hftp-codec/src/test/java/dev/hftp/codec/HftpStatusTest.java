package dev.hftp.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status table of HFTP.md: codes, exact messages, and which ones close the connection.
 */
class HftpStatusTest {

    @Test
    void shouldHaveExactlyTheCodesAndMessagesOfTheContract() {
        StringBuilder table = new StringBuilder();
        for (HftpStatus status : HftpStatus.values()) {
            table.append(status.code()).append(' ').append(status.message()).append('\n');
        }
        assertEquals("0 OK\n"
                + "100 BAD EOL\n"
                + "101 BAD REQUEST\n"
                + "199 INTERNAL SERVER ERROR\n"
                + "200 NO SUCH COMMAND\n"
                + "201 INVALID ARGUMENTS FOR COMMAND\n"
                + "202 FILE NOT FOUND\n"
                + "203 OFFSET EXCEEDS FILE SIZE\n", table.toString());
    }

    @ParameterizedTest
    @EnumSource(value = HftpStatus.class, names = {"BAD_EOL", "BAD_REQUEST", "INTERNAL_ERROR"})
    void shouldBeFatalForOneHundredCodes(HftpStatus status) {
        assertTrue(status.isFatal());
    }

    @ParameterizedTest
    @EnumSource(value = HftpStatus.class, names = {"OK", "INVALID_COMMAND", "INVALID_ARGUMENTS", "FILE_NOT_FOUND",
        "BAD_OFFSET"})
    void shouldNotBeFatalForOkAndTwoHundredCodes(HftpStatus status) {
        assertFalse(status.isFatal());
    }

    @ParameterizedTest
    @EnumSource(HftpStatus.class)
    void shouldGiveStatusLineWithCrLf(HftpStatus status) {
        assertArrayEquals((status.code() + " " + status.message() + "\r\n").getBytes(StandardCharsets.US_ASCII),
                status.statusLine());
    }

    @Test
    void shouldGiveFreshStatusLineEachTime() {
        byte[] line = HftpStatus.OK.statusLine();
        line[0] = 'X';
        assertEquals('0', HftpStatus.OK.statusLine()[0]);
    }
}
