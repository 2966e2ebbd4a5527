package dev.hftp.server.files;

import dev.hftp.codec.HftpFileNames;
import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpStatus;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The served directory, and every rule about which of its files a client may see.
 *
 * <p>A name is served only if it has the protocol's form, is not {@code .} or {@code ..}, fits in a directory
 * entry, and names a regular file directly in the directory, or a symbolic link that leads, inside the directory,
 * to a regular file.
 *
 * <p>Names are never resolved as paths: the directory is held open ({@link ServedDirectory}), a link is followed
 * from it component by component ({@link LinkWalk}), and nothing is served while the directory's path names
 * anything but a directory. After a file is opened (without following a link), it is checked to be seekable, so that a name swapped for a
 * named pipe or a socket between the look and the open is refused.
 *
 * <p>Opening a file, listing, and following a link can block (a named pipe, a leased file, a slow disk): they must
 * run on a file-I/O thread ({@link FileCalls}). {@link #plainFileSize} only stats one entry, which never blocks
 * on such files, and may run on an event loop.
 */
public final class FileStore implements Closeable {

    /** The longest name a directory entry can have (NAME_MAX); longer names cannot exist. */
    static final int MAX_NAME_LENGTH = 255;

    private final ServedDirectory directory;

    /** A store serving {@code root}, which must be an existing directory. */
    public FileStore(Path root) throws IOException {
        this.directory = new ServedDirectory(root);
    }

    /** The served directory, with links resolved. */
    public Path root() {
        return directory.root();
    }

    /** The names of the served files, sorted; empty when the directory is gone. May block. */
    public List<String> list() throws HftpException {
        for (int attempt = 0; ; attempt++) {
            ServedDirectory.Handle dir = directory.current();
            if (dir == null) {
                return List.of();
            }
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> entries = dir.stream().newDirectoryStream(Path.of("."),
                    LinkOption.NOFOLLOW_LINKS)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (isServable(name) && LinkWalk.resolveOrNull(directory, dir, name) != null) {
                        names.add(name);
                    }
                }
            } catch (ClosedDirectoryStreamException e) {
                // Replaced while being listed: list the new one.
                if (attempt == 0) {
                    continue;
                }
                return List.of();
            } catch (NoSuchFileException | NotDirectoryException e) {
                return List.of();
            } catch (IOException e) {
                throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot list " + directory.root(), e);
            }
            names.sort(null);
            return names;
        }
    }

    /**
     * The size of {@code name} if it is a regular file directly in the directory, found by one {@code fstatat}
     * that never blocks; -1 when only {@link #size} can tell (a link, or the directory was replaced).
     */
    public long plainFileSize(String name) throws HftpException {
        checkServable(name);
        ServedDirectory.Handle dir = directory.current();
        if (dir == null) {
            throw notFound(name);
        }
        try {
            BasicFileAttributes attributes = dir.attributesOf(name);
            if (attributes.isRegularFile()) {
                return attributes.size();
            }
            if (attributes.isSymbolicLink()) {
                return -1;
            }
            throw notFound(name);
        } catch (NoSuchFileException e) {
            throw notFound(name);
        } catch (ClosedDirectoryStreamException e) {
            return -1;
        } catch (IOException e) {
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot stat " + HftpFileNames.abbreviate(name), e);
        }
    }

    /** The size in bytes of the file {@code name}, links followed. May block. */
    public long size(String name) throws HftpException {
        checkServable(name);
        LinkWalk.Resolved file = resolve(name);
        try {
            return file.attributes().size();
        } finally {
            file.close();
        }
    }

    /**
     * Opens the file {@code name} for reading {@code size} bytes from {@code offset}; the caller closes the
     * channel. The range is checked against the size of the file as opened. May block.
     */
    public FileChannel openSlice(String name, long offset, long size) throws HftpException {
        checkServable(name);
        LinkWalk.Resolved file = resolve(name);
        try {
            return openRange(file, name, offset, size);
        } finally {
            file.close();
        }
    }

    private FileChannel openRange(LinkWalk.Resolved file, String name, long offset, long size) throws HftpException {
        FileChannel channel;
        try {
            channel = (FileChannel) file.dir().newByteChannel(Path.of(file.leaf()),
                    Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException e) {
            throw notFound(name);
        } catch (AccessDeniedException e) {
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot open " + HftpFileNames.abbreviate(name), e);
        } catch (IOException | ClosedDirectoryStreamException e) {
            // Replaced by a link (ELOOP: the open does not follow links) or removed since it was looked at: the
            // request met something that is not a served file.
            throw notFound(name);
        }
        try {
            checkOpened(channel, name);
            long length = channel.size();
            if (offset > length || size > length - offset) {
                throw new HftpException(HftpStatus.BAD_OFFSET,
                        "range " + offset + "+" + size + " beyond size " + length + " of " + HftpFileNames.abbreviate(name));
            }
            return channel;
        } catch (IOException | HftpException | RuntimeException e) {
            closeQuietly(channel);
            if (e instanceof HftpException hftp) {
                throw hftp;
            }
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot read " + HftpFileNames.abbreviate(name), e);
        }
    }

    /**
     * Refuses what was opened if it cannot be a regular file. Java gives no {@code fstat} of an open channel; a
     * named pipe or a socket swapped in between the look and the open is not seekable, and the open itself refused
     * a link ({@code O_NOFOLLOW}). A regular file swapped in (a new version renamed over the name) is served: it is
     * a file of the directory at the moment of the request.
     */
    private static void checkOpened(FileChannel channel, String name) throws HftpException {
        try {
            channel.position();
        } catch (IOException e) {
            throw notFound(name);
        }
    }

    @Override
    public void close() {
        directory.close();
    }

    /** The regular file {@code name} stands for, or an exception saying why there is none. */
    private LinkWalk.Resolved resolve(String name) throws HftpException {
        for (int attempt = 0; attempt < 2; attempt++) {
            ServedDirectory.Handle dir = directory.current();
            if (dir == null) {
                throw notFound(name);
            }
            try {
                LinkWalk.Resolved file = LinkWalk.resolveOrNull(directory, dir, name);
                if (file == null) {
                    throw notFound(name);
                }
                return file;
            } catch (ClosedDirectoryStreamException e) {
                // The directory was replaced meanwhile: look in the new one.
            }
        }
        throw notFound(name);
    }

    /**
     * The one check of a requested name in the store. The decoder has checked its grammar already, but the store
     * is where a name meets the file system, so it does not rely on its caller: a name that is not servable is
     * refused before any look in the directory.
     */
    private static void checkServable(String name) throws HftpException {
        if (!isServable(name)) {
            throw HftpFileNames.isValid(name) ? notFound(name)
                    : new HftpException(HftpStatus.INVALID_ARGUMENTS, "invalid file name");
        }
    }

    /** Whether {@code name} may name a served file: the protocol's form, not {@code .} or {@code ..}, short enough. */
    private static boolean isServable(String name) {
        return HftpFileNames.isValid(name) && !name.equals(".") && !name.equals("..")
                && name.length() <= MAX_NAME_LENGTH;
    }

    private static HftpException notFound(String name) {
        return new HftpException(HftpStatus.FILE_NOT_FOUND, "no served file named " + HftpFileNames.abbreviate(name));
    }

    public static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was read; there is nothing more to do.
        }
    }
}
