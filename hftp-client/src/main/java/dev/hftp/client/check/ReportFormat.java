package dev.hftp.client.check;

import java.util.Locale;

/**
 * A check's report as people read it (one line per case; for a failure, what was sent, what was expected and what
 * came back, the first difference marked) and as graders' programs read it (JSON).
 */
public final class ReportFormat {

    /** The most bytes of a sent request a report shows. */
    private static final int SENT_SHOWN = 160;
    /** The most bytes of each field a JSON report holds. */
    private static final int JSON_BYTES = 4_096;

    private ReportFormat() {
    }

    /** The report as text; {@code verbose} also shows the bytes of the cases that passed. */
    public static String text(ConformanceCheck.Report report, boolean verbose) {
        StringBuilder out = new StringBuilder();
        out.append("hftp check ").append(report.target()).append(report.tls() ? " (TLS)" : "").append('\n');
        if (report.listingProblem() != null) {
            out.append("note  the data set's files could not be told from the listing: ")
                    .append(report.listingProblem()).append('\n');
        } else if (!report.missingFiles().isEmpty()) {
            out.append("note  not served, their cases skipped: ").append(String.join(", ", report.missingFiles()
                    .stream().map(ContractCases::abbreviate).toList()))
                    .append(" (hftp check --make-data DIR writes the data set)\n");
        }
        for (ConformanceCheck.Result result : report.results()) {
            Outcome outcome = result.outcome();
            out.append(String.format(Locale.ROOT, "%-4s  %s  %s%n", outcome.verdict(), result.id(),
                    outcome.summary()));
            if (outcome.verdict() == Verdict.FAIL || (verbose && outcome.hasBytes())) {
                details(out, outcome);
            }
        }
        out.append(summary(report)).append('\n');
        return out.toString();
    }

    /** The last line of a report: the counts, and the time the check took. */
    public static String summary(ConformanceCheck.Report report) {
        return String.format(Locale.ROOT, "hftp check: %d passed, %d failed, %d skipped, %d info (%.1f s)",
                report.count(Verdict.PASS), report.count(Verdict.FAIL), report.count(Verdict.SKIP),
                report.count(Verdict.INFO), report.took().toMillis() / 1000.0);
    }

    private static void details(StringBuilder out, Outcome outcome) {
        if (outcome.sent().length > 0) {
            byte[] sent = outcome.sent();
            String shown = Escaped.of(sent, 0, Math.min(sent.length, SENT_SHOWN))
                    + (sent.length > SENT_SHOWN ? " ...(" + (sent.length - SENT_SHOWN) + " more bytes)" : "");
            out.append("      sent:     ").append(shown).append('\n');
        }
        if (outcome.verdict() != Verdict.FAIL) {
            out.append("      got:      ").append(Escaped.around(outcome.got(), 0).text()).append('\n');
            return;
        }
        if (outcome.expected().length == 0) {
            // Nothing byte for byte to compare with (a listing, in any order): what came is shown.
            out.append("      got:      ").append(outcome.got().length == 0 ? "(nothing)"
                    : Escaped.around(outcome.got(), 0).text()).append('\n');
            return;
        }
        int at = Escaped.firstDifference(outcome.expected(), outcome.got());
        Escaped.Window expected = Escaped.around(outcome.expected(), Math.max(at, 0));
        Escaped.Window got = Escaped.around(outcome.got(), Math.max(at, 0));
        out.append("      expected: ").append(expected.text()).append('\n');
        out.append("      got:      ").append(outcome.got().length == 0 ? "(nothing)" : got.text()).append('\n');
        if (at >= 0 && outcome.got().length > 0) {
            out.append("                ").append(" ".repeat(got.column())).append("^ first difference, byte ")
                    .append(at).append('\n');
        }
    }

    /** The report as one JSON object: target, summary counts, and every case with its bytes escaped. */
    public static String json(ConformanceCheck.Report report) {
        StringBuilder j = new StringBuilder("{");
        field(j, "target", report.target()).append(',');
        j.append("\"tls\":").append(report.tls()).append(',');
        j.append("\"seconds\":").append(String.format(Locale.ROOT, "%.3f", report.took().toMillis() / 1000.0))
                .append(',');
        j.append("\"missingFiles\":[");
        for (int i = 0; i < report.missingFiles().size(); i++) {
            j.append(i > 0 ? "," : "").append(quote(report.missingFiles().get(i)));
        }
        j.append("],");
        if (report.listingProblem() != null) {
            field(j, "listingProblem", report.listingProblem()).append(',');
        }
        j.append("\"summary\":{");
        j.append("\"passed\":").append(report.count(Verdict.PASS)).append(',');
        j.append("\"failed\":").append(report.count(Verdict.FAIL)).append(',');
        j.append("\"skipped\":").append(report.count(Verdict.SKIP)).append(',');
        j.append("\"info\":").append(report.count(Verdict.INFO)).append("},");
        j.append("\"cases\":[");
        boolean first = true;
        for (ConformanceCheck.Result result : report.results()) {
            Outcome outcome = result.outcome();
            j.append(first ? "" : ",").append('{');
            first = false;
            field(j, "id", result.id()).append(',');
            field(j, "group", result.group()).append(',');
            field(j, "name", result.name()).append(',');
            field(j, "verdict", outcome.verdict().name()).append(',');
            field(j, "summary", outcome.summary());
            if (outcome.hasBytes()) {
                j.append(',');
                field(j, "sent", shown(outcome.sent())).append(',');
                field(j, "expected", shown(outcome.expected())).append(',');
                field(j, "got", shown(outcome.got()));
                int at = Escaped.firstDifference(outcome.expected(), outcome.got());
                if (outcome.verdict() == Verdict.FAIL && at >= 0) {
                    j.append(",\"firstDifference\":").append(at);
                }
            }
            j.append('}');
        }
        return j.append("]}").toString();
    }

    /** Escaped bytes, the first {@value #JSON_BYTES} of them. */
    private static String shown(byte[] bytes) {
        return Escaped.of(bytes, 0, Math.min(bytes.length, JSON_BYTES))
                + (bytes.length > JSON_BYTES ? "...(" + (bytes.length - JSON_BYTES) + " more bytes)" : "");
    }

    private static StringBuilder field(StringBuilder j, String key, String value) {
        return j.append(quote(key)).append(':').append(quote(value));
    }

    private static String quote(String text) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                q.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                q.append(String.format("\\u%04x", (int) c));
            } else {
                q.append(c);
            }
        }
        return q.append('"').toString();
    }
}
