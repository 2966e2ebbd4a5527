package dev.hftp.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/** Digests and directory trees, for the tests that compare downloads and clean up after processes. */
final class TestFiles {

    private TestFiles() {
    }

    /** A new SHA-256 digest (every JDK has one). */
    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }

    static byte[] sha256(byte[] bytes) {
        return newSha256().digest(bytes);
    }

    /** The SHA-256 of what {@code in} gives until its end, in hex; {@code in} is closed. */
    static String sha256Hex(InputStream in) throws IOException {
        try (in) {
            MessageDigest digest = newSha256();
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    /** The SHA-256 of a file, in hex. */
    static String sha256Hex(Path file) throws IOException {
        return sha256Hex(Files.newInputStream(file));
    }

    /** Deletes {@code root} and everything under it; what is already gone is no error. */
    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
