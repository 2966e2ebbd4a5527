package dev.hftp.server.files;

import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpStatus;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * The served directory, held open ({@link SecureDirectoryStream}: {@code openat}, {@code fstatat} relative to its
 * descriptor) and re-opened when what its path names changes identity (device and inode), as when the directory is
 * deleted and created again; if its path has become a link, or anything but a directory, it is {@linkplain
 * #current() absent} until it is a directory again.
 */
final class ServedDirectory {

    private final Path root;
    /** The directory as it was given, when that is another path to it (through a link): links may use either. */
    private final Path given;
    /** The directory as last opened; replaced when its path names another directory. */
    private volatile Handle handle;

    /** {@code root} must be an existing directory. */
    ServedDirectory(Path root) throws IOException {
        Path real = Objects.requireNonNull(root, "root").toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(root.toString());
        }
        this.root = real;
        this.given = root.toAbsolutePath().normalize();
        this.handle = open(real, attributes(real));
    }

    /** The directory, with links resolved. */
    Path root() {
        return root;
    }

    /** The directory as it was given. */
    Path given() {
        return given;
    }

    void close() {
        Handle last = handle;
        if (last != null) {
            last.close();
        }
    }

    /**
     * The directory its path names now, opened again if that is another directory than the one held; null if the
     * path is gone or is not a directory (a link included: the served directory may not be moved elsewhere).
     */
    Handle current() throws HftpException {
        BasicFileAttributes now;
        try {
            now = attributes(root);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return null;
        } catch (IOException e) {
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot stat " + root, e);
        }
        if (!now.isDirectory()) {
            return null;
        }
        Handle held = handle;
        if (held != null && held.key().equals(now.fileKey())) {
            return held;
        }
        synchronized (this) {
            held = handle;
            if (held != null && held.key().equals(now.fileKey())) {
                return held;
            }
            Handle opened;
            try {
                opened = open(root, now);
            } catch (IOException e) {
                // Gone or swapped for a link between the stat and the open.
                return null;
            }
            handle = opened;
            if (held != null) {
                held.close();
            }
            return opened;
        }
    }

    /** Opens {@code dir} without following a link, and checks that it is the directory {@code expected} describes. */
    private static Handle open(Path dir, BasicFileAttributes expected) throws IOException {
        SecureDirectoryStream<Path> stream;
        Path parent = dir.getParent();
        if (parent == null) {
            stream = secure(Files.newDirectoryStream(dir));
        } else {
            try (SecureDirectoryStream<Path> up = secure(Files.newDirectoryStream(parent))) {
                stream = up.newDirectoryStream(dir.getFileName(), LinkOption.NOFOLLOW_LINKS);
            }
        }
        Object key = stream.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
        if (key == null || !key.equals(expected.fileKey())) {
            stream.close();
            throw new NoSuchFileException(dir.toString(), null, "replaced while it was opened");
        }
        return new Handle(stream, key);
    }

    private static SecureDirectoryStream<Path> secure(DirectoryStream<Path> stream) throws IOException {
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        stream.close();
        throw new IOException("this platform cannot open files relative to a directory (SecureDirectoryStream)");
    }

    /** The served directory held open, with its identity (device and inode) when it was opened. */
    record Handle(SecureDirectoryStream<Path> stream, Object key) {

        BasicFileAttributes attributesOf(String name) throws IOException {
            return stream.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
        }

        void close() {
            try {
                stream.close();
            } catch (IOException ignored) {
                // Nothing was written through it.
            }
        }
    }

    private static BasicFileAttributes attributes(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }
}
