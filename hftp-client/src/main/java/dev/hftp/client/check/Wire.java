package dev.hftp.client.check;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One connection to the server under test, in raw bytes, read by its own strict reader: nothing of the project's
 * codec is between the server and the verdict, so a bug shared by this project's encoder and decoder cannot hide a
 * server's fault. What was sent and what came back are kept for the report. Every read stops at the case's
 * deadline ({@link Silence}).
 */
final class Wire implements Closeable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final long deadline;
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private boolean ended;

    /** A connection whose reads fail with {@link Silence} once {@code deadline} ({@link System#nanoTime}) passes. */
    Wire(Socket socket, long deadline) throws IOException {
        this.socket = socket;
        this.deadline = deadline;
        socket.setTcpNoDelay(true);
        // Buffered: lines are read a byte at a time, and a slice's bytes in one go.
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    /** Nothing more came before the case's deadline. */
    static final class Silence extends IOException {
        Silence() {
            super("nothing more came before the case's time was up");
        }
    }

    /** Sends {@code ascii} in one write (one packet, as a client pipelining its requests sends them). */
    Wire send(String ascii) throws IOException {
        return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    Wire send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        sent.writeBytes(bytes);
        return this;
    }

    /** Sends {@code ascii} one byte per write, pausing between them so that each travels in a packet of its own. */
    Wire sendByteByByte(String ascii) throws IOException, InterruptedException {
        for (byte b : ascii.getBytes(StandardCharsets.ISO_8859_1)) {
            send(new byte[] {b});
            Thread.sleep(2);
        }
        return this;
    }

    /** Ends the sending side (FIN): the server still owes the replies to what was sent. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** The bytes up to and including the next LF; fewer, without it, if the connection ends first. */
    byte[] readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = read();
            if (b < 0) {
                return line.toByteArray();
            }
            line.write(b);
            if (b == '\n') {
                return line.toByteArray();
            }
        }
    }

    /** The next {@code n} bytes; fewer if the connection ends first. */
    byte[] readExactly(int n) throws IOException {
        byte[] bytes = new byte[n];
        int got = 0;
        while (got < n) {
            int r = readSome(bytes, got, n - got);
            if (r < 0) {
                return Arrays.copyOf(bytes, got);
            }
            got += r;
        }
        return bytes;
    }

    /**
     * Whether the server ends the connection (FIN or reset) before the deadline without sending anything more;
     * what it sent instead is in {@link #received()}.
     */
    boolean endsWithNothingMore() throws IOException {
        try {
            return read() < 0;
        } catch (Silence e) {
            return false;
        }
    }

    /**
     * Reads on to the end of the current line, {@code max} bytes at most, waiting at most 50 ms for each: what a
     * report shows after a difference. Stops quietly at the end of the connection or of the wait.
     */
    void readOnToEndOfLine(int max) {
        try {
            socket.setSoTimeout(50);
            for (int n = 0; n < max && !ended; n++) {
                int b = in.read();
                if (b < 0) {
                    ended = true;
                    return;
                }
                received.write(b);
                if (b == '\n') {
                    return;
                }
            }
        } catch (IOException e) {
            // Nothing more came soon enough: the report shows what did.
        }
    }

    /** Everything sent on this connection. */
    byte[] sent() {
        return sent.toByteArray();
    }

    /** Everything the server sent on this connection. */
    byte[] received() {
        return received.toByteArray();
    }

    /** Whether the server ended the connection (a read met its end, or a reset). */
    boolean ended() {
        return ended;
    }

    /** The next byte, or -1 if the connection ended. */
    int read() throws IOException {
        byte[] one = new byte[1];
        int r = readSome(one, 0, 1);
        return r < 0 ? -1 : one[0] & 0xff;
    }

    private int readSome(byte[] into, int offset, int length) throws IOException {
        if (ended) {
            return -1;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new Silence();
        }
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
        int r;
        try {
            r = in.read(into, offset, length);
        } catch (SocketTimeoutException e) {
            throw new Silence();
        } catch (IOException e) {
            // A reset ends the connection as a FIN does, for what a case can tell.
            ended = true;
            return -1;
        }
        if (r < 0) {
            ended = true;
            return -1;
        }
        received.write(into, offset, r);
        return r;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // The case is decided; nothing depends on this close.
        }
    }
}
