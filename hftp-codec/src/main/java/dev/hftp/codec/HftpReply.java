package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

import java.util.List;
import java.util.Objects;

/**
 * A reply as a client reads it, decoded by {@link HftpReplyDecoder}. A slice arrives as a stream: its bytes in
 * {@link SliceChunk}s (already decoded from base64), then {@link #SLICE_END}.
 */
public sealed interface HftpReply {

    /** The end of a slice's bytes. */
    SliceEnd SLICE_END = new SliceEnd();

    /** {@code 0 OK} alone: the reply to {@code quit}. */
    Ok OK = new Ok();

    /** An error status: the request was not served. */
    record Error(HftpStatus status) implements HftpReply {
        public Error {
            Objects.requireNonNull(status, "status");
            if (status == HftpStatus.OK) {
                throw new IllegalArgumentException("status: OK (expected: an error status)");
            }
        }
    }

    /** {@code 0 OK} alone. */
    record Ok() implements HftpReply { }

    /** The lines of a listing or of {@code help}. */
    record Names(List<String> names) implements HftpReply {
        public Names {
            names = List.copyOf(names);
        }
    }

    /** The size of a file. */
    record Size(long size) implements HftpReply { }

    /** Some of a slice's bytes, in order; the receiver releases it. */
    final class SliceChunk extends DefaultByteBufHolder implements HftpReply {
        public SliceChunk(ByteBuf bytes) {
            super(bytes);
        }
    }

    /** The end of a slice's bytes. */
    record SliceEnd() implements HftpReply { }
}
