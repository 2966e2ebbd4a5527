package dev.hftp.server.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Finds the regular file a name stands for in the served directory, following links the way the kernel would,
 * but never out of the directory and never through a component swapped for a link while it walks.
 */
final class LinkWalk {

    /** Links followed for one name at most, as the kernel's own bound on a path (40) in spirit. */
    private static final int MAX_LINKS = 8;
    /** Components walked for one name at most. */
    private static final int MAX_COMPONENTS = 64;

    private LinkWalk() {
    }

    /**
     * Walks {@code name} from the directory {@code dir}, following links component by component: each directory
     * is opened from the one before it without following a link, {@code ..} goes back one opened directory and not
     * above the served one, and an absolute target must lie inside it. Null if the walk leaves the directory, meets
     * something that is not a directory or a regular file, or follows too many links.
     */
    static Resolved resolveOrNull(ServedDirectory served, ServedDirectory.Handle dir, String name) {
        Path root = served.root();
        Path given = served.given();
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
    record Resolved(SecureDirectoryStream<Path> dir, SecureDirectoryStream<Path> owned, String leaf,
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
}
