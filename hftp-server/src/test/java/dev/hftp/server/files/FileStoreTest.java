package dev.hftp.server.files;

import dev.hftp.codec.HftpException;
import dev.hftp.codec.HftpStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Which names the store serves, per HFTP.md: valid names of regular files in the served directory, no
 * escape through separators or symbolic links, and the directory read again at each request.
 */
class FileStoreTest {

    private static final String CONTENT = "!Que calor que hace hoy, pinta una birra!";

    @TempDir
    Path tmp;

    private Path root;
    private Path outside;
    private FileStore store;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        outside = Files.writeString(tmp.resolve("outside.txt"), "secret");
        Files.writeString(root.resolve("archivo.txt"), CONTENT);
        store = new FileStore(root);
    }

    private static HftpStatus statusOf(Executable call) {
        HftpException e = assertThrows(HftpException.class, call::run);
        return e.status();
    }

    @FunctionalInterface
    private interface Executable {
        void run() throws Exception;
    }

    private static String read(FileChannel channel, long offset, int size) throws IOException {
        try (channel) {
            ByteBuffer buffer = ByteBuffer.allocate(size);
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) >= 0) {
                // Until the buffer is full or the file ends.
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
        }
    }

    // ---- hostile names --------------------------------------------------------------------------------

    static Stream<Arguments> hostileNames() {
        return Stream.of(
                arguments(Named.of("..", ".."), HftpStatus.FILE_NOT_FOUND),
                arguments(Named.of(".", "."), HftpStatus.FILE_NOT_FOUND),
                arguments(Named.of("a/b", "a/b"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("../outside.txt", "../outside.txt"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("/etc/passwd", "/etc/passwd"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("root/archivo.txt", "root/archivo.txt"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("empty", ""), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("256 valid chars", "a".repeat(256)), HftpStatus.FILE_NOT_FOUND),
                arguments(Named.of("5 MiB of valid chars", "a".repeat(5 << 20)), HftpStatus.FILE_NOT_FOUND),
                arguments(Named.of("NUL inside", "archivo.txt\u0000x"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("NUL at end", "archivo.txt\u0000"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("backslash", "..\\outside.txt"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("tilde", "~"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("asterisk", "*"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("space", "archivo .txt"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("non-ASCII", "caf\u00e9"), HftpStatus.INVALID_ARGUMENTS),
                arguments(Named.of("differs only by case", "ARCHIVO.TXT"), HftpStatus.FILE_NOT_FOUND));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @MethodSource("hostileNames")
    void shouldRefuseMetadataOfHostileName(String name, HftpStatus expected) {
        assertEquals(expected, statusOf(() -> store.size(name)));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @MethodSource("hostileNames")
    void shouldRefuseSliceOfHostileName(String name, HftpStatus expected) {
        assertEquals(expected, statusOf(() -> store.openSlice(name, 0, 0).close()));
    }

    // ---- what may be served ---------------------------------------------------------------------------

    @Test
    void shouldGiveSizeOfRegularFile() throws HftpException {
        assertEquals(CONTENT.length(), store.size("archivo.txt"));
    }

    @Test
    void shouldGiveSizeOfEmptyFile() throws Exception {
        Files.createFile(root.resolve("empty"));
        assertEquals(0, store.size("empty"));
    }

    @Test
    void shouldServeFileWithLongestPossibleName() throws Exception {
        String name = "n".repeat(255);
        Files.writeString(root.resolve(name), "x");
        assertEquals(1, store.size(name));
    }

    @Test
    void shouldServeFileWhoseNameUsesEveryValidCharacterKind() throws Exception {
        Files.writeString(root.resolve("AZaz09.-_"), "xy");
        assertEquals(2, store.size("AZaz09.-_"));
    }

    @Test
    void shouldOpenSliceReadableFromOffset() throws Exception {
        assertEquals("calor que hace hoy, ", read(store.openSlice("archivo.txt", 5, 20), 5, 20));
    }

    @Test
    void shouldAnswerFileNotFoundForMissingFile() {
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("nope.txt")));
    }

    @Test
    void shouldAnswerFileNotFoundForDirectory() throws IOException {
        Files.createDirectory(root.resolve("sub"));
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("sub")));
    }

    @Test
    void shouldAnswerFileNotFoundForSliceOfDirectory() throws IOException {
        Files.createDirectory(root.resolve("sub"));
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.openSlice("sub", 0, 0).close()));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void shouldAnswerFileNotFoundForNamedPipeWithoutOpeningIt() throws Exception {
        Path fifo = root.resolve("pipe");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mkfifo.waitFor() == 0 && Files.exists(fifo), "mkfifo is needed");
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.openSlice("pipe", 0, 0).close()));
    }

    // ---- symbolic links -------------------------------------------------------------------------------

    @Test
    void shouldAnswerFileNotFoundForLinkToFileOutsideRoot() throws IOException {
        Files.createSymbolicLink(root.resolve("out"), outside);
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("out")));
    }

    @Test
    void shouldAnswerFileNotFoundForSliceThroughLinkToFileOutsideRoot() throws IOException {
        Files.createSymbolicLink(root.resolve("out"), outside);
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.openSlice("out", 0, 1).close()));
    }

    @Test
    void shouldAnswerFileNotFoundForRelativeLinkEscapingRoot() throws IOException {
        Files.createSymbolicLink(root.resolve("up"), Path.of("../outside.txt"));
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("up")));
    }

    @Test
    void shouldAnswerFileNotFoundForLinkToParentDirectory() throws IOException {
        Files.createSymbolicLink(root.resolve("parent"), Path.of(".."));
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("parent")));
    }

    @Test
    void shouldAnswerFileNotFoundForLinkInsideRootToLinkOutside() throws IOException {
        Files.createSymbolicLink(root.resolve("out"), outside);
        Files.createSymbolicLink(root.resolve("chain"), Path.of("out"));
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("chain")));
    }

    @Test
    void shouldAnswerFileNotFoundForDanglingLink() throws IOException {
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("nope.txt"));
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("dangling")));
    }

    @Test
    void shouldAnswerFileNotFoundForLinkToDirectoryInsideRoot() throws IOException {
        Files.createDirectory(root.resolve("sub"));
        Files.createSymbolicLink(root.resolve("subdir"), Path.of("sub"));
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("subdir")));
    }

    @Test
    void shouldAnswerFileNotFoundForLinkLoop() throws IOException {
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("loop")));
    }

    @Test
    void shouldServeRelativeLinkToFileInsideRoot() throws Exception {
        Files.createSymbolicLink(root.resolve("in"), Path.of("archivo.txt"));
        assertEquals(CONTENT.length(), store.size("in"));
    }

    @Test
    void shouldServeSliceThroughAbsoluteLinkToFileInsideRoot() throws Exception {
        Files.createSymbolicLink(root.resolve("in"), root.resolve("archivo.txt"));
        assertEquals("calor", read(store.openSlice("in", 5, 5), 5, 5));
    }

    @Test
    void shouldServeFilesWhenRootIsReachedThroughLink() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("link-to-root"), root);
        FileStore linked = new FileStore(link);
        Files.createSymbolicLink(root.resolve("in"), link.resolve("archivo.txt"));
        assertEquals(CONTENT.length(), linked.size("archivo.txt"));
        assertEquals(CONTENT.length(), linked.size("in"));
    }

    // ---- listing --------------------------------------------------------------------------------------

    @Test
    void shouldListOnlyRegularFilesWithValidNamesAndLinksToThemInsideRoot() throws Exception {
        Files.writeString(root.resolve("b.bin"), "b");
        Files.createFile(root.resolve(".hidden"));
        Files.createDirectory(root.resolve("sub"));
        Files.writeString(root.resolve("sub").resolve("nested.txt"), "n");
        Files.createFile(root.resolve("with space"));
        Files.createFile(root.resolve("a:b"));
        Files.createSymbolicLink(root.resolve("out"), outside);
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("nope"));
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(root.resolve("in"), Path.of("archivo.txt"));
        assertEquals(List.of(".hidden", "archivo.txt", "b.bin", "in"), sorted(store.list()));
    }

    @Test
    void shouldListNothingForEmptyDirectory() throws Exception {
        Files.delete(root.resolve("archivo.txt"));
        assertEquals(List.of(), store.list());
    }

    @Test
    void shouldListFileCreatedAfterPreviousListing() throws Exception {
        assertEquals(List.of("archivo.txt"), store.list());
        Files.createFile(root.resolve("new.txt"));
        assertEquals(List.of("archivo.txt", "new.txt"), sorted(store.list()));
    }

    // ---- the directory may come and go ----------------------------------------------------------------

    @Test
    void shouldListNothingWhenDirectoryIsDeleted() throws Exception {
        deleteRoot();
        assertEquals(List.of(), store.list());
    }

    @Test
    void shouldAnswerFileNotFoundWhenDirectoryIsDeleted() throws Exception {
        deleteRoot();
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("archivo.txt")));
    }

    @Test
    void shouldAnswerFileNotFoundForSliceWhenDirectoryIsDeleted() throws Exception {
        deleteRoot();
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.openSlice("archivo.txt", 0, 1).close()));
    }

    @Test
    void shouldServeAgainWhenDirectoryIsRecreated() throws Exception {
        deleteRoot();
        Files.createDirectory(root);
        Files.writeString(root.resolve("again.txt"), "abc");
        assertEquals(List.of("again.txt"), store.list());
        assertEquals(3, store.size("again.txt"));
    }

    @Test
    void shouldAnswerFileNotFoundWhenDirectoryIsReplacedByFile() throws Exception {
        deleteRoot();
        Files.writeString(root, "not a directory");
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.size("archivo.txt")));
    }

    @Test
    void shouldListNothingWhenDirectoryIsReplacedByFile() throws Exception {
        deleteRoot();
        Files.writeString(root, "not a directory");
        assertEquals(List.of(), store.list());
    }

    private void deleteRoot() throws IOException {
        try (Stream<Path> files = Files.list(root)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.delete(file);
            }
        }
        Files.delete(root);
    }

    private static List<String> sorted(List<String> names) {
        return names.stream().sorted().toList();
    }

    // ---- ranges (203) ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "offset {0}, size {1}")
    @CsvSource({"0, 41", "41, 0", "40, 1", "0, 0", "5, 20"})
    void shouldOpenSliceThatEndsWithinFile(long offset, long size) throws Exception {
        store.openSlice("archivo.txt", offset, size).close();
    }

    @ParameterizedTest(name = "offset {0}, size {1}")
    @CsvSource({"0, 42", "41, 1", "42, 0", "40, 2", "1000, 0",
        // offset + size overflows a long: must not wrap around to a small number
        "9223372036854775807, 9223372036854775807", "1, 9223372036854775807", "9223372036854775807, 1",
        "9223372036854775807, 0", "0, 9223372036854775807"})
    void shouldAnswerOffsetExceedsFileSizeForSliceEndingBeyondFile(long offset, long size) {
        assertEquals(HftpStatus.BAD_OFFSET, statusOf(() -> store.openSlice("archivo.txt", offset, size).close()));
    }

    @Test
    void shouldAnswerOffsetExceedsFileSizeForAnyByteOfEmptyFile() throws IOException {
        Files.createFile(root.resolve("empty"));
        assertEquals(HftpStatus.BAD_OFFSET, statusOf(() -> store.openSlice("empty", 0, 1).close()));
    }

    @Test
    void shouldAnswerFileNotFoundBeforeCheckingRange() {
        assertEquals(HftpStatus.FILE_NOT_FOUND, statusOf(() -> store.openSlice("nope.txt", 1000, 1000).close()));
    }

    @Test
    void shouldAnswerInvalidArgumentsBeforeCheckingRange() {
        assertEquals(HftpStatus.INVALID_ARGUMENTS, statusOf(() -> store.openSlice("a/b", 1000, 1000).close()));
    }

    // ---- 199 ------------------------------------------------------------------------------------------

    @Test
    void shouldAnswerInternalServerErrorForSliceOfUnreadableFile() throws IOException {
        Path file = root.resolve("secret.txt");
        Files.writeString(file, "x");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        assumeTrue(!Files.isReadable(file), "permissions are not enforced for this user (root)");
        assertEquals(HftpStatus.INTERNAL_ERROR, statusOf(() -> store.openSlice("secret.txt", 0, 1).close()));
    }

    // ---- the root -------------------------------------------------------------------------------------

    @Test
    void shouldRefuseMissingRoot() {
        assertThrows(NoSuchFileException.class, () -> new FileStore(tmp.resolve("missing")));
    }

    @Test
    void shouldRefuseFileAsRoot() {
        assertThrows(NotDirectoryException.class, () -> new FileStore(outside));
    }

    @Test
    void shouldKeepRootWithLinksResolved() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("link-to-root"), root);
        assertEquals(root.toRealPath(), new FileStore(link).root());
    }
}
