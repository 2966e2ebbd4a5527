package dev.hftp.server;

import dev.hftp.codec.HftpCommandDecoder;
import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpStatus;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The served directory, and every rule about which of its files a client may see.
 *
 * <p>A name is served only if it has the protocol's form, is not {@code .} or {@code ..}, fits in a
 * directory entry, and names a regular file directly in the directory, or a symbolic link whose target is
 * a regular file inside the directory. The directory is read again at each request, so files, and the
 * directory itself, may come and go while the server runs. Files are opened without following links.
 */
public final class FileStore {

    /** The longest name a directory entry can have (NAME_MAX); longer names cannot exist. */
    static final int MAX_NAME_LENGTH = 255;

    private final Path root;

    /** A store serving {@code root}, which must be an existing directory. */
    public FileStore(Path root) throws IOException {
        Path real = Objects.requireNonNull(root, "root").toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(root.toString());
        }
        this.root = real;
    }

    /** The served directory, with links resolved. */
    public Path root() {
        return root;
    }

    /** The names of the served files, sorted; empty when the directory is gone. */
    public List<String> list() throws HftpException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (isServable(name) && resolveOrNull(name) != null) {
                    names.add(name);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        } catch (IOException e) {
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot list " + root, e);
        }
        names.sort(null);
        return names;
    }

    /** The size in bytes of the file {@code name}. */
    public long size(String name) throws HftpException {
        return resolve(name).attributes().size();
    }

    /**
     * Opens the file {@code name} for reading {@code size} bytes from {@code offset}; the caller closes the
     * channel. The range is checked against the size of the file as opened.
     */
    public FileChannel openSlice(String name, long offset, long size) throws HftpException {
        Path file = resolve(name).path();
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw notFound(name);
        } catch (AccessDeniedException e) {
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot open " + name, e);
        } catch (IOException e) {
            // Replaced by a link (ELOOP: the open does not follow links) or removed since it was resolved: the
            // request met something that is not a served file, even if the name is a file again by now.
            if (isLinkRefusal(e) || resolveOrNull(name) == null) {
                throw notFound(name);
            }
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot open " + name, e);
        }
        try {
            long length = channel.size();
            if (offset > length || size > length - offset) {
                throw new HftpException(HftpStatus.BAD_OFFSET,
                        "range " + offset + "+" + size + " beyond size " + length + " of " + name);
            }
            return channel;
        } catch (IOException | HftpException | RuntimeException e) {
            closeQuietly(channel);
            if (e instanceof HftpException hftp) {
                throw hftp;
            }
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot read " + name, e);
        }
    }

    /** The regular file {@code name} stands for, or an exception saying why there is none. */
    private Resolved resolve(String name) throws HftpException {
        if (!HftpCommandDecoder.isFileName(name)) {
            throw new HftpException(HftpStatus.INVALID_ARGUMENTS, "invalid file name");
        }
        if (!isServable(name)) {
            throw notFound(name);
        }
        try {
            Path file = root.resolve(name);
            BasicFileAttributes attributes = attributes(file);
            if (attributes.isRegularFile()) {
                return new Resolved(file, attributes);
            }
            if (attributes.isSymbolicLink()) {
                Resolved target = resolveLink(file);
                if (target != null) {
                    return target;
                }
            }
            throw notFound(name);
        } catch (IOException e) {
            if (!Files.isDirectory(root)) {
                // The directory is gone or replaced: nothing in it exists for now.
                throw notFound(name);
            }
            if (e instanceof NoSuchFileException) {
                throw notFound(name);
            }
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot stat " + name, e);
        }
    }

    /** The regular file inside the directory that {@code link} leads to, or null (outside, dangling, loop). */
    private Resolved resolveLink(Path link) {
        try {
            Path target = link.toRealPath();
            BasicFileAttributes attributes = attributes(target);
            return target.startsWith(root) && attributes.isRegularFile() ? new Resolved(target, attributes) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private Resolved resolveOrNull(String name) {
        try {
            return resolve(name);
        } catch (HftpException e) {
            return null;
        }
    }

    /** A served file: where it is, and its attributes as read for this request. */
    private record Resolved(Path path, BasicFileAttributes attributes) { }

    /**
     * Whether an open with {@code NOFOLLOW_LINKS} failed because it met a symbolic link: the JDK reports ELOOP
     * as a plain IOException, "Too many levels of symbolic links (NOFOLLOW_LINKS specified)".
     */
    private static boolean isLinkRefusal(IOException e) {
        String message = e.getMessage();
        return message != null && message.contains("symbolic link");
    }

    private static boolean isServable(String name) {
        return HftpCommandDecoder.isFileName(name) && !name.equals(".") && !name.equals("..")
                && name.length() <= MAX_NAME_LENGTH;
    }

    private static BasicFileAttributes attributes(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static HftpException notFound(String name) {
        return new HftpException(HftpStatus.FILE_NOT_FOUND, "no served file named " + abbreviate(name));
    }

    /** Names in messages are cut short: a client chooses them. */
    static String abbreviate(String name) {
        return name.length() <= 64 ? name : name.substring(0, 64) + "...(" + name.length() + " chars)";
    }

    static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was read; there is nothing more to do.
        }
    }
}
