package dev.hftp.client.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** The exit codes of {@code hftp}, listed in its usage footer and in the README. */
final class ExitCodes {

    static final int OK = 0;
    /** The server answered with an error status (202, 203, ...). */
    static final int SERVER_ERROR = 1;
    /** picocli's own code for an invalid command line. */
    static final int USAGE = 2;
    static final int CONNECTION = 3;
    /** A local file could not be written, or the downloaded file does not have the server's size. */
    static final int LOCAL_FILE = 4;

    /** The codes and their meaning, for the usage footer of every command. */
    static Map<String, String> descriptions() {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put(" " + OK, "done");
        codes.put(" " + SERVER_ERROR, "the server answered with an error (202 FILE NOT FOUND, 203 ...)");
        codes.put(" " + USAGE, "invalid command line");
        codes.put(" " + CONNECTION, "could not connect, or the connection was lost");
        codes.put(" " + LOCAL_FILE, "a local file could not be written, or the downloaded size is wrong");
        return codes;
    }

    private ExitCodes() {
    }
}
