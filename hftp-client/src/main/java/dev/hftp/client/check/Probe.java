package dev.hftp.client.check;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a case works with: connections to the server, all closed when the case ends, and the comparisons every
 * case makes (a reply byte for byte, a fatal status then the close). Each comparison reads only as far as the
 * first byte that differs (and the rest of its line, to show it), so a wrong reply fails at once rather than at the
 * case's deadline.
 */
final class Probe implements Closeable {

    /** How much of a line past its first difference a report shows. */
    private static final int CONTEXT_AFTER_DIFFERENCE = 120;

    private final Target target;
    private final long deadline;
    private final int connectTimeoutMillis;
    private final List<Wire> wires = new ArrayList<>();

    Probe(Target target, long deadline, int connectTimeoutMillis) {
        this.target = target;
        this.deadline = deadline;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    /** A new connection to the server. */
    Wire connect() throws IOException {
        Wire wire = new Wire(target.connect(connectTimeoutMillis), deadline);
        synchronized (wires) {
            wires.add(wire);
        }
        return wire;
    }

    /** Sends {@code request} on a new connection and expects exactly {@code reply}. */
    Outcome reply(String what, String request, String reply) throws IOException {
        return reply(what, request, ascii(reply));
    }

    Outcome reply(String what, String request, byte[] reply) throws IOException {
        Wire wire = connect();
        wire.send(request);
        return compare(what, wire, reply);
    }

    /**
     * Sends {@code request} on a new connection and expects exactly {@code statusLine}, then the end of the
     * connection with nothing after it.
     */
    Outcome fatal(String what, String request, String statusLine) throws IOException {
        Wire wire = connect();
        wire.send(request);
        return closesAfter(what, wire, statusLine);
    }

    /** Expects {@code statusLine} on {@code wire}, then its end with nothing more. */
    Outcome closesAfter(String what, Wire wire, String statusLine) throws IOException {
        Outcome status = compare(what, wire, ascii(statusLine));
        if (status.verdict() != Verdict.PASS) {
            return status;
        }
        if (!wire.endsWithNothingMore()) {
            return Outcome.fail(what + ": the connection was not closed after the fatal status " + statusLine.trim()
                    + (wire.ended() ? "" : " (still open when the case's time was up)"), wire.sent(),
                    ascii(statusLine + "(closed)"), wire.received());
        }
        return Outcome.pass(what, wire.sent(), wire.received());
    }

    /** Expects exactly {@code expected} next on {@code wire}: a PASS, or a FAIL showing where it differs. */
    Outcome compare(String what, Wire wire, byte[] expected) throws IOException {
        int before = wire.received().length;
        String problem = differs(wire, expected);
        byte[] all = wire.received();
        byte[] got = java.util.Arrays.copyOfRange(all, before, all.length);
        if (problem == null) {
            return Outcome.pass(what, wire.sent(), got);
        }
        return Outcome.fail(what + ": " + problem, wire.sent(), expected, got);
    }

    /** Null if {@code expected} came next, else what went wrong (the bytes read are in the wire's record). */
    private static String differs(Wire wire, byte[] expected) throws IOException {
        for (int i = 0; i < expected.length; i++) {
            int b;
            try {
                b = wire.read();
            } catch (Wire.Silence e) {
                return i == 0 ? "no reply before the case's time was up"
                        : "the reply stopped after " + i + " of " + expected.length + " bytes";
            }
            if (b < 0) {
                return "the connection ended after " + i + " of the " + expected.length + " bytes expected";
            }
            if (b != (expected[i] & 0xff)) {
                if (b != '\n') {
                    wire.readOnToEndOfLine(CONTEXT_AFTER_DIFFERENCE);
                }
                return "differs at byte " + i;
            }
        }
        return null;
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** {@code parts} joined. */
    static byte[] join(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }

    @Override
    public void close() {
        synchronized (wires) {
            for (Wire wire : wires) {
                wire.close();
            }
        }
    }
}
