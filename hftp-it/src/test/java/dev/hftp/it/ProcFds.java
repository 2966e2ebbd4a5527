package dev.hftp.it;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The open file descriptors of this JVM, from Linux's {@code /proc/self/fd} and {@code /proc/self/fdinfo}:
 * the tests run the server in-process, so its descriptors are this JVM's.
 */
final class ProcFds {

    private static final Path FD = Path.of("/proc/self/fd");
    private static final Path FDINFO = Path.of("/proc/self/fdinfo");

    private ProcFds() {
    }

    /** Whether {@code /proc/self/fd} can be read (Linux). */
    static boolean available() {
        return Files.isDirectory(FD) && Files.isDirectory(FDINFO);
    }

    /** The number of open descriptors (the one that lists them included, as in every count). */
    static int count() throws IOException {
        int count = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(FD)) {
            for (Path ignored : fds) {
                count++;
            }
        }
        return count;
    }

    /** The descriptors open on {@code file} (its real path; a descriptor closed meanwhile is skipped). */
    static List<Integer> openOn(Path file) throws IOException {
        Path real = file.toRealPath();
        List<Integer> found = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(FD)) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).equals(real)) {
                        found.add(Integer.parseInt(fd.getFileName().toString()));
                    }
                } catch (IOException closedMeanwhile) {
                    // Not open any more: not open on the file.
                }
            }
        }
        return found;
    }

    /** The open flags of descriptor {@code fd}, as {@code /proc/self/fdinfo} shows them (octal there). */
    static int flags(int fd) throws IOException {
        for (String line : Files.readAllLines(FDINFO.resolve(Integer.toString(fd)))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).trim(), 8);
            }
        }
        throw new IOException("no flags in fdinfo of " + fd);
    }

    /**
     * The bit of {@code O_NOFOLLOW} as this kernel shows it in {@code fdinfo} (its value differs between
     * architectures): the flags of {@code probe} opened by Java with {@link LinkOption#NOFOLLOW_LINKS}, less
     * those of the same file opened without it.
     */
    static int noFollowBit(Path probe) throws IOException {
        int with = flagsOpenedWith(probe, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        int without = flagsOpenedWith(probe, Set.of(StandardOpenOption.READ));
        int bit = with & ~without;
        if (Integer.bitCount(bit) != 1) {
            throw new IOException("cannot tell O_NOFOLLOW in fdinfo: flags " + Integer.toOctalString(with)
                    + " with it, " + Integer.toOctalString(without) + " without");
        }
        return bit;
    }

    private static int flagsOpenedWith(Path probe, Set<OpenOption> options) throws IOException {
        FileChannel channel = FileChannel.open(probe, options);
        try {
            return flags(single(openOn(probe), probe));
        } finally {
            channel.close();
        }
    }

    private static int single(List<Integer> fds, Path file) throws IOException {
        if (fds.size() != 1) {
            throw new IOException("expected one descriptor on " + file + ", found " + fds);
        }
        return fds.get(0);
    }

    /** Polls {@code condition} every 10 ms until it holds or {@code millis} pass; returns whether it held. */
    static boolean await(long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return condition.getAsBoolean();
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** {@link #count()} for a condition: an I/O error reads as -1, which matches no expected count. */
    static int countOrMinusOne() {
        try {
            return count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@link #openOn(Path)} for a condition: an I/O error reads as -1 descriptors. */
    static int countOpenOn(Path file) {
        try {
            return openOn(file).size();
        } catch (IOException e) {
            return -1;
        }
    }
}
