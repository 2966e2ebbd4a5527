package dev.hftp.codec;

import java.nio.charset.StandardCharsets;

/**
 * The status codes of HFTP with their exact wire messages. Codes 100 to 199 are fatal: the connection
 * is closed right after the status line.
 */
public enum HftpStatus {
    OK(0, "OK"),
    BAD_EOL(100, "BAD EOL"),
    BAD_REQUEST(101, "BAD REQUEST"),
    INTERNAL_ERROR(199, "INTERNAL SERVER ERROR"),
    INVALID_COMMAND(200, "NO SUCH COMMAND"),
    INVALID_ARGUMENTS(201, "INVALID ARGUMENTS FOR COMMAND"),
    FILE_NOT_FOUND(202, "FILE NOT FOUND"),
    BAD_OFFSET(203, "OFFSET EXCEEDS FILE SIZE");

    private final int code;
    private final String message;
    private final byte[] statusLine;

    HftpStatus(int code, String message) {
        this.code = code;
        this.message = message;
        this.statusLine = (code + " " + message + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The numeric code, e.g. {@code 202}. */
    public int code() {
        return code;
    }

    /** The message that follows the code on the status line, e.g. {@code FILE NOT FOUND}. */
    public String message() {
        return message;
    }

    /** Whether the server closes the connection after sending this status. */
    public boolean isFatal() {
        return code >= 100 && code < 200;
    }

    /** The whole status line, terminator included; a fresh copy, as arrays are mutable. */
    public byte[] statusLine() {
        return statusLine.clone();
    }

    /** The status line shared without copying, for the encoder only. */
    byte[] statusLineBytes() {
        return statusLine;
    }

    @Override
    public String toString() {
        return code + " " + message;
    }
}
