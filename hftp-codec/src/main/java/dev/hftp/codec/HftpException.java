package dev.hftp.codec;

import java.util.Objects;

/**
 * A request that cannot be served, carrying the status that answers it.
 */
public final class HftpException extends Exception {

    private static final long serialVersionUID = 1L;

    private final HftpStatus status;

    public HftpException(HftpStatus status, String message) {
        this(status, message, null);
    }

    public HftpException(HftpStatus status, String message, Throwable cause) {
        super(status + ": " + message, cause);
        this.status = Objects.requireNonNull(status, "status");
        if (status == HftpStatus.OK) {
            throw new IllegalArgumentException("status: OK (expected: an error status)");
        }
    }

    /** The status to answer. */
    public HftpStatus status() {
        return status;
    }
}
