package dev.hftp.client.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * The bytes of one range, written at their offsets in the shared {@code .part} file as they arrive. It counts
 * a byte as written only once the write call has returned, so that the record never claims more than the
 * file holds.
 */
final class RangeWriter implements WritableByteChannel {

    private final FileChannel file;
    private final ByteRange range;
    private volatile long written;

    RangeWriter(FileChannel file, ByteRange range) {
        this.file = Objects.requireNonNull(file, "file");
        this.range = Objects.requireNonNull(range, "range");
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        if (source.remaining() > range.length() - written) {
            throw new IOException("more bytes than the range " + range + " holds");
        }
        int total = 0;
        while (source.hasRemaining()) {
            total += file.write(source, range.offset() + written + total);
        }
        // One writer thread per range (the connection's), so the read-modify-write cannot race.
        written += total;
        return total;
    }

    /** The part of the range written so far. */
    ByteRange done() {
        return new ByteRange(range.offset(), written);
    }

    boolean complete() {
        return written == range.length();
    }

    ByteRange range() {
        return range;
    }

    /** The file is shared by every range and closed by its owner. */
    @Override
    public boolean isOpen() {
        return file.isOpen();
    }

    @Override
    public void close() {
        // Nothing of its own to release.
    }
}
