package dev.hftp.client.check;

import java.util.List;

import static dev.hftp.client.check.ContractCases.BAD_EOL;
import static dev.hftp.client.check.ContractCases.EXAMPLE_SIZE;
import static dev.hftp.client.check.ContractCases.EXAMPLE_SLICE;
import static dev.hftp.client.check.ContractCases.INVALID_ARGUMENTS;
import static dev.hftp.client.check.ContractCases.OK;
import static dev.hftp.client.check.DataSet.EXAMPLE;
import static dev.hftp.client.check.Probe.ascii;

/**
 * Questions the contract leaves open, each answered by a decision of this project's docs/PROTOCOL.md: the check
 * reports what the server does, as INFO, never as a failure.
 */
final class InfoCases {

    static final String GROUP = "info";

    private InfoCases() {
    }

    static void add(List<CheckCase> all) {
        all.add(decision("two-spaces", 2, "two spaces between elements make an empty element: 201",
                "get_metadata  " + EXAMPLE + "\r\n", INVALID_ARGUMENTS));
        all.add(decision("trailing-space", 2, "a space at the end of the line makes an empty element: 201",
                "get_metadata " + EXAMPLE + " \r\n", INVALID_ARGUMENTS));
        all.add(decision("leading-zeros", 3, "005 is 5", "get_slice " + EXAMPLE + " 005 020\r\n",
                OK + EXAMPLE_SLICE + "\r\n"));
        all.add(decision("plus-sign", 3, "only digits make a number: +5 is 201",
                "get_slice " + EXAMPLE + " +5 20\r\n", INVALID_ARGUMENTS));
        all.add(decision("sorted-listing", 5, "the listing is sorted by name", "get_file_listing\r\n",
                ContractCases.expectedListing()));
        all.add(new CheckCase(GROUP, "lone-lf", List.of(), probe -> {
            Wire wire = probe.connect().send("get_metadata " + EXAMPLE + "\n");
            return info(1, "a line ended by LF alone is 100 at once, without waiting for a CR LF",
                    probe.closesAfter("LF without CR", wire, BAD_EOL), wire);
        }));
        all.add(new CheckCase(GROUP, "half-close", List.of(EXAMPLE), probe -> {
            Wire wire = probe.connect().send("get_metadata " + EXAMPLE + "\r\n");
            wire.shutdownOutput();
            Outcome reply = probe.compare("a request, then FIN", wire, ascii(OK + EXAMPLE_SIZE));
            if (reply.verdict() == Verdict.PASS && !wire.endsWithNothingMore()) {
                reply = Outcome.fail("not closed after the last reply", wire.sent(), ascii(OK + EXAMPLE_SIZE),
                        wire.received());
            }
            return info(9, "a client that sends FIN still gets its replies, then the server closes", reply, wire);
        }));
    }

    private static CheckCase decision(String name, int section, String decided, String request, String reply) {
        return new CheckCase(GROUP, name, List.of(EXAMPLE), probe -> {
            Wire wire = probe.connect().send(request);
            return info(section, decided, probe.compare(name, wire, ascii(reply)), wire);
        });
    }

    /** INFO either way: whether the server does what docs/PROTOCOL.md decides ({@code section}). */
    private static Outcome info(int section, String decided, Outcome compared, Wire wire) {
        String where = " (docs/PROTOCOL.md, decision " + section + ")";
        if (compared.verdict() == Verdict.PASS) {
            return Outcome.info("as this project decides: " + decided + where, wire.sent(), wire.received());
        }
        byte[] got = wire.received();
        int lineEnd = 0;
        while (lineEnd < got.length && lineEnd < 60 && got[lineEnd] != '\n') {
            lineEnd++;
        }
        String server = got.length == 0 ? "no reply within the case's time"
                : "it answered " + Escaped.of(got, 0, Math.min(got.length, lineEnd + 1));
        return Outcome.info("otherwise than this project decides (" + decided + "): " + server
                + "; the contract leaves it open" + where, wire.sent(), got);
    }
}
