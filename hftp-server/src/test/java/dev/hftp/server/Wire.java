package dev.hftp.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * Reads what a server pipeline wrote, as the bytes a client would receive.
 */
public final class Wire {

    private Wire() { }

    /**
     * Reads and releases every outbound message, buffers and the file regions of raw slices alike, and
     * returns their bytes, one char per byte.
     */
    public static String drain(EmbeddedChannel channel) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        Object message;
        while ((message = channel.readOutbound()) != null) {
            try {
                if (message instanceof ByteBuf buf) {
                    byte[] bytes = new byte[buf.readableBytes()];
                    buf.getBytes(buf.readerIndex(), bytes);
                    wire.writeBytes(bytes);
                } else if (message instanceof FileRegion region) {
                    WritableByteChannel out = Channels.newChannel(wire);
                    while (region.transferred() < region.count()) {
                        region.transferTo(out, region.transferred());
                    }
                } else {
                    throw new AssertionError("unexpected outbound message " + message);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                ReferenceCountUtil.release(message);
            }
        }
        return wire.toString(StandardCharsets.ISO_8859_1);
    }
}
