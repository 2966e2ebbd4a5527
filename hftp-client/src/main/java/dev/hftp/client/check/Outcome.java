package dev.hftp.client.check;

/**
 * The verdict of one case, with what a reader needs to see a failure for themselves: the bytes sent, the bytes
 * expected and the bytes that came back (empty when a case does not compare bytes).
 *
 * @param summary one line: what was checked, or what went wrong
 */
public record Outcome(Verdict verdict, String summary, byte[] sent, byte[] expected, byte[] got) {

    private static final byte[] NONE = new byte[0];

    /** A pass, with what was sent and received, which {@code -v} shows. */
    static Outcome pass(String summary, byte[] sent, byte[] got) {
        return new Outcome(Verdict.PASS, summary, sent, NONE, got);
    }

    static Outcome skip(String summary) {
        return new Outcome(Verdict.SKIP, summary, NONE, NONE, NONE);
    }

    static Outcome fail(String summary, byte[] sent, byte[] expected, byte[] got) {
        return new Outcome(Verdict.FAIL, summary, sent, expected, got);
    }

    static Outcome info(String summary, byte[] sent, byte[] got) {
        return new Outcome(Verdict.INFO, summary, sent, NONE, got);
    }

    /** Whether the outcome has bytes to show. */
    public boolean hasBytes() {
        return sent.length > 0 || expected.length > 0 || got.length > 0;
    }
}
