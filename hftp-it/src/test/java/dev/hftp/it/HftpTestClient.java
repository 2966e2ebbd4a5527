package dev.hftp.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A deliberately small HFTP client over a plain socket, independent of the codec, so that a mistake
 * shared by the server's encoder and decoder cannot hide. Parsing is strict: anything that is not exactly
 * the protocol fails the test.
 */
final class HftpTestClient implements AutoCloseable {

    /** A status line. */
    record Reply(int code, String message) {
        @Override
        public String toString() {
            return code + " " + message;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    HftpTestClient(int port) throws IOException {
        this(port, 10_000);
    }

    HftpTestClient(int port, int timeoutMillis) throws IOException {
        this(port, timeoutMillis, 0);
    }

    /**
     * A client whose socket receive buffer is {@code receiveBufferBytes} (0: the system's, which Linux grows
     * to many megabytes on loopback); a small one keeps a slow reader's backlog on the server's side.
     */
    HftpTestClient(int port, int timeoutMillis, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0) {
            // Before connecting, so that the TCP window is negotiated with it.
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** A client over a socket that is already connected: a TLS one, say, whose handshake is done. */
    HftpTestClient(Socket connected, int timeoutMillis) throws IOException {
        socket = connected;
        socket.setSoTimeout(timeoutMillis);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    /** Sends bytes as they are, with no terminator added. */
    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends a string as US-ASCII bytes, with no terminator added. */
    void sendRaw(String text) throws IOException {
        sendRaw(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends {@code line} and CRLF, and reads the status line of the reply. */
    Reply command(String line) throws IOException {
        sendRaw(line + "\r\n");
        return readReply();
    }

    /** Reads one status line: a decimal code, one space, a message. */
    Reply readReply() throws IOException {
        String line = readLine();
        int space = line.indexOf(' ');
        if (space <= 0 || space == line.length() - 1) {
            throw new IOException("malformed status line: " + line);
        }
        String code = line.substring(0, space);
        if (!code.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IOException("non-numeric status code: " + line);
        }
        return new Reply(Integer.parseInt(code), line.substring(space + 1));
    }

    /** Reads one line ended by CRLF, without the CRLF; a lone LF or CR in it fails. */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + line.size() + " bytes of a line");
            }
            if (b == '\r') {
                int next = in.read();
                if (next != '\n') {
                    throw new IOException("CR not followed by LF in reply line");
                }
                return line.toString(StandardCharsets.US_ASCII);
            }
            if (b == '\n') {
                throw new IOException("lone LF in reply line");
            }
            line.write(b);
        }
    }

    /** Reads lines up to the empty line that ends a listing, which is not returned. */
    List<String> readLines() throws IOException {
        List<String> lines = new ArrayList<>();
        String line;
        while (!(line = readLine()).isEmpty()) {
            lines.add(line);
        }
        return lines;
    }

    /** Reads the body of a base64 slice (one line) and decodes it strictly. */
    byte[] readSlice() throws IOException {
        String line = readLine();
        return Base64.getDecoder().decode(line);
    }

    /** Reads the body of a raw slice: the Content-Length header, the empty line, then exactly the bytes. */
    byte[] readRawSlice() throws IOException {
        String header = readLine();
        if (!header.startsWith("Content-Length: ")) {
            throw new IOException("expected Content-Length header, got: " + header);
        }
        int length = Integer.parseInt(header.substring("Content-Length: ".length()));
        String empty = readLine();
        if (!empty.isEmpty()) {
            throw new IOException("expected empty line after header, got: " + empty);
        }
        return in.readNBytes(length);
    }

    /** Reads exactly {@code n} bytes. */
    byte[] readBytes(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) {
            throw new IOException("connection closed after " + bytes.length + " of " + n + " bytes");
        }
        return bytes;
    }

    /**
     * Reads up to {@code n} bytes, fewer only if the server closes (or resets) the connection or sends
     * nothing for the socket timeout; what did arrive is returned, so a failing test can show it.
     */
    byte[] readAtMost(int n) throws IOException {
        byte[] bytes = new byte[n];
        int filled = 0;
        try {
            int read;
            while (filled < n && (read = in.read(bytes, filled, n - filled)) >= 0) {
                filled += read;
            }
        } catch (SocketTimeoutException | SocketException e) {
            // Silent or reset: the bytes so far are the answer.
        }
        return filled == n ? bytes : Arrays.copyOf(bytes, filled);
    }

    /**
     * Reads until the server closes the connection (end of stream, or a reset) and returns the bytes before
     * that; fails if the connection is still open after the socket timeout.
     */
    byte[] readUntilClosed() throws IOException {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        try {
            drainInto(rest);
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("server did not close the connection; received: "
                    + escape(rest.toByteArray()));
        }
        return rest.toByteArray();
    }

    /** Reads what the server sends until it is silent for {@code millis}, or closes the connection. */
    byte[] readUntilSilentFor(int millis) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        try {
            drainInto(rest);
        } catch (SocketTimeoutException e) {
            // Silent: that is all for now.
        } finally {
            socket.setSoTimeout(timeout);
        }
        return rest.toByteArray();
    }

    /** Reads into {@code rest} up to the end of the stream or a reset; a timeout is thrown. */
    private void drainInto(ByteArrayOutputStream rest) throws IOException {
        byte[] buffer = new byte[8192];
        try {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                rest.write(buffer, 0, read);
            }
        } catch (SocketException e) {
            // A reset: the server closed the connection too.
        }
    }

    /** Whether the server sends nothing for {@code millis}: a read times out (a byte or end of stream is not). */
    boolean isSilentFor(int millis) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            in.read();
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    InputStream inputStream() {
        return in;
    }

    /** Whether the server closed the connection: the next read sees end of stream (not a timeout). */
    boolean isClosedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            // A reset also means the server closed it.
            return true;
        }
    }

    /** Reads everything until the server closes, up to the socket timeout. */
    byte[] readToEnd() throws IOException {
        return in.readAllBytes();
    }

    /** Bytes as readable text: CR, LF, backslash and non-printable bytes escaped, e.g. {@code 0 OK\r\n}. */
    static String escape(byte[] bytes) {
        StringBuilder text = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c == '\r') {
                text.append("\\r");
            } else if (c == '\n') {
                text.append("\\n");
            } else if (c == '\\') {
                text.append("\\\\");
            } else if (c < 0x20 || c >= 0x7f) {
                text.append(String.format("\\x%02x", c));
            } else {
                text.append((char) c);
            }
        }
        return text.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
