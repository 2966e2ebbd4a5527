package dev.hftp.client;

import java.io.IOException;

/**
 * The server closed the connection while replies were owed. {@link #beforeAnyReply()} tells a server that closed
 * without sending a byte (a TLS-only server met by a plaintext client does that) from one that stopped midway.
 */
public final class ClosedWithoutReplyException extends IOException {

    private static final long serialVersionUID = 1L;

    private final boolean beforeAnyReply;

    ClosedWithoutReplyException(boolean beforeAnyReply) {
        super(beforeAnyReply ? "the server closed the connection without a reply" : "connection closed by the server");
        this.beforeAnyReply = beforeAnyReply;
    }

    /** Whether the server had sent nothing at all on this connection. */
    public boolean beforeAnyReply() {
        return beforeAnyReply;
    }
}
