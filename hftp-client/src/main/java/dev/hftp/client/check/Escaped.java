package dev.hftp.client.check;

/**
 * Bytes as a reader can see them on one line: printable ASCII as it is, CR, LF and tab as {@code \r \n \t}, a
 * backslash doubled, any other byte as {@code \xNN}; long byte strings cut around the place that matters.
 */
final class Escaped {

    /** Bytes shown before the first difference, and after it. */
    static final int BEFORE = 40;
    static final int AFTER = 80;

    private Escaped() {
    }

    static String of(byte[] bytes) {
        return of(bytes, 0, bytes.length);
    }

    static String of(byte[] bytes, int from, int to) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < to; i++) {
            text.append(of(bytes[i]));
        }
        return text.toString();
    }

    static String of(byte b) {
        int c = b & 0xff;
        return switch (c) {
            case '\r' -> "\\r";
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\\' -> "\\\\";
            default -> c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c);
        };
    }

    /** The index of the first byte where {@code a} and {@code b} differ, or -1 if they are equal. */
    static int firstDifference(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            if (a[i] != b[i]) {
                return i;
            }
        }
        return a.length == b.length ? -1 : n;
    }

    /**
     * {@code bytes} shown around {@code at} (from {@link #BEFORE} bytes before it to {@link #AFTER} after), with
     * "..." where cut, and the column at which byte {@code at} starts in that text.
     */
    static Window around(byte[] bytes, int at) {
        int from = Math.max(0, at - BEFORE);
        int to = Math.min(bytes.length, Math.max(at, 0) + AFTER);
        String head = from > 0 ? "...(" + from + " bytes) " : "";
        String before = of(bytes, from, Math.min(Math.max(at, from), to));
        String text = head + of(bytes, from, to) + (to < bytes.length ? " ...(" + (bytes.length - to) + " more)" : "");
        return new Window(text, head.length() + before.length());
    }

    /** A piece of a byte string as shown, and the column of the byte it is about. */
    record Window(String text, int column) { }
}
