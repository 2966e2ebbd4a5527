package dev.hftp.codec;

import java.nio.charset.StandardCharsets;

/**
 * The bytes HFTP.md fixes, in one place: the line terminator, the raw slice's header and the protocol's port.
 * Everything that writes or reads a line takes them from here.
 */
public final class HftpWire {

    /** The port of the protocol. */
    public static final int DEFAULT_PORT = 19500;
    public static final byte CR = '\r';
    public static final byte LF = '\n';
    /** CR and LF as one big-endian short: {@code ByteBuf.writeShort(CRLF)} writes the terminator in one call. */
    public static final short CRLF = (CR << 8) | LF;
    public static final int CRLF_LENGTH = 2;
    /** What a raw slice's header line starts with, before the size. */
    public static final String CONTENT_LENGTH = "Content-Length: ";

    static final byte[] CONTENT_LENGTH_BYTES = CONTENT_LENGTH.getBytes(StandardCharsets.US_ASCII);

    private HftpWire() {
    }
}
