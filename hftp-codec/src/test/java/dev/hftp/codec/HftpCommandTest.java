package dev.hftp.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The commands of HFTP.md: wire names, argument counts, case-sensitive lookup.
 */
class HftpCommandTest {

    @Test
    void shouldHaveExactlyTheCommandsAndArgumentCountsOfTheContract() {
        StringBuilder table = new StringBuilder();
        for (HftpCommand command : HftpCommand.values()) {
            table.append(command.wireName()).append(' ').append(command.arity()).append('\n');
        }
        assertEquals("get_file_listing 0\nget_metadata 1\nget_slice 3\nhelp 0\nquit 0\n", table.toString());
    }

    @ParameterizedTest
    @EnumSource(HftpCommand.class)
    void shouldFindEachCommandByItsWireName(HftpCommand command) {
        assertEquals(Optional.of(command), HftpCommand.fromWireName(command.wireName()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"QUIT", "Quit", "GET_SLICE", "quit ", " quit", "quitx", "", "raw", "GET_FILE_LISTING"})
    void shouldNotFindCommandForOtherWord(String word) {
        assertEquals(Optional.empty(), HftpCommand.fromWireName(word));
    }
}
