package dev.hftp.it;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.Supplier;

import static dev.hftp.it.HftpTestClient.escape;
import static dev.hftp.it.TestBytes.bytes;
import static dev.hftp.it.TestBytes.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Exact exchanges with a server over a {@link HftpTestClient}: a request gets exactly its reply, byte for byte,
 * and the connection still serves after it with nothing stray sent. A mismatch shows both sides as escaped text,
 * or, for long replies, the bytes around the first difference.
 */
final class Exchanges {

    static final String HELP_REQUEST = "help\r\n";
    static final String HELP_REPLY =
            "0 OK\r\nget_file_listing\r\nget_metadata\r\nget_slice\r\nhelp\r\nquit\r\n\r\n";

    private Exchanges() {
    }

    static void assertExchange(HftpTestClient client, byte[] request, byte[] reply) throws IOException {
        client.sendRaw(request);
        assertReply(client, reply, () -> "reply to " + describe(request));
        assertStillServing(client);
    }

    static void assertReply(HftpTestClient client, byte[] reply, Supplier<String> what) throws IOException {
        byte[] actual = client.readAtMost(reply.length);
        if (!Arrays.equals(reply, actual)) {
            // Show all that came, not only as many bytes as were expected.
            actual = concat(actual, client.readUntilSilentFor(200));
        }
        assertBytes(reply, actual, what);
    }

    /** A {@code help} gets exactly its reply: the connection is open, and nothing was sent before it. */
    static void assertStillServing(HftpTestClient client) throws IOException {
        client.sendRaw(HELP_REQUEST);
        assertReply(client, bytes(HELP_REPLY),
                () -> "reply to help, sent to check that the connection is open with nothing more sent before");
    }

    /** Compares whole replies; a short mismatch shows both as text, a long one the bytes around it. */
    static void assertBytes(byte[] expected, byte[] actual, Supplier<String> what) {
        int at = Arrays.mismatch(expected, actual);
        if (at < 0) {
            return;
        }
        if (expected.length <= 512 && actual.length <= 512) {
            assertEquals(escape(expected), escape(actual), what);
        }
        fail(what.get() + ": differs at byte " + at + " (expected " + expected.length + " bytes, got "
                + actual.length + "): " + difference(expected, actual, at));
    }

    static String difference(byte[] expected, byte[] actual, int at) {
        return "expected ..." + escape(window(expected, at)) + "... but got ..." + escape(window(actual, at)) + "...";
    }

    static byte[] window(byte[] bytes, int at) {
        return Arrays.copyOfRange(bytes, Math.max(0, at - 40), Math.min(bytes.length, at + 40));
    }

    /** A request as escaped text, a long one shortened. */
    static String describe(byte[] request) {
        String text = escape(request);
        if (text.length() <= 100) {
            return text;
        }
        return text.substring(0, 60) + "...(" + request.length + " bytes)..." + text.substring(text.length() - 30);
    }

    static void assertExchange(HftpTestClient client, String request, String reply) throws IOException {
        assertExchange(client, bytes(request), bytes(reply));
    }

    static void assertReply(HftpTestClient client, String reply) throws IOException {
        assertReply(client, bytes(reply), () -> "reply");
    }

    static void assertBytes(byte[] expected, byte[] actual) {
        assertBytes(expected, actual, () -> "replies");
    }
}
