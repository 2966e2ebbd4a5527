package dev.hftp.it;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An HFTP server as the course's students write them: a thread per connection, blocking sockets, the classic
 * contract without the extensions ({@code help}, {@code raw}), lines buffered whole. With a {@link Defect}, it has
 * exactly one fault, for {@code hftp check} to find. Written for {@code CheckIT}, independent of the project's
 * server and codec.
 */
final class ClassicServer implements Closeable {

    /** The one fault of a deliberately broken server. */
    enum Defect {
        NONE,
        /** 201 where the contract says 202 (a missing file). */
        WRONG_CODE,
        /** Answers a fatal status and keeps the connection open. */
        NO_CLOSE_AFTER_FATAL,
        /** Answers the requests of one packet in reverse order. */
        OUT_OF_ORDER,
        /** Takes OFFSET + SIZE one past the file's size for in range (and sends one byte fewer). */
        OFF_BY_ONE_RANGE,
        /** Breaks base64 into lines of 76 characters, as MIME does. */
        BASE64_LINE_BREAKS,
        /** Ends the size line of get_metadata with LF alone. */
        MISSING_CRLF,
        /** Leaves names that start with a dot out of the listing, as a shell's ls does. */
        LISTING_HIDES_DOTFILES
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern NUMBER = Pattern.compile("[0-9]+");

    private final Path dir;
    private final Defect defect;
    private final ServerSocket listener;
    private final List<Socket> connections = Collections.synchronizedList(new ArrayList<>());

    /** Whether it serves one client at a time, as the simplest lab servers do. */
    private final boolean oneAtATime;

    ClassicServer(Path dir, Defect defect) throws IOException {
        this(dir, defect, false);
    }

    ClassicServer(Path dir, Defect defect, boolean oneAtATime) throws IOException {
        this.dir = dir;
        this.defect = defect;
        this.oneAtATime = oneAtATime;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "classic-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                connections.add(socket);
                if (oneAtATime) {
                    serve(socket);
                    continue;
                }
                Thread serving = new Thread(() -> serve(socket), "classic-server-connection");
                serving.setDaemon(true);
                serving.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Reads what arrives, answers every whole line in it, in order; ends at a fatal status, quit or the client's end. */
    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            byte[] chunk = new byte[64 * 1024];
            while (true) {
                int n = in.read(chunk);
                if (n < 0) {
                    return;
                }
                buffer.write(chunk, 0, n);
                byte[] bytes = buffer.toByteArray();
                List<byte[]> replies = new ArrayList<>();
                int start = 0;
                boolean end = false;
                for (int lf = indexOf(bytes, start); lf >= 0 && !end; lf = indexOf(bytes, start)) {
                    Reply reply = answer(bytes, start, lf);
                    replies.add(reply.bytes);
                    start = lf + 1;
                    end = reply.last && defect != Defect.NO_CLOSE_AFTER_FATAL;
                }
                if (defect == Defect.OUT_OF_ORDER) {
                    Collections.reverse(replies);
                }
                for (byte[] reply : replies) {
                    out.write(reply);
                }
                out.flush();
                if (end) {
                    return;
                }
                buffer.reset();
                buffer.write(bytes, start, bytes.length - start);
            }
        } catch (IOException e) {
            // The client left: nothing to answer.
        }
    }

    private record Reply(byte[] bytes, boolean last) {
        static Reply of(String ascii) {
            return new Reply(ascii.getBytes(StandardCharsets.US_ASCII), false);
        }

        static Reply fatal(String ascii) {
            return new Reply(ascii.getBytes(StandardCharsets.US_ASCII), true);
        }
    }

    private Reply answer(byte[] bytes, int start, int lf) throws IOException {
        if (lf == start || bytes[lf - 1] != '\r') {
            return Reply.fatal("100 BAD EOL\r\n");
        }
        String line = new String(bytes, start, lf - 1 - start, StandardCharsets.ISO_8859_1);
        if (line.isBlank() || line.indexOf('\r') >= 0 || !line.chars().allMatch(c -> c < 0x80)) {
            return Reply.fatal("101 BAD REQUEST\r\n");
        }
        String[] parts = line.split(" ", -1);
        String[] args = java.util.Arrays.copyOfRange(parts, 1, parts.length);
        return switch (parts[0]) {
            case "get_file_listing" -> args.length != 0 ? invalid() : listing();
            case "get_metadata" -> args.length != 1 || !validName(args[0]) ? invalid() : metadata(args[0]);
            case "get_slice" -> args.length != 3 || !validName(args[0]) || !number(args[1]) || !number(args[2])
                    ? invalid() : slice(args[0], Long.parseLong(args[1]), Long.parseLong(args[2]));
            case "quit" -> args.length != 0 ? invalid() : Reply.fatal("0 OK\r\n");
            default -> Reply.of("200 NO SUCH COMMAND\r\n");
        };
    }

    private static Reply invalid() {
        return Reply.of("201 INVALID ARGUMENTS FOR COMMAND\r\n");
    }

    private Reply notFound() {
        return Reply.of(defect == Defect.WRONG_CODE ? "201 INVALID ARGUMENTS FOR COMMAND\r\n" : "202 FILE NOT FOUND\r\n");
    }

    private Reply listing() throws IOException {
        StringBuilder reply = new StringBuilder("0 OK\r\n");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                boolean hidden = defect == Defect.LISTING_HIDES_DOTFILES && name.startsWith(".");
                if (validName(name) && !hidden && Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    reply.append(name).append("\r\n");
                }
            }
        }
        return Reply.of(reply.append("\r\n").toString());
    }

    private Path file(String name) {
        // Links are not followed at all: a link out of the directory is no file, and neither is one inside.
        Path file = dir.resolve(name);
        return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? file : null;
    }

    private Reply metadata(String name) throws IOException {
        Path file = file(name);
        if (file == null) {
            return notFound();
        }
        return Reply.of("0 OK\r\n" + Files.size(file) + (defect == Defect.MISSING_CRLF ? "\n" : "\r\n"));
    }

    private Reply slice(String name, long offset, long size) throws IOException {
        Path file = file(name);
        if (file == null) {
            return notFound();
        }
        long length = Files.size(file);
        long slack = defect == Defect.OFF_BY_ONE_RANGE ? 1 : 0;
        if (offset > length || size > length - offset + slack) {
            return Reply.of("203 OFFSET EXCEEDS FILE SIZE\r\n");
        }
        byte[] bytes = new byte[(int) Math.min(size, length - offset)];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(offset);
            raf.readFully(bytes);
        } catch (IOException e) {
            return Reply.fatal("199 INTERNAL SERVER ERROR\r\n");
        }
        Base64.Encoder encoder = defect == Defect.BASE64_LINE_BREAKS ? Base64.getMimeEncoder() : Base64.getEncoder();
        return Reply.of("0 OK\r\n" + encoder.encodeToString(bytes) + "\r\n");
    }

    private static boolean validName(String name) {
        return NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    private static boolean number(String text) {
        if (!NUMBER.matcher(text).matches()) {
            return false;
        }
        try {
            Long.parseLong(text);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        synchronized (connections) {
            for (Socket socket : connections) {
                socket.close();
            }
        }
    }
}
