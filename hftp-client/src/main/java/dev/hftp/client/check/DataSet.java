package dev.hftp.client.check;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The files a checked server must serve, each chosen for a case: an empty file, the contract's own example, a few
 * MiB of random bytes (from a fixed seed, so the check knows every byte without reading it from disk), names at the
 * edges of the grammar; and, beside them, what must never be served: a directory and a link that leads out of the
 * directory. {@code hftp check --make-data DIR} writes them; the check computes what each must hold.
 */
public final class DataSet {

    /** The contract's example file: {@code get_slice archivo.txt 5 20} is {@code Y2Fsb3IgcXVlIGhhY2UgaG95LCA=}. */
    static final String EXAMPLE = "archivo.txt";
    static final String EMPTY = "empty.txt";
    /** Three MiB and two bytes: slices of it cross any buffer, and its base64 ends with one padding character. */
    static final String RANDOM = "random.bin";
    static final int RANDOM_SIZE = 3 * 1024 * 1024 + 2;
    /** Every kind of character the grammar allows: upper and lower case, digits, '-', '_' and '.'. */
    static final String EDGE = "Edge-Name_0.9";
    /** A name that starts with a dot: valid, and listed like any other. */
    static final String DOTFILE = ".dotfile";
    /** The longest name a directory entry can have (255 bytes). */
    static final String LONG = "L".repeat(255);
    /**
     * A file its owner may not read (mode 000): a slice of it is 199 and the connection closes. A server that runs
     * as root reads it anyway, and the case says so.
     */
    static final String UNREADABLE = "unreadable.txt";
    /** A directory: not a regular file, never listed, 202. */
    static final String SUBDIR = "subdir";
    /** A link to a file outside the served directory: treated as not existing. */
    static final String OUTSIDE_LINK = "outside.lnk";
    /** Where {@link #OUTSIDE_LINK} leads: a file every Linux system has, never a file of the data set. */
    static final Path OUTSIDE_TARGET = Path.of("/etc/passwd");

    private static final long RANDOM_SEED = 0x48465450L;
    private static final byte[] EXAMPLE_CONTENT =
            "!Que calor que hace hoy, pinta una birra!".getBytes(StandardCharsets.US_ASCII);
    private static final Map<String, byte[]> SMALL_FILES = Map.of(
            EXAMPLE, EXAMPLE_CONTENT,
            EMPTY, new byte[0],
            EDGE, "A name with every kind of character.\n".getBytes(StandardCharsets.US_ASCII),
            DOTFILE, "A name that starts with a dot.\n".getBytes(StandardCharsets.US_ASCII),
            LONG, "A name of 255 characters.\n".getBytes(StandardCharsets.US_ASCII));

    /** The regular files, in the order a report names them. */
    static final List<String> FILES = List.of(EXAMPLE, EMPTY, RANDOM, EDGE, DOTFILE, LONG);

    private static volatile byte[] random;

    private DataSet() {
    }

    /** The content of the regular file {@code name} of the data set. */
    static byte[] content(String name) {
        if (RANDOM.equals(name)) {
            return randomBytes();
        }
        byte[] small = SMALL_FILES.get(name);
        if (small == null) {
            throw new IllegalArgumentException("not a file of the data set: " + name);
        }
        return small;
    }

    static long size(String name) {
        return RANDOM.equals(name) ? RANDOM_SIZE : content(name).length;
    }

    private static byte[] randomBytes() {
        byte[] bytes = random;
        if (bytes == null) {
            bytes = new byte[RANDOM_SIZE];
            // java.util.Random's sequence is specified: every JVM writes and expects the same bytes.
            new Random(RANDOM_SEED).nextBytes(bytes);
            random = bytes;
        }
        return bytes;
    }

    /**
     * Writes the data set into {@code dir}, created if missing. Files already there with the right content are
     * kept; one with other content is an error, never overwritten.
     */
    public static void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String name : FILES) {
            Path file = dir.resolve(name);
            byte[] content = content(name);
            if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        || !java.util.Arrays.equals(Files.readAllBytes(file), content)) {
                    throw new FileAlreadyExistsException(file.toString(), null,
                            "already there with other content; remove it or choose an empty directory");
                }
                continue;
            }
            Files.write(file, content);
        }
        Path subdir = dir.resolve(SUBDIR);
        Files.createDirectories(subdir);
        Path inner = subdir.resolve("inside-a-directory.txt");
        if (!Files.exists(inner)) {
            Files.writeString(inner, "Not served: it is not directly in the served directory.\n");
        }
        Path unreadable = dir.resolve(UNREADABLE);
        if (!Files.exists(unreadable, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.writeString(unreadable, "Not readable by its owner.\n");
        }
        try {
            Files.setPosixFilePermissions(unreadable, java.util.Set.of());
        } catch (UnsupportedOperationException e) {
            throw new IOException("this file system has no POSIX permissions for " + UNREADABLE, e);
        }
        Path link = dir.resolve(OUTSIDE_LINK);
        if (!Files.isSymbolicLink(link)) {
            Files.createSymbolicLink(link, OUTSIDE_TARGET);
        }
    }
}
