package dev.hftp.codec;

import io.netty.buffer.ByteBuf;

/**
 * The grammar of a file name, in one place: one or more of {@code A-Z a-z 0-9 . - _} (HFTP.md). The decoder
 * checks it on the bytes of a request, the client before it sends one, the server's file store on the names it
 * serves.
 */
public final class HftpFileNames {

    /** How much of a name (or of any text a peer chose) a message quotes. */
    private static final int QUOTED = 64;

    private HftpFileNames() {
    }

    /** Whether {@code name} has the form of a file name. */
    public static boolean isValid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0x7f || !isNameChar((byte) c)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the bytes in {@code [from, to)} of {@code buf} have the form of a file name. */
    static boolean isValid(ByteBuf buf, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!isNameChar(buf.getByte(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean isNameChar(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                || b == '.' || b == '-' || b == '_';
    }

    /**
     * {@code text} as a message or a log quotes it: a peer chooses names and lines, but not how much of a log they
     * fill, so past {@value #QUOTED} characters it is cut and its length said.
     */
    public static String abbreviate(String text) {
        return text.length() <= QUOTED ? text : text.substring(0, QUOTED) + "...(" + text.length() + " chars)";
    }
}
