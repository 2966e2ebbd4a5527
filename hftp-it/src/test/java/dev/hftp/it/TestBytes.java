package dev.hftp.it;

import java.io.ByteArrayOutputStream;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

/** Byte strings for the end-to-end tests: the wire is bytes, and tests write it as text. */
final class TestBytes {

    private TestBytes() { }

    /** One byte per char, so {@code "\u00e9"} stays the single byte 0xE9 a test means to send. */
    static byte[] bytes(String text) {
        return text.getBytes(ISO_8859_1);
    }

    /** The parts one after the other. */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return all.toByteArray();
    }
}
