package dev.hftp.codec;

/**
 * Shows a line of bytes (one per char) readably in test names and failure messages: CR, LF and other
 * unprintable bytes escaped, long runs of one byte shortened.
 */
final class Escape {

    private Escape() { }

    static String of(String line) {
        StringBuilder out = new StringBuilder("\"");
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            int run = 1;
            while (i + run < line.length() && line.charAt(i + run) == c) {
                run++;
            }
            if (run > 8) {
                out.append(escape(c)).append("{x").append(run).append('}');
            } else {
                for (int j = 0; j < run; j++) {
                    out.append(escape(c));
                }
            }
            i += run;
        }
        return out.append('"').toString();
    }

    private static String escape(char c) {
        switch (c) {
            case '\r':
                return "\\r";
            case '\n':
                return "\\n";
            case '\t':
                return "\\t";
            case '\\':
                return "\\\\";
            case '"':
                return "\\\"";
            default:
                return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02X", (int) c);
        }
    }
}
