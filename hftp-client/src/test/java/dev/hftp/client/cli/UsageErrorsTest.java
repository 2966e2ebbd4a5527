package dev.hftp.client.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Mistakes on the command line: exit code 2, what is wrong and where to read more, nothing sent to a server. */
class UsageErrorsTest {

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = HftpCli.commandLine();
        commandLine.setErr(new PrintWriter(err));
        for (CommandLine sub : commandLine.getSubcommands().values()) {
            sub.setErr(new PrintWriter(err));
        }
        return commandLine.execute(args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"my file.txt", "a/b", "../etc/passwd", "ñ"})
    void anInvalidFileNameIsAUsageErrorInTwoLines(String name) {
        // 127.0.0.1:9 is never connected to: the name is refused while the command line is parsed.
        assertEquals(2, run("get", "127.0.0.1:9", name));
        String[] lines = err.toString().split("\n");
        assertEquals(2, lines.length, err.toString());
        assertEquals("hftp: Invalid value for positional parameter at index 1 (NAME): '" + name + "' is not an HFTP "
                + "file name: HFTP names hold only letters, digits, '.', '-' and '_' (no spaces, no directories)",
                lines[0]);
        assertEquals("Try 'hftp get --help' for more information.", lines[1]);
        assertFalse(err.toString().contains("Exception"), err.toString());
    }

    @Test
    void anUnknownOptionIsAUsageErrorInTwoLines() {
        assertEquals(2, run("stat", "--nope", "127.0.0.1:9", "a"));
        assertEquals("hftp: Unknown option: '--nope'\nTry 'hftp stat --help' for more information.\n",
                err.toString().replace("\r", ""));
    }
}
