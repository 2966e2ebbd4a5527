package dev.hftp.client.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * A local destination that remembers its first write failure. The client reports a failed slice as an
 * {@link IOException} whether the socket or the destination failed; this tells the two apart, so that a full
 * disk exits with 4 and not 3 ("connection lost").
 */
final class FailureRecordingChannel implements WritableByteChannel {

    private final WritableByteChannel delegate;
    private volatile IOException failure;

    FailureRecordingChannel(WritableByteChannel delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        try {
            return delegate.write(source);
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
            throw e;
        }
    }

    /** The first write failure, or null. */
    IOException failure() {
        return failure;
    }

    @Override
    public boolean isOpen() {
        return delegate.isOpen();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
