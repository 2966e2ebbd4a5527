package dev.hftp.codec;

import java.util.List;
import java.util.Objects;

/**
 * A reply the server sends, up to but not including a slice's bytes, which follow as a stream.
 */
public sealed interface HftpResponse {

    /** A status line alone. */
    record Status(HftpStatus status) implements HftpResponse {
        public Status {
            Objects.requireNonNull(status, "status");
        }
    }

    /** {@code 0 OK}, one line per name, then an empty line (the listing and help replies). */
    record Lines(List<String> lines) implements HftpResponse {
        public Lines {
            lines = List.copyOf(lines);
        }
    }

    /** {@code 0 OK} and the size of a file. */
    record Metadata(long size) implements HftpResponse {
        public Metadata {
            if (size < 0) {
                throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
            }
        }
    }

    /** {@code 0 OK} and the header of a raw slice; exactly {@code size} bytes follow. */
    record RawSliceHeader(long size) implements HftpResponse {
        public RawSliceHeader {
            if (size < 0) {
                throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
            }
        }
    }
}
