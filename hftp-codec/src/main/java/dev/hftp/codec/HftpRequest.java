package dev.hftp.codec;

import java.util.Objects;

/**
 * A decoded HFTP request: one of the commands, or a line that could not be made into one.
 */
public sealed interface HftpRequest {

    /** The command this request is, or null for a {@link Malformed} line. */
    HftpCommand command();

    /** {@code get_file_listing}. */
    GetFileListing GET_FILE_LISTING = new GetFileListing();

    /** {@code help}. */
    Help HELP = new Help();

    /** {@code quit}. */
    Quit QUIT = new Quit();

    /** Lists the served files. */
    record GetFileListing() implements HftpRequest {
        @Override
        public HftpCommand command() {
            return HftpCommand.GET_FILE_LISTING;
        }
    }

    /** Asks for the size of a file. */
    record GetMetadata(String fileName) implements HftpRequest {
        public GetMetadata {
            Objects.requireNonNull(fileName, "fileName");
        }

        @Override
        public HftpCommand command() {
            return HftpCommand.GET_METADATA;
        }
    }

    /** Asks for {@code size} bytes of a file from {@code offset}, in base64 or, when {@code raw}, as they are. */
    record GetSlice(String fileName, long offset, long size, boolean raw) implements HftpRequest {
        public GetSlice {
            Objects.requireNonNull(fileName, "fileName");
            if (offset < 0) {
                throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
            }
            if (size < 0) {
                throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
            }
        }

        @Override
        public HftpCommand command() {
            return HftpCommand.GET_SLICE;
        }
    }

    /** Lists the commands. */
    record Help() implements HftpRequest {
        @Override
        public HftpCommand command() {
            return HftpCommand.HELP;
        }
    }

    /** Ends the session. */
    record Quit() implements HftpRequest {
        @Override
        public HftpCommand command() {
            return HftpCommand.QUIT;
        }
    }

    /** A line that is not a valid request; the server answers {@code status}. */
    record Malformed(HftpStatus status, String reason) implements HftpRequest {
        public Malformed {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(reason, "reason");
            if (status == HftpStatus.OK) {
                throw new IllegalArgumentException("status: OK (expected: an error status)");
            }
        }

        @Override
        public HftpCommand command() {
            return null;
        }
    }
}
