package dev.hftp.codec.testing;

import dev.hftp.codec.HftpRequest;
import dev.hftp.codec.HftpStatus;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The answer the contract ({@code shared/HFTP.md}, {@code docs/PROTOCOL.md}) gives to each request line, written
 * from the contract alone and sharing no code with the decoders: the oracle of the seeded random tests and of
 * the fuzz targets of the request path.
 */
public final class RequestModel {

    /** No file name can be longer (NAME_MAX), so a longer valid name is 202 FILE NOT FOUND. */
    public static final int NAME_MAX = 255;

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private RequestModel() { }

    /** The bytes up to and with each LF; what follows the last LF is not a line. */
    public static List<byte[]> lines(byte[] bytes) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == LF) {
                byte[] line = new byte[i + 1 - start];
                System.arraycopy(bytes, start, line, 0, line.length);
                lines.add(line);
                start = i + 1;
            }
        }
        return lines;
    }

    /** The answer the contract gives to one line (terminator included), as the request a decoder must give. */
    public static HftpRequest expected(byte[] line) {
        int n = line.length;
        // A line ends at its first LF; without a CR just before it, that LF is a bad EOL.
        if (n < 2 || line[n - 2] != CR) {
            return malformed(HftpStatus.BAD_EOL);
        }
        boolean onlySpaces = true;
        for (int i = 0; i < n - 2; i++) {
            if (line[i] == CR || (line[i] & 0xff) > 0x7f) {
                return malformed(HftpStatus.BAD_REQUEST);
            }
            onlySpaces &= line[i] == ' ';
        }
        if (onlySpaces) {
            return malformed(HftpStatus.BAD_REQUEST);
        }
        String[] e = new String(line, 0, n - 2, StandardCharsets.US_ASCII).split(" ", -1);
        switch (e[0]) {
            case "get_file_listing":
                return e.length == 1 ? HftpRequest.GET_FILE_LISTING : malformed(HftpStatus.INVALID_ARGUMENTS);
            case "help":
                return e.length == 1 ? HftpRequest.HELP : malformed(HftpStatus.INVALID_ARGUMENTS);
            case "quit":
                return e.length == 1 ? HftpRequest.QUIT : malformed(HftpStatus.INVALID_ARGUMENTS);
            case "get_metadata":
                return e.length == 2 && isName(e[1])
                        ? new HftpRequest.GetMetadata(e[1]) : malformed(HftpStatus.INVALID_ARGUMENTS);
            case "get_slice":
                boolean raw = e.length == 5 && e[4].equals("raw");
                if ((e.length == 4 || raw) && isName(e[1]) && isNumber(e[2]) && isNumber(e[3])) {
                    return new HftpRequest.GetSlice(e[1], Long.parseLong(e[2]), Long.parseLong(e[3]), raw);
                }
                return malformed(HftpStatus.INVALID_ARGUMENTS);
            default:
                return malformed(HftpStatus.INVALID_COMMAND);
        }
    }

    /** Equal requests; for two Malformed, the same status (the reason is free text). */
    public static boolean sameRequest(HftpRequest expected, HftpRequest actual) {
        if (expected instanceof HftpRequest.Malformed e && actual instanceof HftpRequest.Malformed a) {
            return e.status() == a.status();
        }
        return expected.equals(actual);
    }

    /**
     * What the server answers to a request, as far as the request decides it: a file name longer than any
     * file's is 202 FILE NOT FOUND, whichever such name it is.
     */
    public static String answer(HftpRequest request) {
        if (request instanceof HftpRequest.Malformed m) {
            return m.status().toString();
        }
        if (request instanceof HftpRequest.GetMetadata g) {
            return g.fileName().length() > NAME_MAX ? "202 (long name)" : "metadata " + g.fileName();
        }
        if (request instanceof HftpRequest.GetSlice s) {
            return s.fileName().length() > NAME_MAX ? "202 (long name)"
                    : "slice " + s.fileName() + " " + s.offset() + " " + s.size() + (s.raw() ? " raw" : "");
        }
        return request.toString();
    }

    /**
     * Null when a decoder may give {@code malformed}: it rejects a line (fatal 1xx) or a command (2xx); files,
     * ranges and success are not its to say. Otherwise why not.
     */
    public static String wrongStatusClass(HftpRequest.Malformed malformed) {
        HftpStatus status = malformed.status();
        boolean lineLevel = status == HftpStatus.BAD_EOL || status == HftpStatus.BAD_REQUEST;
        boolean commandLevel = status == HftpStatus.INVALID_COMMAND || status == HftpStatus.INVALID_ARGUMENTS;
        return lineLevel && status.isFatal() && status.code() / 100 == 1
                || commandLevel && !status.isFatal() && status.code() / 100 == 2
                ? null : "a decoder may not answer " + status;
    }

    private static boolean isName(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_');
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9')
                && new BigInteger(s).compareTo(BigInteger.valueOf(Long.MAX_VALUE)) <= 0;
    }

    private static HftpRequest malformed(HftpStatus status) {
        return new HftpRequest.Malformed(status, "expected");
    }
}
