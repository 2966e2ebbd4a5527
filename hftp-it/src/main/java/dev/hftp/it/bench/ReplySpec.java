package dev.hftp.it.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;

/**
 * One benchmark request and the exact reply it must get: {@code head} (compared byte for byte), then
 * {@code body} (bytes of a known length, compared against the expected content), then {@code tail}. A
 * spec with {@code anyLine} accepts any one CRLF-terminated line instead.
 *
 * <p>Built the same way for the load generator (to verify) and the limit server (to answer), so the limit
 * server sends exactly the bytes that HFTP must send.
 */
final class ReplySpec {

    /** Largest slice body held in memory for verification. */
    static final long MAX_BODY = 1L << 30;

    final byte[] request;
    final byte[] head;
    /** Expected body content, read-only, position 0; empty when there is no body. */
    final ByteBuffer body;
    final byte[] tail;
    final boolean anyLine;
    final String description;

    private ReplySpec(byte[] request, byte[] head, ByteBuffer body, byte[] tail, boolean anyLine, String description) {
        this.request = request;
        this.head = head;
        this.body = body.asReadOnlyBuffer();
        this.tail = tail;
        this.anyLine = anyLine;
        this.description = description;
    }

    int bodyLength() {
        return body.capacity();
    }

    /** The whole expected reply (not for anyLine specs). */
    long replyLength() {
        return (long) head.length + bodyLength() + tail.length;
    }

    /** {@code get_metadata NAME}: {@code 0 OK\r\n<size>\r\n}. */
    static ReplySpec metadata(String name, Path localFile) throws IOException {
        long size = Files.size(localFile);
        return new ReplySpec(ascii("get_metadata " + name + "\r\n"), ascii("0 OK\r\n" + size + "\r\n"),
                ByteBuffer.allocate(0), new byte[0], false, "get_metadata " + name + " (" + size + " bytes)");
    }

    /** {@code get_slice NAME O S}: {@code 0 OK\r\n} + base64 + {@code \r\n}, or with raw the raw bytes. */
    static ReplySpec slice(String name, Path localFile, long offset, long size, boolean raw) throws IOException {
        if (size > MAX_BODY) {
            throw new IllegalArgumentException("--size " + size + ": at most " + MAX_BODY + " (held in memory)");
        }
        byte[] range = readRange(localFile, offset, (int) size);
        String request = "get_slice " + name + " " + offset + " " + size + (raw ? " raw" : "") + "\r\n";
        if (raw) {
            ByteBuffer body = ByteBuffer.allocateDirect(range.length).put(range).flip();
            return new ReplySpec(ascii(request), ascii("0 OK\r\nContent-Length: " + size + "\r\n\r\n"), body,
                    new byte[0], false, request.trim());
        }
        byte[] encoded = Base64.getEncoder().encode(range);
        ByteBuffer body = ByteBuffer.allocateDirect(encoded.length).put(encoded).flip();
        return new ReplySpec(ascii(request), ascii("0 OK\r\n"), body, ascii("\r\n"), false,
                request.trim() + " (" + encoded.length + " base64 bytes)");
    }

    /** Any request line; one reply line, equal to {@code expect} unless it is null. */
    static ReplySpec line(String line, String expect) {
        byte[] request = ascii(line + "\r\n");
        if (expect == null) {
            return new ReplySpec(request, new byte[0], ByteBuffer.allocate(0), new byte[0], true,
                    "'" + line + "' -> any line");
        }
        return new ReplySpec(request, ascii(expect + "\r\n"), ByteBuffer.allocate(0), new byte[0], false,
                "'" + line + "' -> '" + expect + "'");
    }

    private static byte[] readRange(Path file, long offset, int size) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (offset < 0 || offset + size > channel.size()) {
                throw new IllegalArgumentException("range [" + offset + ", " + (offset + size) + ") is not inside "
                        + file + " (" + channel.size() + " bytes)");
            }
            ByteBuffer buffer = ByteBuffer.allocate(size);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new IOException("unexpected end of " + file);
                }
            }
            return buffer.array();
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
