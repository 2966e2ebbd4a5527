package dev.hftp.client;

import java.io.IOException;

/**
 * What the server sent is not an HFTP reply: another protocol on the port (HTTP, TLS), or a broken server. The
 * message says what was wrong with it, quoting its beginning.
 */
public final class NotHftpReplyException extends IOException {

    private static final long serialVersionUID = 1L;

    NotHftpReplyException(String message, Throwable cause) {
        super(message, cause);
    }
}
