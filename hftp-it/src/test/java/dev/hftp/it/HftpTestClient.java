package dev.hftp.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
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

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
