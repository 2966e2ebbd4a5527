package dev.hftp.client;

import java.io.IOException;
import java.time.Duration;

/** The server owed a reply and sent nothing for the reply timeout ({@link HftpClient.Timeouts#reply()}). */
public final class ReplyTimeoutException extends IOException {

    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    ReplyTimeoutException(Duration timeout) {
        super("the server sent nothing for " + timeout.toSeconds() + " s");
        this.timeout = timeout;
    }

    /** How long the server was silent. */
    public Duration timeout() {
        return timeout;
    }
}
