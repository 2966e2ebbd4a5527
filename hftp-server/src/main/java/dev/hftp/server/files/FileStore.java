package dev.hftp.server.files;

import dev.hftp.codec.HftpCommandDecoder;
import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpStatus;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.ClosedDirectoryStreamException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The served directory, and every rule about which of its files a client may see.
 *
 * <p>A name is served only if it has the protocol's form, is not {@code .} or {@code ..}, fits in a directory
 * entry, and names a regular file directly in the directory, or a symbolic link that leads, inside the directory,
 * to a regular file.
 *
 * <p>Names are never resolved as paths. The directory is held open ({@link SecureDirectoryStream}: {@code openat},
 * {@code fstatat} relative to its descriptor), and re-opened when what its path names changes identity (device and
 * inode), as when the directory is deleted and created again; if its path has become a link, or anything but a
 * directory, nothing is served until it is a directory again. A link is followed component by component from the
 * held directory, each step without following a link, so that a component swapped for a link to elsewhere while a
 * request is served is refused rather than followed; {@code ..} and absolute targets may not leave the directory.
 * After a file is opened (without following a link), it is checked to be seekable, so that a name swapped for a
 * named pipe or a socket between the look and the open is refused.
 *
 * <p>Opening a file, listing, and following a link can block (a named pipe, a leased file, a slow disk): they must
 * run on a file-I/O thread ({@link FileCalls}). {@link #plainFileSize} only stats one entry, which never blocks
 * on such files, and may run on an event loop.
 */
public final class FileStore implements Closeable {

    /** The longest name a directory entry can have (NAME_MAX); longer names cannot exist. */
    static final int MAX_NAME_LENGTH = 255;
    /** Links followed for one name at most, as the kernel's own bound on a path (40) in spirit. */
    private static final int MAX_LINKS = 8;
    /** Components walked for one name at most. */
    private static final int MAX_COMPONENTS = 64;

    private final Path root;
    /** The directory as it was given, when that is another path to it (through a link): links may use either. */
    private final Path given;
    /** The directory as last opened; replaced when its path names another directory. */
    private volatile Handle handle;

    /** A store serving {@code root}, which must be an existing directory. */
    public FileStore(Path root) throws IOException {
        Path real = Objects.requireNonNull(root, "root").toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(root.toString());
        }
        this.root = real;
        this.given = root.toAbsolutePath().normalize();
        this.handle = open(real, attributes(real));
    }

    /** The served directory, with links resolved. */
    public Path root() {
        return root;
    }

    /** The names of the served files, sorted; empty when the directory is gone. May block. */
    public List<String> list() throws HftpException {
        for (int attempt = 0; ; attempt++) {
            Handle dir = current();
            if (dir == null) {
                return List.of();
            }
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> entries = dir.stream().newDirectoryStream(Path.of("."),
                    LinkOption.NOFOLLOW_LINKS)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (isServable(name) && resolveOrNull(dir, name) != null) {
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
                throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot list " + root, e);
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
        checkName(name);
        if (!isServable(name)) {
            throw notFound(name);
        }
        Handle dir = current();
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
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot stat " + abbreviate(name), e);
        }
    }

    /** The size in bytes of the file {@code name}, links followed. May block. */
    public long size(String name) throws HftpException {
        checkName(name);
        Resolved file = resolve(name);
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
        checkName(name);
        Resolved file = resolve(name);
        try {
            return openRange(file, name, offset, size);
        } finally {
            file.close();
        }
    }

    private FileChannel openRange(Resolved file, String name, long offset, long size) throws HftpException {
        FileChannel channel;
        try {
            channel = (FileChannel) file.dir().newByteChannel(Path.of(file.leaf()),
                    Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException e) {
            throw notFound(name);
        } catch (AccessDeniedException e) {
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot open " + abbreviate(name), e);
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
                        "range " + offset + "+" + size + " beyond size " + length + " of " + abbreviate(name));
            }
            return channel;
        } catch (IOException | HftpException | RuntimeException e) {
            closeQuietly(channel);
            if (e instanceof HftpException hftp) {
                throw hftp;
            }
            throw new HftpException(HftpStatus.INTERNAL_ERROR, "cannot read " + abbreviate(name), e);
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
        Handle last = handle;
        if (last != null) {
            last.close();
        }
    }

    // ---------------------------------------------------------------- the directory

    /**
     * The directory its path names now, opened again if that is another directory than the one held; null if the
     * path is gone or is not a directory (a link included: the served directory may not be moved elsewhere).
     */
    private Handle current() throws HftpException {
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
    private record Handle(SecureDirectoryStream<Path> stream, Object key) {

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

    // ---------------------------------------------------------------- names

    /** The regular file {@code name} stands for, or an exception saying why there is none. */
    private Resolved resolve(String name) throws HftpException {
        if (!isServable(name)) {
            throw notFound(name);
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            Handle dir = current();
            if (dir == null) {
                throw notFound(name);
            }
            try {
                Resolved file = resolveOrNull(dir, name);
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
     * Walks {@code name} from the directory {@code dir}, following links component by component: each directory
     * is opened from the one before it without following a link, {@code ..} goes back one opened directory and not
     * above the served one, and an absolute target must lie inside it. Null if the walk leaves the directory, meets
     * something that is not a directory or a regular file, or follows too many links.
     */
    private Resolved resolveOrNull(Handle dir, String name) {
        Deque<SecureDirectoryStream<Path>> opened = new ArrayDeque<>();
        Deque<String> relative = new ArrayDeque<>();
        Deque<String> pending = new ArrayDeque<>();
        pending.add(name);
        int links = 0;
        int steps = 0;
        try {
            while (!pending.isEmpty()) {
                if (++steps > MAX_COMPONENTS) {
                    return null;
                }
                String part = pending.poll();
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                SecureDirectoryStream<Path> in = opened.isEmpty() ? dir.stream() : opened.peek();
                if (part.equals("..")) {
                    if (opened.isEmpty()) {
                        return null;
                    }
                    opened.pop().close();
                    relative.removeLast();
                    continue;
                }
                BasicFileAttributes attributes = in.getFileAttributeView(Path.of(part), BasicFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS).readAttributes();
                if (attributes.isSymbolicLink()) {
                    if (++links > MAX_LINKS) {
                        return null;
                    }
                    Path link = root;
                    for (String step : relative) {
                        link = link.resolve(step);
                    }
                    // Read by path, but only as text: where it leads is walked from the opened directories.
                    Path target = Files.readSymbolicLink(link.resolve(part));
                    if (target.isAbsolute()) {
                        // Compared component by component; a ".." after the root's prefix fails the walk later.
                        Path base = target.startsWith(root) ? root : target.startsWith(given) ? given : null;
                        if (base == null) {
                            return null;
                        }
                        while (!opened.isEmpty()) {
                            opened.pop().close();
                        }
                        relative.clear();
                        target = base.relativize(target);
                    }
                    List<String> parts = new ArrayList<>();
                    target.forEach(p -> parts.add(p.toString()));
                    for (int i = parts.size() - 1; i >= 0; i--) {
                        pending.push(parts.get(i));
                    }
                } else if (pending.isEmpty()) {
                    if (!attributes.isRegularFile()) {
                        return null;
                    }
                    SecureDirectoryStream<Path> leafDir = opened.isEmpty() ? null : opened.pop();
                    return new Resolved(leafDir == null ? dir.stream() : leafDir, leafDir, part, attributes);
                } else if (attributes.isDirectory()) {
                    opened.push(in.newDirectoryStream(Path.of(part), LinkOption.NOFOLLOW_LINKS));
                    relative.addLast(part);
                } else {
                    return null;
                }
            }
            return null;
        } catch (IOException e) {
            // Dangling, swapped or unreadable on the way: not a served file.
            return null;
        } finally {
            // What the result keeps is taken out of the deque above; the rest is closed on every path.
            for (SecureDirectoryStream<Path> stream : opened) {
                try {
                    stream.close();
                } catch (IOException ignored) {
                    // Only read through.
                }
            }
        }
    }

    /**
     * A served file: the directory it is in (held open until {@link #close}, while the caller opens the file), the
     * directory this record owns (null for the served one), its name there, and its attributes as read for this
     * request.
     */
    private record Resolved(SecureDirectoryStream<Path> dir, SecureDirectoryStream<Path> owned, String leaf,
                            BasicFileAttributes attributes) {

        void close() {
            if (owned != null) {
                try {
                    owned.close();
                } catch (IOException ignored) {
                    // Only read through.
                }
            }
        }
    }

    private static void checkName(String name) throws HftpException {
        if (!HftpCommandDecoder.isFileName(name)) {
            throw new HftpException(HftpStatus.INVALID_ARGUMENTS, "invalid file name");
        }
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

    public static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was read; there is nothing more to do.
        }
    }
}
