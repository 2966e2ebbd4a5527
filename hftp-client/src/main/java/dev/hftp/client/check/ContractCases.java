package dev.hftp.client.check;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static dev.hftp.client.check.DataSet.DOTFILE;
import static dev.hftp.client.check.DataSet.EDGE;
import static dev.hftp.client.check.DataSet.EMPTY;
import static dev.hftp.client.check.DataSet.EXAMPLE;
import static dev.hftp.client.check.DataSet.LONG;
import static dev.hftp.client.check.DataSet.OUTSIDE_LINK;
import static dev.hftp.client.check.DataSet.RANDOM;
import static dev.hftp.client.check.DataSet.SUBDIR;
import static dev.hftp.client.check.Probe.ascii;
import static dev.hftp.client.check.Probe.join;

/**
 * Every line of the contract (../shared/HFTP.md in this project's sources), as cases, in groups: the listing,
 * metadata, slices, errors and their order, fatal statuses closing, framing (pipelining, one byte at a time, lines
 * split across packets, the over-long line), robustness (a client vanishing mid-transfer), isolation (links out of
 * the directory), the extensions ({@code help}, {@code raw}) and concurrent clients; where only this project's
 * docs/PROTOCOL.md decides, the case reports INFO ({@link InfoCases}).
 */
final class ContractCases {

    static final String LISTING = "listing";
    static final String METADATA = "metadata";
    static final String SLICE = "slice";
    static final String ERRORS = "errors";
    static final String FRAMING = "framing";
    static final String ROBUSTNESS = "robustness";
    static final String ISOLATION = "isolation";
    static final String EXTENSIONS = "extensions";
    static final String CONCURRENCY = "concurrency";

    static final String OK = "0 OK\r\n";
    static final String BAD_EOL = "100 BAD EOL\r\n";
    static final String BAD_REQUEST = "101 BAD REQUEST\r\n";
    static final String INTERNAL_ERROR = "199 INTERNAL SERVER ERROR\r\n";
    static final String NO_SUCH_COMMAND = "200 NO SUCH COMMAND\r\n";
    static final String INVALID_ARGUMENTS = "201 INVALID ARGUMENTS FOR COMMAND\r\n";
    static final String NOT_FOUND = "202 FILE NOT FOUND\r\n";
    static final String BAD_OFFSET = "203 OFFSET EXCEEDS FILE SIZE\r\n";

    /** The size line of the contract's example file. */
    static final String EXAMPLE_SIZE = DataSet.size(EXAMPLE) + "\r\n";
    /** The contract's example, byte for byte. */
    static final String EXAMPLE_SLICE = "Y2Fsb3IgcXVlIGhhY2UgaG95LCA=";

    private ContractCases() {
    }

    /** The cases of every group, in the order they run. */
    static List<CheckCase> all() {
        List<CheckCase> all = new ArrayList<>();
        listing(all);
        metadata(all);
        slices(all);
        errors(all);
        framing(all);
        robustness(all);
        isolation(all);
        extensions(all);
        concurrency(all);
        InfoCases.add(all);
        return all;
    }

    // ---------------------------------------------------------------------------------------------- listing

    private static void listing(List<CheckCase> all) {
        all.add(new CheckCase(LISTING, "every-file-once", List.of(), probe -> {
            Wire wire = probe.connect().send("get_file_listing\r\n");
            Outcome status = probe.compare("get_file_listing", wire, ascii(OK));
            if (status.verdict() != Verdict.PASS) {
                return status;
            }
            List<String> names = new ArrayList<>();
            while (true) {
                byte[] line = wire.readLine();
                String text = new String(line, StandardCharsets.ISO_8859_1);
                if (!text.endsWith("\r\n")) {
                    return Outcome.fail("a listing line not ended by CRLF (or the listing never ended)",
                            wire.sent(), ascii(OK + "NAME\r\n...\r\n"), wire.received());
                }
                if (text.equals("\r\n")) {
                    break;
                }
                names.add(text.substring(0, text.length() - 2));
            }
            List<String> missing = new ArrayList<>(listed());
            missing.removeAll(names);
            // Closed first: a server that serves one client at a time would not answer the next connection.
            wire.close();
            for (String name : missing) {
                // Not listed: either not in the served directory at all, or left out of the listing.
                Wire ask = probe.connect().send("get_metadata " + name + "\r\n");
                String reply = new String(ask.readLine(), StandardCharsets.ISO_8859_1);
                if (reply.equals(OK) || reply.equals(INTERNAL_ERROR)) {
                    return Outcome.fail("the listing lacks " + abbreviate(name) + ", which get_metadata finds ("
                            + reply.trim() + ")", wire.sent(), new byte[0], wire.received());
                }
            }
            if (names.stream().distinct().count() != names.size()) {
                return Outcome.fail("a name is listed twice", wire.sent(), new byte[0], wire.received());
            }
            if (names.contains(SUBDIR) || names.contains(OUTSIDE_LINK)) {
                return Outcome.fail("the listing holds " + (names.contains(SUBDIR) ? "a directory (" + SUBDIR + ")"
                        : "a link to a file outside the directory (" + OUTSIDE_LINK + ")"), wire.sent(),
                        new byte[0], wire.received());
            }
            return Outcome.pass("each file once, CRLF, then an empty line; no directory, no link out",
                    wire.sent(), wire.received());
        }));
    }

    /** Every regular file of the data set with a valid name: what a listing must hold. */
    static List<String> listed() {
        List<String> names = new ArrayList<>(DataSet.FILES);
        names.add(DataSet.UNREADABLE);
        return names;
    }

    static String expectedListing() {
        StringBuilder listing = new StringBuilder(OK);
        listed().stream().sorted().forEach(name -> listing.append(name).append("\r\n"));
        return listing.append("\r\n").toString();
    }

    // ---------------------------------------------------------------------------------------------- metadata

    private static void metadata(List<CheckCase> all) {
        for (String name : DataSet.FILES) {
            String label = name.equals(LONG) ? "255-character-name" : name;
            all.add(new CheckCase(METADATA, "size-of-" + label, List.of(name), probe -> probe.reply(
                    "get_metadata " + abbreviate(name), "get_metadata " + name + "\r\n",
                    OK + DataSet.size(name) + "\r\n")));
        }
        all.add(new CheckCase(METADATA, "missing-file", List.of(), probe -> probe.reply(
                "get_metadata of a name that is no file", "get_metadata no-such-file.txt\r\n", NOT_FOUND)));
        all.add(new CheckCase(METADATA, "directory", List.of(), probe -> probe.reply(
                "get_metadata of a directory", "get_metadata " + SUBDIR + "\r\n", NOT_FOUND)));
        all.add(new CheckCase(METADATA, "name-too-long-to-exist", List.of(), probe -> probe.reply(
                "get_metadata of a 256-character name", "get_metadata " + "N".repeat(256) + "\r\n", NOT_FOUND)));
        all.add(new CheckCase(METADATA, "invalid-name", List.of(), probe -> probe.reply(
                "a name with a character outside A-Z a-z 0-9 . - _", "get_metadata arch*vo.txt\r\n",
                INVALID_ARGUMENTS)));
        all.add(new CheckCase(METADATA, "no-argument", List.of(), probe -> probe.reply(
                "get_metadata without its name", "get_metadata\r\n", INVALID_ARGUMENTS)));
        all.add(new CheckCase(METADATA, "two-arguments", List.of(EXAMPLE), probe -> probe.reply(
                "get_metadata with two names", "get_metadata " + EXAMPLE + " " + EXAMPLE + "\r\n",
                INVALID_ARGUMENTS)));
    }

    // ---------------------------------------------------------------------------------------------- slices

    private static void slices(List<CheckCase> all) {
        all.add(new CheckCase(SLICE, "contract-example", List.of(EXAMPLE), probe -> probe.reply(
                "get_slice archivo.txt 5 20", "get_slice " + EXAMPLE + " 5 20\r\n", OK + EXAMPLE_SLICE + "\r\n")));
        all.add(new CheckCase(SLICE, "whole-random-file", List.of(RANDOM), probe -> probe.reply(
                "the whole " + DataSet.RANDOM_SIZE + "-byte random file, base64 on one line",
                "get_slice " + RANDOM + " 0 " + DataSet.RANDOM_SIZE + "\r\n", sliceReply(RANDOM, 0,
                        DataSet.RANDOM_SIZE))));
        all.add(new CheckCase(SLICE, "padding", List.of(RANDOM), probe -> {
            // 1, 2 and 3 bytes: two, one and no padding characters; at odd offsets.
            Wire wire = probe.connect().send("get_slice " + RANDOM + " 7 1\r\nget_slice " + RANDOM
                    + " 1000001 2\r\nget_slice " + RANDOM + " 3145727 3\r\n");
            return probe.compare("slices of 1, 2 and 3 bytes (padding ==, = and none)", wire,
                    join(sliceReply(RANDOM, 7, 1), sliceReply(RANDOM, 1000001, 2), sliceReply(RANDOM, 3145727, 3)));
        }));
        all.add(new CheckCase(SLICE, "size-zero", List.of(EXAMPLE), probe -> probe.reply(
                "a slice of 0 bytes is an empty line", "get_slice " + EXAMPLE + " 3 0\r\n", OK + "\r\n")));
        all.add(new CheckCase(SLICE, "empty-file", List.of(EMPTY), probe -> probe.reply(
                "the 0 bytes of the empty file", "get_slice " + EMPTY + " 0 0\r\n", OK + "\r\n")));
        all.add(new CheckCase(SLICE, "up-to-the-last-byte", List.of(EXAMPLE), probe -> probe.reply(
                "OFFSET + SIZE equal to the size is served", "get_slice " + EXAMPLE + " 40 1\r\n",
                sliceReply(EXAMPLE, 40, 1))));
        all.add(new CheckCase(SLICE, "one-byte-past-the-end", List.of(EXAMPLE), probe -> probe.reply(
                "OFFSET + SIZE one more than the size is 203", "get_slice " + EXAMPLE + " 40 2\r\n", BAD_OFFSET)));
        all.add(new CheckCase(SLICE, "offset-at-the-end", List.of(EXAMPLE), probe -> probe.reply(
                "OFFSET equal to the size with SIZE 0 is an empty slice", "get_slice " + EXAMPLE + " 41 0\r\n",
                OK + "\r\n")));
        all.add(new CheckCase(SLICE, "offset-past-the-end", List.of(EXAMPLE), probe -> probe.reply(
                "OFFSET past the size is 203, SIZE 0 or not", "get_slice " + EXAMPLE + " 42 0\r\n", BAD_OFFSET)));
        all.add(new CheckCase(SLICE, "size-past-the-end", List.of(EXAMPLE), probe -> probe.reply(
                "SIZE larger than the file", "get_slice " + EXAMPLE + " 0 1000\r\n", BAD_OFFSET)));
        all.add(new CheckCase(SLICE, "missing-file", List.of(), probe -> probe.reply(
                "a slice of a name that is no file", "get_slice no-such-file.txt 0 1\r\n", NOT_FOUND)));
        String[][] badArguments = {
                {"negative-offset", "get_slice " + EXAMPLE + " -1 2"},
                {"offset-not-a-number", "get_slice " + EXAMPLE + " five 2"},
                {"size-not-a-number", "get_slice " + EXAMPLE + " 0 2.5"},
                {"size-beyond-64-bits", "get_slice " + EXAMPLE + " 0 99999999999999999999"},
                {"offset-beyond-64-bits", "get_slice " + EXAMPLE + " 99999999999999999999 0"},
                {"fourth-element-not-raw", "get_slice " + EXAMPLE + " 0 1 x"},
                {"five-elements", "get_slice " + EXAMPLE + " 0 1 raw x"},
                {"two-arguments", "get_slice " + EXAMPLE + " 0"},
                {"invalid-name", "get_slice arch/vo.txt 0 1"},
        };
        for (String[] bad : badArguments) {
            all.add(new CheckCase(SLICE, bad[0], List.of(), probe -> probe.reply(bad[1], bad[1] + "\r\n",
                    INVALID_ARGUMENTS)));
        }
        all.add(new CheckCase(SLICE, "order-arguments-before-file", List.of(), probe -> probe.reply(
                "201 before 202: bad arguments for a missing file", "get_slice no-such-file.txt 0 x\r\n",
                INVALID_ARGUMENTS)));
        all.add(new CheckCase(SLICE, "order-file-before-range", List.of(), probe -> probe.reply(
                "202 before 203: a range no file could hold, of a missing file", "get_slice no-such-file.txt 0 "
                        + Long.MAX_VALUE + "\r\n", NOT_FOUND)));
    }

    /** The reply to a base64 slice of the data-set file {@code name}. */
    static byte[] sliceReply(String name, int offset, int size) {
        byte[] bytes = Arrays.copyOfRange(DataSet.content(name), offset, offset + size);
        return join(ascii(OK), Base64.getEncoder().encode(bytes), ascii("\r\n"));
    }

    // ---------------------------------------------------------------------------------------------- errors

    private static void errors(List<CheckCase> all) {
        all.add(new CheckCase(ERRORS, "unknown-command-keeps-the-connection", List.of(EMPTY), probe -> {
            Wire wire = probe.connect().send("hello\r\nget_metadata " + EMPTY + "\r\n");
            return probe.compare("200 for an unknown command, then the next request answered", wire,
                    ascii(NO_SUCH_COMMAND + OK + "0\r\n"));
        }));
        all.add(new CheckCase(ERRORS, "commands-are-lowercase", List.of(), probe -> probe.reply(
                "GET_FILE_LISTING is no command (case-sensitive)", "GET_FILE_LISTING\r\n", NO_SUCH_COMMAND)));
        all.add(new CheckCase(ERRORS, "bad-eol-closes", List.of(), probe -> probe.fatal(
                "the contract's qui\\nt\\n\\r\\n", "qui\nt\n\r\n", BAD_EOL)));
        all.add(new CheckCase(ERRORS, "empty-line-closes", List.of(), probe -> probe.fatal(
                "an empty line", "\r\n", BAD_REQUEST)));
        all.add(new CheckCase(ERRORS, "only-spaces-closes", List.of(), probe -> probe.fatal(
                "a line of only spaces", "   \r\n", BAD_REQUEST)));
        all.add(new CheckCase(ERRORS, "non-ascii-closes", List.of(), probe -> probe.fatal(
                "a byte outside US-ASCII", "get_metadata caf\u00e9.txt\r\n", BAD_REQUEST)));
        all.add(new CheckCase(ERRORS, "stray-cr-closes", List.of(), probe -> probe.fatal(
                "a CR inside the line", "get_meta\rdata x\r\n", BAD_REQUEST)));
        all.add(new CheckCase(ERRORS, "nothing-after-a-fatal-status", List.of(), probe -> probe.fatal(
                "requests after a fatal one get no reply", "\r\nget_file_listing\r\nget_file_listing\r\n",
                BAD_REQUEST)));
        all.add(new CheckCase(ERRORS, "listing-with-an-argument", List.of(), probe -> probe.reply(
                "get_file_listing takes no argument", "get_file_listing x\r\n", INVALID_ARGUMENTS)));
        all.add(new CheckCase(ERRORS, "quit-with-an-argument", List.of(), probe -> probe.reply(
                "quit takes no argument (and does not quit)", "quit now\r\n", INVALID_ARGUMENTS)));
        all.add(new CheckCase(ERRORS, "order-command-before-arguments", List.of(), probe -> probe.reply(
                "200 before 201: an unknown command with any arguments", "get_metadatas a b c\r\n",
                NO_SUCH_COMMAND)));
        all.add(new CheckCase(ERRORS, "unreadable-file-closes", List.of(DataSet.UNREADABLE), probe -> {
            Wire wire = probe.connect().send("get_slice " + DataSet.UNREADABLE + " 0 1\r\n");
            Outcome outcome = probe.closesAfter("a slice of a file the server cannot read", wire, INTERNAL_ERROR);
            if (outcome.verdict() == Verdict.FAIL && new String(wire.received(), StandardCharsets.ISO_8859_1)
                    .startsWith(OK)) {
                return Outcome.skip("the server read " + DataSet.UNREADABLE + " (mode 000): it runs as root, or "
                        + "the file's mode was changed");
            }
            return outcome;
        }));
        all.add(new CheckCase(ERRORS, "quit", List.of(), probe -> probe.fatal(
                "quit: 0 OK, then the server closes", "quit\r\n", OK)));
    }

    // ---------------------------------------------------------------------------------------------- framing

    private static void framing(List<CheckCase> all) {
        all.add(new CheckCase(FRAMING, "pipelined-in-one-packet", List.of(EXAMPLE, EMPTY), probe -> {
            StringBuilder requests = new StringBuilder();
            ByteArrayOutputBuilder replies = new ByteArrayOutputBuilder();
            for (int i = 0; i < 10; i++) {
                requests.append("get_metadata ").append(EXAMPLE).append("\r\n");
                replies.add(OK + EXAMPLE_SIZE);
                requests.append("get_slice ").append(EXAMPLE).append(" 5 20\r\n");
                replies.add(OK + EXAMPLE_SLICE + "\r\n");
                requests.append("nope\r\n");
                replies.add(NO_SUCH_COMMAND);
                requests.append("get_metadata no-such-file.txt\r\n");
                replies.add(NOT_FOUND);
                requests.append("get_slice ").append(EMPTY).append(" 0 1\r\n");
                replies.add(BAD_OFFSET);
            }
            Wire wire = probe.connect().send(requests.toString());
            return probe.compare("50 requests in one packet, answered in order", wire, replies.bytes());
        }));
        all.add(new CheckCase(FRAMING, "one-byte-at-a-time", List.of(EXAMPLE), probe -> {
            Wire wire = probe.connect().sendByteByByte("get_slice " + EXAMPLE + " 5 20\r\n");
            return probe.compare("a request sent one byte per packet", wire, ascii(OK + EXAMPLE_SLICE + "\r\n"));
        }));
        all.add(new CheckCase(FRAMING, "lines-split-across-packets", List.of(EXAMPLE, EMPTY), probe -> {
            Wire wire = probe.connect();
            wire.send("get_metadata arch");
            Thread.sleep(50);
            wire.send("ivo.txt\r\nget_meta");
            Thread.sleep(50);
            wire.send("data " + EMPTY + "\r");
            Thread.sleep(50);
            wire.send("\n");
            return probe.compare("two requests cut at odd places, CR and LF in separate packets", wire,
                    ascii(OK + EXAMPLE_SIZE + OK + "0\r\n"));
        }));
        all.add(new CheckCase(FRAMING, "over-long-line", List.of(EXAMPLE), probe -> {
            // The course's suite: get_metadata with a 5 MiB name is 202, and the connection goes on.
            Wire wire = probe.connect();
            wire.send("get_metadata ");
            byte[] name = new byte[5 * 1024 * 1024];
            Arrays.fill(name, (byte) 'x');
            wire.send(name);
            wire.send("\r\nget_metadata " + EXAMPLE + "\r\n");
            return probe.compare("get_metadata with a 5 MiB name, then a request", wire,
                    ascii(NOT_FOUND + OK + EXAMPLE_SIZE));
        }));
        all.add(new CheckCase(FRAMING, "over-long-unknown-command", List.of(EXAMPLE), probe -> {
            Wire wire = probe.connect().send(overLong("", 'x', "\r\nget_metadata " + EXAMPLE + "\r\n"));
            return probe.compare("a 5 MiB command word is 200, as the whole line", wire,
                    ascii(NO_SUCH_COMMAND + OK + EXAMPLE_SIZE));
        }));
        all.add(new CheckCase(FRAMING, "over-long-invalid-name", List.of(EXAMPLE), probe -> {
            Wire wire = probe.connect().send(overLong("get_metadata ", 'x', "*\r\nget_metadata " + EXAMPLE
                    + "\r\n"));
            return probe.compare("a 5 MiB name with an invalid character at its end is 201, as the whole line", wire,
                    ascii(INVALID_ARGUMENTS + OK + EXAMPLE_SIZE));
        }));
    }

    /** {@code prefix}, then 5 MiB of {@code filler}, then {@code suffix}: a line far longer than any limit. */
    private static byte[] overLong(String prefix, char filler, String suffix) {
        byte[] middle = new byte[5 * 1024 * 1024];
        Arrays.fill(middle, (byte) filler);
        return join(ascii(prefix), middle, ascii(suffix));
    }

    // ---------------------------------------------------------------------------------------------- robustness

    private static void robustness(List<CheckCase> all) {
        all.add(new CheckCase(ROBUSTNESS, "client-vanishing-mid-transfer", List.of(RANDOM, EXAMPLE), probe -> {
            for (int i = 0; i < 3; i++) {
                Wire leaving = probe.connect().send("get_slice " + RANDOM + " 0 " + DataSet.RANDOM_SIZE + "\r\n");
                leaving.readExactly(1000);
                leaving.close();
            }
            return probe.reply("three clients leave mid-transfer; a new client is served",
                    "get_metadata " + EXAMPLE + "\r\n", OK + EXAMPLE_SIZE);
        }));
    }

    // ---------------------------------------------------------------------------------------------- isolation

    private static void isolation(List<CheckCase> all) {
        all.add(new CheckCase(ISOLATION, "link-out-of-the-directory", List.of(), probe -> probe.reply(
                "a link to " + DataSet.OUTSIDE_TARGET + " is no file", "get_metadata " + OUTSIDE_LINK + "\r\n",
                NOT_FOUND)));
        all.add(new CheckCase(ISOLATION, "slice-through-a-link-out", List.of(), probe -> probe.reply(
                "nor can it be read", "get_slice " + OUTSIDE_LINK + " 0 1\r\n", NOT_FOUND)));
        for (String dots : List.of(".", "..")) {
            all.add(new CheckCase(ISOLATION, "name-" + (dots.length() == 1 ? "dot" : "dot-dot"), List.of(), probe -> {
                Wire wire = probe.connect().send("get_metadata " + dots + "\r\n");
                byte[] line = wire.readLine();
                String reply = new String(line, StandardCharsets.ISO_8859_1);
                if (reply.equals(INVALID_ARGUMENTS) || reply.equals(NOT_FOUND)) {
                    return Outcome.pass("the name " + dots + " is no file (201 or 202: the contract names no code)",
                            wire.sent(), wire.received());
                }
                return Outcome.fail("the name " + dots + " is never a file", wire.sent(),
                        ascii(INVALID_ARGUMENTS + " or " + NOT_FOUND), wire.received());
            }));
        }
        all.add(new CheckCase(ISOLATION, "path-in-a-name", List.of(), probe -> probe.reply(
                "../etc/passwd is an invalid name, not a path", "get_metadata ../etc/passwd\r\n",
                INVALID_ARGUMENTS)));
    }

    // ---------------------------------------------------------------------------------------------- extensions

    private static void extensions(List<CheckCase> all) {
        all.add(new CheckCase(EXTENSIONS, "help", List.of(), probe -> probe.reply("help lists the five commands",
                "help\r\n", OK + "get_file_listing\r\nget_metadata\r\nget_slice\r\nhelp\r\nquit\r\n\r\n")));
        all.add(new CheckCase(EXTENSIONS, "help-with-an-argument", List.of(), probe -> probe.reply(
                "help takes no argument", "help me\r\n", INVALID_ARGUMENTS)));
        all.add(new CheckCase(EXTENSIONS, "raw-contract-example", List.of(EXAMPLE, EMPTY), probe -> {
            // The request after it tells whether anything follows the raw bytes.
            Wire wire = probe.connect().send("get_slice " + EXAMPLE + " 5 20 raw\r\nget_metadata " + EMPTY
                    + "\r\n");
            return probe.compare("a raw slice, nothing after its bytes", wire, join(rawReply(EXAMPLE, 5, 20),
                    ascii(OK + "0\r\n")));
        }));
        all.add(new CheckCase(EXTENSIONS, "raw-whole-random-file", List.of(RANDOM), probe -> probe.reply(
                "the whole random file, raw", "get_slice " + RANDOM + " 0 " + DataSet.RANDOM_SIZE + " raw\r\n",
                rawReply(RANDOM, 0, DataSet.RANDOM_SIZE))));
        all.add(new CheckCase(EXTENSIONS, "raw-size-zero", List.of(EXAMPLE, EMPTY), probe -> {
            Wire wire = probe.connect().send("get_slice " + EXAMPLE + " 0 0 raw\r\nget_metadata " + EMPTY + "\r\n");
            return probe.compare("a raw slice of 0 bytes", wire, ascii(OK + "Content-Length: 0\r\n\r\n" + OK
                    + "0\r\n"));
        }));
        all.add(new CheckCase(EXTENSIONS, "raw-past-the-end", List.of(EXAMPLE), probe -> probe.reply(
                "the range is checked for raw slices too", "get_slice " + EXAMPLE + " 40 2 raw\r\n", BAD_OFFSET)));
        all.add(new CheckCase(EXTENSIONS, "raw-keyword-exactly", List.of(EXAMPLE), probe -> probe.reply(
                "a fourth element other than raw is 201", "get_slice " + EXAMPLE + " 0 1 RAW\r\n",
                INVALID_ARGUMENTS)));
    }

    /** The reply to a raw slice of the data-set file {@code name}. */
    static byte[] rawReply(String name, int offset, int size) {
        return join(ascii(OK + "Content-Length: " + size + "\r\n\r\n"),
                Arrays.copyOfRange(DataSet.content(name), offset, offset + size));
    }

    // ---------------------------------------------------------------------------------------------- concurrency

    private static void concurrency(List<CheckCase> all) {
        all.add(new CheckCase(CONCURRENCY, "while-another-client-is-silent", List.of(EXAMPLE), probe -> {
            Wire silent = probe.connect().send("get_meta");
            Outcome served = probe.reply("a second client is answered while the first has sent half a line",
                    "get_metadata " + EXAMPLE + "\r\n", OK + EXAMPLE_SIZE);
            silent.close();
            return served;
        }));
        all.add(new CheckCase(CONCURRENCY, "while-another-client-does-not-read", List.of(RANDOM, EXAMPLE), probe -> {
            // Ten whole-file slices not read: more than any socket buffer holds, so the server must wait for them.
            Wire stalled = probe.connect();
            StringBuilder requests = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                requests.append("get_slice ").append(RANDOM).append(" 0 ").append(DataSet.RANDOM_SIZE).append("\r\n");
            }
            stalled.send(requests.toString());
            Thread.sleep(200);
            Outcome served = probe.reply("a second client is answered while the first does not read its slices",
                    "get_metadata " + EXAMPLE + "\r\n", OK + EXAMPLE_SIZE);
            stalled.close();
            return served;
        }));
    }

    /** {@code name}, shortened for a report line. */
    static String abbreviate(String name) {
        return name.length() <= 40 ? name : name.substring(0, 20) + "...(" + name.length() + " characters)";
    }

    /** Replies appended one after the other. */
    private static final class ByteArrayOutputBuilder {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

        void add(String ascii) {
            bytes.writeBytes(ascii(ascii));
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

}
