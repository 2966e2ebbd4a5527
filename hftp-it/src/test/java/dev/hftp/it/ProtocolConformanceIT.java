package dev.hftp.it;

import dev.hftp.server.HftpServer;
import dev.hftp.server.HftpServerBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.hftp.it.Exchanges.HELP_REPLY;
import static dev.hftp.it.Exchanges.HELP_REQUEST;
import static dev.hftp.it.Exchanges.assertBytes;
import static dev.hftp.it.Exchanges.assertReply;
import static dev.hftp.it.Exchanges.assertStillServing;
import static dev.hftp.it.Exchanges.describe;
import static dev.hftp.it.Exchanges.difference;
import static dev.hftp.it.Exchanges.window;
import static dev.hftp.it.TestBytes.bytes;
import static dev.hftp.it.TestBytes.concat;
import static dev.hftp.it.HftpTestClient.escape;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every row and status code of the HFTP contract ({@code shared/HFTP.md}), checked byte for byte on the
 * wire against a fresh server per test. Each reply is read whole as raw bytes and compared with the exact
 * expected bytes; then either the connection must be closed with nothing more sent (quit, fatal codes), or
 * a following {@code help} must get exactly its own reply, which proves that the connection stayed open and
 * that no stray byte came after the reply under test.
 *
 * <p>Requests are written as Java strings whose characters map one to one to bytes (ISO-8859-1), so
 * the character U+00E9 is the single byte 0xE9.
 */
@Timeout(60)
class ProtocolConformanceIT {

    private static final String OK = "0 OK\r\n";
    private static final String BAD_EOL = "100 BAD EOL\r\n";
    private static final String BAD_REQUEST = "101 BAD REQUEST\r\n";
    private static final String INTERNAL_ERROR = "199 INTERNAL SERVER ERROR\r\n";
    private static final String NO_SUCH_COMMAND = "200 NO SUCH COMMAND\r\n";
    private static final String INVALID_ARGUMENTS = "201 INVALID ARGUMENTS FOR COMMAND\r\n";
    private static final String FILE_NOT_FOUND = "202 FILE NOT FOUND\r\n";
    private static final String BAD_OFFSET = "203 OFFSET EXCEEDS FILE SIZE\r\n";


    private static final String LONG_MAX = Long.toString(Long.MAX_VALUE);
    private static final String LONG_MAX_PLUS_ONE = "9223372036854775808";
    /** 2^64 + 1: a parser that wraps around modulo 2^64 would read 1. */
    private static final String TWO_POW_64_PLUS_ONE = "18446744073709551617";

    /** The line limit of the servers from {@link #restartWithSmallLineLimit()}, so that long lines are cheap. */
    private static final int SMALL_LIMIT = 1024;
    /** The default limit of the server, 64 KiB. */
    private static final int DEFAULT_LIMIT = 64 * 1024;

    @TempDir
    Path tmp;
    private Path dir;
    private Path outside;
    private HftpServer server;
    private final List<HftpTestClient> clients = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        dir = Files.createDirectory(tmp.resolve("served"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0).start();
    }

    @AfterEach
    void stopServer() throws IOException {
        for (HftpTestClient client : clients) {
            client.close();
        }
        server.close();
    }

    // ---------------------------------------------------------------- get_file_listing

    @Test
    void shouldListEveryFileOfTheDirectory() throws IOException {
        file("bar", "");
        file("foo", "");
        file("x", "");
        file("quijote.txt", "En un lugar de la Mancha...");
        assertListing(connect(), List.of("bar", "foo", "x", "quijote.txt"));
    }

    @Test
    void shouldAnswerEmptyListingForEmptyDirectory() throws IOException {
        assertExchange("get_file_listing\r\n", OK + "\r\n");
    }

    @Test
    void shouldListNeitherSubdirectoriesNorFilesWithInvalidNames() throws IOException {
        file("good-name_1.txt", "x");
        Files.createDirectory(dir.resolve("subdir"));
        Files.write(dir.resolve("subdir").resolve("inner"), bytes("x"));
        for (String invalid : List.of("with space", "semi;colon", "plus+sign", "tilde~", "back\\slash", "caf\u00e9")) {
            Files.write(dir.resolve(invalid), bytes("x"));
        }
        assertExchange("get_file_listing\r\n", OK + "good-name_1.txt\r\n\r\n");
    }

    @Test
    void shouldListThousandFiles() throws IOException {
        List<String> names = IntStream.range(0, 1000).mapToObj(i -> String.format("test_file%04d", i))
                .collect(Collectors.toList());
        for (String name : names) {
            file(name, "");
        }
        assertListing(connect(), names);
    }

    @Test
    void shouldListSymlinkToFileInsideButNotOutsideNorToDirectoryNorDanglingNorLooping() throws IOException {
        file("target", "12345");
        Files.createDirectory(dir.resolve("subdir"));
        Files.write(outside.resolve("secret"), bytes("secret"));
        Files.createSymbolicLink(dir.resolve("inlink"), Path.of("target"));
        Files.createSymbolicLink(dir.resolve("outlink"), outside.resolve("secret"));
        Files.createSymbolicLink(dir.resolve("dirlink"), Path.of("subdir"));
        Files.createSymbolicLink(dir.resolve("dangling"), Path.of("nowhere"));
        Files.createSymbolicLink(dir.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(dir.resolve("chain"), Path.of("inlink"));
        assertListing(connect(), List.of("target", "inlink", "chain"));
    }

    @Test
    void shouldListFileWithNameOf255Characters() throws IOException {
        String name = "n".repeat(255);
        file(name, "abc");
        HftpTestClient client = connect();
        assertListing(client, List.of(name));
        Exchanges.assertExchange(client, "get_metadata " + name + "\r\n", OK + "3\r\n");
    }

    // ---------------------------------------------------------------- get_metadata

    @Test
    void shouldAnswerMetadataZeroForEmptyFile() throws IOException {
        file("bar", "");
        assertExchange("get_metadata bar\r\n", OK + "0\r\n");
    }

    @Test
    void shouldAnswerMetadataWithSizeInDecimal() throws IOException {
        file("bar", "x".repeat(123459));
        assertExchange("get_metadata bar\r\n", OK + "123459\r\n");
    }

    @Test
    void shouldServeSymlinksToFileInsideAsTheirTarget() throws IOException {
        file("target", "12345");
        Files.createSymbolicLink(dir.resolve("inlink"), Path.of("target"));
        Files.createSymbolicLink(dir.resolve("chain"), Path.of("inlink"));
        Files.createSymbolicLink(dir.resolve("absolute"), dir.resolve("target"));
        HftpTestClient client = connect();
        Exchanges.assertExchange(client, "get_metadata inlink\r\n", OK + "5\r\n");
        Exchanges.assertExchange(client, "get_metadata chain\r\n", OK + "5\r\n");
        Exchanges.assertExchange(client, "get_slice chain 1 3\r\n", OK + "MjM0\r\n");
        Exchanges.assertExchange(client, "get_slice absolute 1 3 raw\r\n", OK + "Content-Length: 3\r\n\r\n234");
    }

    // ---------------------------------------------------------------- get_slice (base64)

    @Test
    void shouldAnswerTheContractsSliceExample() throws IOException {
        file("archivo.txt", "!Que calor que hace hoy, pinta una birra!");
        assertExchange("get_slice archivo.txt 5 20\r\n", "0 OK\r\nY2Fsb3IgcXVlIGhhY2UgaG95LCA=\r\n");
    }

    @Test
    void shouldSendFullFileAsOneBase64Line() throws IOException {
        file("bar", "The quick brown fox jumped over the lazy dog");
        assertExchange("get_slice bar 0 44\r\n",
                OK + "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wZWQgb3ZlciB0aGUgbGF6eSBkb2c=\r\n");
    }

    @Test
    void shouldSendPartialSlices() throws IOException {
        byte[] data = bytes("a".repeat(100) + "b".repeat(200) + "c".repeat(300));
        file("bar", data);
        HftpTestClient client = connect();
        Exchanges.assertExchange(client, "get_slice bar 0 100\r\n", sliceReply(data, 0, 100));
        Exchanges.assertExchange(client, "get_slice bar 100 200\r\n", sliceReply(data, 100, 200));
        Exchanges.assertExchange(client, "get_slice bar 200 200\r\n", sliceReply(data, 200, 200));
        Exchanges.assertExchange(client, "get_slice bar 500 100\r\n", sliceReply(data, 500, 100));
        Exchanges.assertExchange(client, "get_slice bar 1 1\r\n", OK + "YQ==\r\n");
        Exchanges.assertExchange(client, "get_slice bar 299 2\r\n", OK + "YmM=\r\n");
    }

    @Test
    void shouldSendDataWithNulBytes() throws IOException {
        byte[] data = bytes("x".repeat(100) + "\0".repeat(100) + "y".repeat(100));
        file("bar", data);
        assertExchange("get_slice bar 0 300\r\n", sliceReply(data, 0, 300));
    }

    @Test
    void shouldAnswerEmptyLineForSliceOfSizeZeroOfEmptyFile() throws IOException {
        file("empty", "");
        assertExchange("get_slice empty 0 0\r\n", OK + "\r\n");
    }

    @Test
    void shouldAnswerEmptyLineForSliceOfSizeZeroAtEndOfFile() throws IOException {
        file("abc", "abc");
        assertExchange("get_slice abc 3 0\r\n", OK + "\r\n");
    }

    @Test
    void shouldAcceptLeadingZerosInOffsetAndSize() throws IOException {
        file("digits", "0123456789");
        HftpTestClient client = connect();
        Exchanges.assertExchange(client, "get_slice digits 0005 003\r\n", OK + "NTY3\r\n");
        // More digits than a long has, but the value fits.
        Exchanges.assertExchange(client, "get_slice digits " + "0".repeat(40) + "5 " + "0".repeat(40) + "3\r\n", OK + "NTY3\r\n");
    }

    @Test
    void shouldSendSliceOfSeveralChunksAtUnalignedOffsetAsJavaBase64() throws IOException {
        byte[] data = randomBytes(300_000);
        file("data.bin", data);
        assertExchange("get_slice data.bin 7 200000\r\n", sliceReply(data, 7, 200_000));
        assertExchange("get_slice data.bin 299999 1\r\n", sliceReply(data, 299_999, 1));
    }

    @Test
    void shouldSendThirtyThreeMegabyteSliceAsJavaBase64() throws IOException {
        // The course's test_big_file: 254 blocks of 128 KiB, block i holding the byte i; 44 MB of base64.
        try (OutputStream out = Files.newOutputStream(dir.resolve("bar"))) {
            for (int block = 1; block <= 254; block++) {
                out.write(bigFileBlock(block));
            }
        }
        HftpTestClient client = connect();
        Exchanges.assertExchange(client, "get_metadata bar\r\n", OK + "33292288\r\n");
        client.sendRaw("get_slice bar 0 33292288\r\n");
        ExpectedReply reply = new ExpectedReply(client);
        reply.write(bytes(OK));
        try (OutputStream base64 = Base64.getEncoder().wrap(reply)) {
            for (int block = 1; block <= 254; block++) {
                base64.write(bigFileBlock(block));
            }
        }
        reply.write(bytes("\r\n"));
        assertStillServing(client);
    }

    private static byte[] bigFileBlock(int block) {
        byte[] bytes = new byte[131072];
        Arrays.fill(bytes, (byte) block);
        return bytes;
    }

    // ---------------------------------------------------------------- get_slice ... raw

    @Test
    void shouldSendRawSliceOfEveryByteValue() throws IOException {
        byte[] data = new byte[256];
        for (int i = 0; i < 256; i++) {
            data[i] = (byte) i;
        }
        file("rawbin", data);
        Exchanges.assertExchange(connect(), bytes("get_slice rawbin 0 256 raw\r\n"),
                concat(bytes(OK + "Content-Length: 256\r\n\r\n"), data));
    }

    @Test
    void shouldSendPartialRawSlice() throws IOException {
        file("seg", "abcdefghij");
        assertExchange("get_slice seg 3 4 raw\r\n", OK + "Content-Length: 4\r\n\r\ndefg");
    }

    @Test
    void shouldSendOnlyHeaderForRawSliceOfSizeZero() throws IOException {
        file("seg", "abcdefghij");
        HftpTestClient client = connect();
        Exchanges.assertExchange(client, "get_slice seg 0 0 raw\r\n", OK + "Content-Length: 0\r\n\r\n");
        Exchanges.assertExchange(client, "get_slice seg 10 0 raw\r\n", OK + "Content-Length: 0\r\n\r\n");
    }

    @Test
    void shouldSendLargeRawSliceExactly() throws IOException {
        byte[] data = randomBytes(3_000_000);
        file("data.bin", data);
        Exchanges.assertExchange(connect(), bytes("get_slice data.bin 5 2999990 raw\r\n"),
                concat(bytes(OK + "Content-Length: 2999990\r\n\r\n"), Arrays.copyOfRange(data, 5, 2_999_995)));
    }

    // ---------------------------------------------------------------- help, quit

    @Test
    void shouldAnswerHelpWithOneCommandPerLine() throws IOException {
        assertExchange(HELP_REQUEST, HELP_REPLY);
    }

    @Test
    void shouldAnswerOkThenCloseOnQuit() throws IOException {
        assertLastExchange("quit\r\n", OK);
    }

    @Test
    void shouldAnswerOkThenCloseOnQuitAfterOtherRequests() throws IOException {
        file("abc", "abc");
        HftpTestClient client = connect();
        Exchanges.assertExchange(client, "get_metadata abc\r\n", OK + "3\r\n");
        assertLastExchange(client, "quit\r\n", OK);
    }

    // ---------------------------------------------------------------- 100 BAD EOL

    static Stream<Arguments> lineFeedsNotInCrlf() {
        return Stream.of(
                request("qui\nt\n\r\n"),
                request("quit\n"),
                request("\n"),
                request("get_metadata abc\n"),
                request("get_metadata abc\nxyz\r\n"),
                request("get_slice abc 0\n 1\r\n"),
                request("get_file_listing\n\r\n"));
    }

    @ParameterizedTest
    @MethodSource("lineFeedsNotInCrlf")
    void shouldAnswer100ThenCloseForLineFeedNotInCrlf(String request) throws IOException {
        file("abc", "abc");
        assertLastExchange(request, BAD_EOL);
    }

    // ---------------------------------------------------------------- 101 BAD REQUEST

    static Stream<Arguments> badRequests() {
        return Stream.of(
                request("\r\n"),
                request(" \r\n"),
                request("     \r\n"),
                request("get_metadata caf\u00e9\r\n"),
                request("\u00ff\r\n"),
                request("help\u0080\r\n"),
                request("verdura\u00e9\r\n"),
                request("get_me\rtadata abc\r\n"),
                request("quit\r\r\n"),
                request("\rquit\r\n"),
                request("get_slice abc 0 1\r raw\r\n"));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void shouldAnswer101ThenCloseForEmptyLineSpacesNonAsciiOrStrayCr(String request) throws IOException {
        file("abc", "abc");
        assertLastExchange(request, BAD_REQUEST);
    }

    // ---------------------------------------------------------------- 199 INTERNAL SERVER ERROR

    @Test
    void shouldAnswer199ThenCloseWhenFileExistsButCannotBeRead() throws IOException {
        Path unreadable = file("unreadable", "x");
        Files.setPosixFilePermissions(unreadable, Set.of());
        assumeFalse(Files.isReadable(unreadable),
                "running as root, every file is readable; 199 is covered by a process-level test");
        assertLastExchange("get_slice unreadable 0 1\r\n", INTERNAL_ERROR);
    }

    // ---------------------------------------------------------------- 200 NO SUCH COMMAND

    static Stream<Arguments> unknownCommands() {
        return Stream.of(
                request("verdura\r\n"),
                request("QUIT\r\n"),
                request("Quit\r\n"),
                request("HELP\r\n"),
                request("GET_FILE_LISTING\r\n"),
                request("Get_metadata abc\r\n"),
                request("get-metadata abc\r\n"),
                request("get_metadata_ abc\r\n"),
                request("get_slices abc 0 1\r\n"),
                request("raw\r\n"),
                request("verdura a b c d e f g\r\n"));
    }

    @ParameterizedTest
    @MethodSource("unknownCommands")
    void shouldAnswer200AndKeepServingForUnknownCommand(String request) throws IOException {
        file("abc", "abc");
        assertExchange(request, NO_SUCH_COMMAND);
    }

    @Test
    void shouldServeNextRequestAfter200() throws IOException {
        file("abc", "abc");
        HftpTestClient client = connect();
        Exchanges.assertExchange(client, "QUIT\r\n", NO_SUCH_COMMAND);
        Exchanges.assertExchange(client, "get_metadata abc\r\n", OK + "3\r\n");
        assertLastExchange(client, "quit\r\n", OK);
    }

    // ---------------------------------------------------------------- 201 INVALID ARGUMENTS FOR COMMAND

    static Stream<Arguments> wrongArgumentCounts() {
        return Stream.of(
                request("get_file_listing x\r\n"),
                request("get_file_listing abc abc\r\n"),
                request("get_metadata\r\n"),
                request("get_metadata abc abc\r\n"),
                request("get_slice\r\n"),
                request("get_slice abc\r\n"),
                request("get_slice abc 0\r\n"),
                request("get_slice abc 0 1 raw raw\r\n"),
                request("get_slice abc 0 1 raw x y\r\n"),
                request("help x\r\n"),
                request("quit x\r\n"),
                request("quit passing extra arguments!\r\n"));
    }

    @ParameterizedTest
    @MethodSource("wrongArgumentCounts")
    void shouldAnswer201AndKeepServingForWrongArgumentCount(String request) throws IOException {
        errorFixtures();
        assertExchange(request, INVALID_ARGUMENTS);
    }

    static Stream<Arguments> offsetsOrSizesNotNonNegativeLongs() {
        return Stream.of(
                request("get_slice abc x x\r\n"),
                request("get_slice abc x 1\r\n"),
                request("get_slice abc 0 x\r\n"),
                request("get_slice abc -1 1\r\n"),
                request("get_slice abc 0 -1\r\n"),
                request("get_slice abc 1.5 1\r\n"),
                request("get_slice abc 0x1 1\r\n"),
                request("get_slice abc 1e0 1\r\n"),
                request("get_slice abc " + LONG_MAX_PLUS_ONE + " 0\r\n"),
                request("get_slice abc 0 " + LONG_MAX_PLUS_ONE + "\r\n"),
                request("get_slice abc " + TWO_POW_64_PLUS_ONE + " 1\r\n"),
                request("get_slice abc 0 " + TWO_POW_64_PLUS_ONE + "\r\n"),
                request("get_slice abc 99999999999999999999999 0\r\n"),
                request("get_slice abc " + LONG_MAX_PLUS_ONE + " 0 raw\r\n"));
    }

    @ParameterizedTest
    @MethodSource("offsetsOrSizesNotNonNegativeLongs")
    void shouldAnswer201AndKeepServingForOffsetOrSizeNotANonNegativeLong(String request) throws IOException {
        errorFixtures();
        assertExchange(request, INVALID_ARGUMENTS);
    }

    static Stream<Arguments> fourthSliceElementsOtherThanRaw() {
        return Stream.of(
                // The course's 2026 case: on an empty file the range is also wrong, and 201 comes first.
                request("get_slice empty 0 1 rawx\r\n"),
                request("get_slice empty 0 1 RAW\r\n"),
                request("get_slice empty 0 1 ra\r\n"),
                request("get_slice abc 0 1 rawx\r\n"),
                request("get_slice abc 0 1 2\r\n"));
    }

    @ParameterizedTest
    @MethodSource("fourthSliceElementsOtherThanRaw")
    void shouldAnswer201BeforeRangeCheckForFourthSliceElementOtherThanRaw(String request) throws IOException {
        errorFixtures();
        assertExchange(request, INVALID_ARGUMENTS);
    }

    static Stream<Arguments> fileNamesWithInvalidCharacters() {
        return Stream.of(
                request("get_metadata a/b\r\n"),
                request("get_metadata ../x\r\n"),
                request("get_slice ../x 0 1\r\n"),
                request("get_slice a/b 0 1 raw\r\n"),
                request("get_metadata /etc/passwd\r\n"),
                request("get_metadata subdir/inner\r\n"),
                request("get_metadata ./abc\r\n"),
                request("get_metadata a\\b\r\n"),
                request("get_metadata abc*\r\n"),
                request("get_metadata abc;\r\n"),
                request("get_metadata ~\r\n"),
                request("get_metadata a\tb\r\n"),
                request("get_metadata a\0b\r\n"));
    }

    @ParameterizedTest
    @MethodSource("fileNamesWithInvalidCharacters")
    void shouldAnswer201AndKeepServingForFileNameWithInvalidCharacters(String request) throws IOException {
        errorFixtures();
        assertExchange(request, INVALID_ARGUMENTS);
    }

    // ---------------------------------------------------------------- 202 FILE NOT FOUND

    static Stream<Arguments> namesOfNoServedFile() {
        return Stream.of(
                request("get_metadata does_not_exist\r\n"),
                request("get_slice does_not_exist 0 10\r\n"),
                request("get_slice does_not_exist 0 0\r\n"),
                request("get_slice does_not_exist 0 1 raw\r\n"),
                request("get_metadata ABC\r\n"),
                request("get_metadata subdir\r\n"),
                request("get_slice subdir 0 0\r\n"),
                request("get_metadata .\r\n"),
                request("get_metadata ..\r\n"),
                request("get_slice . 0 0\r\n"),
                request("get_slice .. 0 0 raw\r\n"),
                request("get_metadata " + "x".repeat(256) + "\r\n"),
                request("get_slice " + "x".repeat(256) + " 0 0\r\n"),
                request("get_metadata outlink\r\n"),
                request("get_metadata relout\r\n"),
                request("get_slice hop 0 1\r\n"),
                request("get_slice outlink 0 1\r\n"),
                request("get_slice outlink 0 1 raw\r\n"),
                request("get_metadata dirlink\r\n"),
                request("get_metadata dangling\r\n"),
                request("get_slice dangling 0 0\r\n"),
                request("get_metadata loop\r\n"),
                request("get_slice loop 0 0\r\n"),
                request("get_metadata ping\r\n"),
                request("get_slice pong 0 0 raw\r\n"));
    }

    @ParameterizedTest
    @MethodSource("namesOfNoServedFile")
    void shouldAnswer202AndKeepServingForValidNameOfNoServedFile(String request) throws IOException {
        errorFixtures();
        assertExchange(request, FILE_NOT_FOUND);
    }

    @Test
    void shouldAnswer202ForFifoAndNotListIt() throws IOException, InterruptedException {
        file("abc", "abc");
        Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("fifo").toString()).start();
        assumeTrue(mkfifo.waitFor() == 0, "mkfifo is not available");
        HftpTestClient client = connect();
        Exchanges.assertExchange(client, "get_metadata fifo\r\n", FILE_NOT_FOUND);
        Exchanges.assertExchange(client, "get_slice fifo 0 0\r\n", FILE_NOT_FOUND);
        assertListing(client, List.of("abc"));
    }

    // ---------------------------------------------------------------- 203 OFFSET EXCEEDS FILE SIZE

    static Stream<Arguments> rangesPastEndOfFile() {
        return Stream.of(
                request("get_slice abc 0 4\r\n"),
                request("get_slice abc 0 10\r\n"),
                request("get_slice abc 2 2\r\n"),
                request("get_slice abc 3 1\r\n"),
                request("get_slice abc 4 0\r\n"),
                request("get_slice abc 1000 0\r\n"),
                request("get_slice abc 2 2 raw\r\n"),
                request("get_slice abc 4 0 raw\r\n"),
                request("get_slice empty 0 1\r\n"),
                request("get_slice empty 1 0\r\n"),
                request("get_slice abc " + LONG_MAX + " 0\r\n"),
                request("get_slice abc 0 " + LONG_MAX + "\r\n"),
                // The sums overflow a long: a check of offset + size > length that wraps would pass them.
                request("get_slice abc 1 " + LONG_MAX + "\r\n"),
                request("get_slice abc " + LONG_MAX + " 1\r\n"),
                request("get_slice abc " + LONG_MAX + " " + LONG_MAX + "\r\n"),
                request("get_slice abc 3 " + LONG_MAX + " raw\r\n"));
    }

    @ParameterizedTest
    @MethodSource("rangesPastEndOfFile")
    void shouldAnswer203AndKeepServingForRangePastEndOfFile(String request) throws IOException {
        errorFixtures();
        assertExchange(request, BAD_OFFSET);
    }

    // ---------------------------------------------------------------- order of checks

    static Stream<Arguments> requestsFailingSeveralChecks() {
        return Stream.of(
                Arguments.of(named("GET_SLICE missing x 1\r\n"), NO_SUCH_COMMAND),
                Arguments.of(named("verdura a/b x y z\r\n"), NO_SUCH_COMMAND),
                Arguments.of(named("get_slice missing x 1\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice missing 0 -1\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice missing 0 1 rawx\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice missing 0\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice a/b 0 1\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice a/b " + LONG_MAX + " 1\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_metadata missing extra\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice missing 0 1\r\n"), FILE_NOT_FOUND),
                Arguments.of(named("get_slice missing " + LONG_MAX + " " + LONG_MAX + "\r\n"), FILE_NOT_FOUND),
                Arguments.of(named("get_slice subdir 1 1\r\n"), FILE_NOT_FOUND),
                Arguments.of(named("get_slice abc " + LONG_MAX + " " + LONG_MAX + "\r\n"), BAD_OFFSET));
    }

    @ParameterizedTest
    @MethodSource("requestsFailingSeveralChecks")
    void shouldCheckCommandThenArgumentsThenFileThenRange(String request, String reply) throws IOException {
        errorFixtures();
        assertExchange(request, reply);
    }

    // ---------------------------------------------------------------- pipelining

    @Test
    void shouldAnswerPipelinedRequestsCompletelyAndInOrder() throws IOException {
        file("abc", "abc");
        HftpTestClient client = connect();
        client.sendRaw("get_metadata abc\r\n"
                + "get_slice abc 0 3\r\n"
                + "verdura\r\n"
                + "get_slice missing 0 1\r\n"
                + "get_slice abc 1 2 raw\r\n"
                + "get_file_listing\r\n"
                + "get_slice abc 0 10\r\n"
                + "get_slice abc x 1\r\n"
                + "get_slice abc 3 0\r\n"
                + "help\r\n"
                + "quit\r\n");
        assertBytes(bytes(OK + "3\r\n"
                + OK + "YWJj\r\n"
                + NO_SUCH_COMMAND
                + FILE_NOT_FOUND
                + OK + "Content-Length: 2\r\n\r\nbc"
                + OK + "abc\r\n\r\n"
                + BAD_OFFSET
                + INVALID_ARGUMENTS
                + OK + "\r\n"
                + HELP_REPLY
                + OK), client.readUntilClosed());
    }

    @Test
    void shouldAnswerManyPipelinedSlicesInterleavedWithMetadataAndErrorsInOrder() throws IOException {
        byte[] big = randomBytes(150_000);
        file("big", big);
        file("small", "abc");
        StringBuilder requests = new StringBuilder();
        ByteArrayOutputStream replies = new ByteArrayOutputStream();
        for (int i = 0; i < 100; i++) {
            int offset = i * 499 % 1000;
            // Every tenth slice spans several chunks of the file, the others one.
            int size = i % 10 == 0 ? 100_000 + i : 1000 + 7 * i;
            requests.append("get_slice big ").append(offset).append(' ').append(size).append("\r\n");
            replies.writeBytes(bytes(sliceReply(big, offset, size)));
            requests.append("get_metadata small\r\n");
            replies.writeBytes(bytes(OK + "3\r\n"));
            requests.append("verdura\r\n");
            replies.writeBytes(bytes(NO_SUCH_COMMAND));
            requests.append("get_slice big ").append(i).append(" 1000 raw\r\n");
            replies.writeBytes(bytes(OK + "Content-Length: 1000\r\n\r\n"));
            replies.writeBytes(Arrays.copyOfRange(big, i, i + 1000));
            requests.append("get_slice small 2 2\r\n");
            replies.writeBytes(bytes(BAD_OFFSET));
            requests.append("get_slice small ").append(i % 4).append(" 0\r\n");
            replies.writeBytes(bytes(OK + "\r\n"));
        }
        requests.append("quit\r\n");
        replies.writeBytes(bytes(OK));
        HftpTestClient client = connect();
        client.sendRaw(requests.toString());
        assertBytes(replies.toByteArray(), client.readUntilClosed());
    }

    @Test
    void shouldAnswerRequestsBeforeFatalOneThenItsStatusThenClose() throws IOException {
        file("abc", "abc");
        HftpTestClient client = connect();
        client.sendRaw("get_metadata abc\r\nget_slice abc 0 3\r\nverdura\r\nqui\nt\r\nget_metadata abc\r\nhelp\r\n");
        assertBytes(bytes(OK + "3\r\n" + OK + "YWJj\r\n" + NO_SUCH_COMMAND + BAD_EOL), client.readUntilClosed());
    }

    @Test
    void shouldFinishLargeSliceThenAnswerPipelinedFatalRequestThenClose() throws IOException {
        byte[] big = randomBytes(200_000);
        file("big", big);
        HftpTestClient client = connect();
        client.sendRaw("get_slice big 0 200000\r\n\r\nget_metadata big\r\nhelp\r\n");
        assertBytes(concat(bytes(sliceReply(big, 0, 200_000)), bytes(BAD_REQUEST)), client.readUntilClosed());
    }

    @Test
    void shouldSendNothingAfterQuitEvenIfMoreRequestsWerePipelined() throws IOException {
        file("abc", "abc");
        assertLastExchange("quit\r\nget_metadata abc\r\nhelp\r\nget_slice abc 0 3\r\n", OK);
    }

    @Test
    void shouldSendNothingAfterFatalReplyEvenIfMoreRequestsWerePipelined() throws IOException {
        file("abc", "abc");
        assertLastExchange("verdura\r\n\u00ff\r\nhelp\r\nget_file_listing\r\nquit\r\n", NO_SUCH_COMMAND + BAD_REQUEST);
    }

    // ---------------------------------------------------------------- one byte at a time

    @Test
    void shouldAnswerSessionSentOneByteAtATimeAsWhenSentAtOnce() throws IOException {
        file("abc", "abc");
        String session = "get_metadata abc\r\nget_slice abc 0 3\r\nget_slice abc 1 2 raw\r\nverdura\r\n"
                + "get_slice abc 0 4\r\nget_metadata a/b\r\nget_file_listing\r\nhelp\r\nquit\r\n";
        byte[] expected = bytes(OK + "3\r\n" + OK + "YWJj\r\n" + OK + "Content-Length: 2\r\n\r\nbc"
                + NO_SUCH_COMMAND + BAD_OFFSET + INVALID_ARGUMENTS + OK + "abc\r\n\r\n" + HELP_REPLY + OK);

        HftpTestClient atOnce = connect();
        atOnce.sendRaw(session);
        assertBytes(expected, atOnce.readUntilClosed());

        HftpTestClient byteByByte = connect();
        for (byte b : bytes(session)) {
            byteByByte.sendRaw(new byte[] {b});
        }
        assertBytes(expected, byteByByte.readUntilClosed());
    }

    @Test
    void shouldJoinCrlfSplitAcrossWrites() throws IOException {
        file("abc", "abc");
        HftpTestClient client = connect();
        client.sendRaw("get_metadata abc\r");
        assertTrue(client.isSilentFor(200), "a reply came before the LF that ends the line");
        Exchanges.assertExchange(client, "\n", OK + "3\r\n");
    }

    @Test
    void shouldAnswerQuitSentInPiecesOnlyAtItsEnd() throws IOException {
        HftpTestClient client = connect();
        for (String piece : List.of("q", "u", "i", "t", "\r")) {
            client.sendRaw(piece);
            assertTrue(client.isSilentFor(50), "a reply came before the line ended, after " + escape(bytes(piece)));
        }
        assertLastExchange(client, "\n", OK);
    }

    // ---------------------------------------------------------------- lines longer than the limit

    @Test
    void shouldAnswer202ForFiveMebibyteFileNameAndKeepServing() throws IOException {
        file("abc", "abc");
        HftpTestClient client = connect();
        client.sendRaw("get_metadata " + "x".repeat(5 << 20) + "\r\n");
        assertReply(client, FILE_NOT_FOUND);
        Exchanges.assertExchange(client, "get_metadata abc\r\n", OK + "3\r\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {DEFAULT_LIMIT - 2, DEFAULT_LIMIT - 1, DEFAULT_LIMIT, DEFAULT_LIMIT + 1, DEFAULT_LIMIT + 2,
        3 * DEFAULT_LIMIT})
    void shouldServeSliceWhateverTheLineLengthAroundTheDefaultLimit(int lineLength) throws IOException {
        file("digits", "0123456789");
        assertExchange(paddedSliceRequest(lineLength), OK + "NTY3\r\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {SMALL_LIMIT - 2, SMALL_LIMIT - 1, SMALL_LIMIT, SMALL_LIMIT + 1, SMALL_LIMIT + 2,
        3 * SMALL_LIMIT})
    void shouldServeSliceWhateverTheLineLengthAroundAConfiguredLimit(int lineLength) throws IOException {
        restartWithSmallLineLimit();
        file("digits", "0123456789");
        assertExchange(paddedSliceRequest(lineLength), OK + "NTY3\r\n");
    }

    /** Lines that keep the connection open, each with an element of {@code n} bytes, and their reply. */
    static Stream<Arguments> longLines(int n) {
        String xs = "x".repeat(n);
        String zeros = "0".repeat(n);
        return Stream.of(
                Arguments.of(named(xs + "\r\n"), NO_SUCH_COMMAND),
                Arguments.of(named("get_metadata" + xs + " abc\r\n"), NO_SUCH_COMMAND),
                Arguments.of(named("verdura " + xs + "\r\n"), NO_SUCH_COMMAND),
                Arguments.of(named("get_metadata " + xs + "\r\n"), FILE_NOT_FOUND),
                Arguments.of(named("get_slice " + xs + " 0 1\r\n"), FILE_NOT_FOUND),
                Arguments.of(named("get_slice " + xs + " 0 1 raw\r\n"), FILE_NOT_FOUND),
                Arguments.of(named("get_slice digits " + zeros + "5 3\r\n"), OK + "NTY3\r\n"),
                Arguments.of(named("get_slice digits 5 " + zeros + "3\r\n"), OK + "NTY3\r\n"),
                Arguments.of(named("get_slice digits " + zeros + "5 " + zeros + "3\r\n"), OK + "NTY3\r\n"),
                Arguments.of(named("get_slice digits " + zeros + " 0\r\n"), OK + "\r\n"),
                Arguments.of(named("get_slice digits " + zeros + "5 3 raw\r\n"), OK + "Content-Length: 3\r\n\r\n567"),
                Arguments.of(named("get_slice digits " + zeros + "11 0\r\n"), BAD_OFFSET),
                Arguments.of(named("get_slice digits " + zeros + LONG_MAX + " 0\r\n"), BAD_OFFSET),
                Arguments.of(named("get_slice digits " + zeros + LONG_MAX_PLUS_ONE + " 0\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice digits 0 1" + zeros + "\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice digits " + "9".repeat(n) + " 0\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice digits " + zeros + "x 3\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice " + xs + " x 1\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice " + xs + " 0 1 rawx\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice digits 0 1 raw" + xs + "\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice digits 0 1 raw " + xs + "\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_metadata a b" + xs + "\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_metadata" + " a".repeat(n / 2) + "\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("quit " + xs + "\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("help " + xs + "\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_file_listing " + xs + "\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_metadata " + xs + "/" + xs + "\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_metadata ../" + xs + "\r\n"), INVALID_ARGUMENTS),
                Arguments.of(named("get_slice " + xs + "/ 0 1\r\n"), INVALID_ARGUMENTS));
    }

    static Stream<Arguments> linesPastConfiguredLimit() {
        return longLines(5 * SMALL_LIMIT);
    }

    static Stream<Arguments> linesPastDefaultLimit() {
        return longLines(DEFAULT_LIMIT + 1000);
    }

    @ParameterizedTest
    @MethodSource("linesPastConfiguredLimit")
    void shouldAnswerLinePastConfiguredLimitAsTheWholeLineAndKeepServing(String request, String reply)
            throws IOException {
        restartWithSmallLineLimit();
        file("digits", "0123456789");
        file("x".repeat(255), "x");
        assertExchange(request, reply);
    }

    @ParameterizedTest
    @MethodSource("linesPastDefaultLimit")
    void shouldAnswerLinePastDefaultLimitAsTheWholeLineAndKeepServing(String request, String reply)
            throws IOException {
        file("digits", "0123456789");
        file("x".repeat(255), "x");
        assertExchange(request, reply);
    }

    /** Lines that end the connection, each with an element of {@code n} bytes, and their reply. */
    static Stream<Arguments> longFatalLines(int n) {
        String xs = "x".repeat(n);
        return Stream.of(
                Arguments.of(named("get_metadata " + xs + "\n"), BAD_EOL),
                Arguments.of(named(xs + "\n"), BAD_EOL),
                Arguments.of(named("get_metadata " + xs + "\nabc\r\n"), BAD_EOL),
                Arguments.of(named("get_metadata " + xs + "\u00e9" + xs + "\r\n"), BAD_REQUEST),
                Arguments.of(named("verdura" + xs + "\u00ff\r\n"), BAD_REQUEST),
                Arguments.of(named("get_slice digits 0 1 " + xs + "\u0080\r\n"), BAD_REQUEST),
                Arguments.of(named("get_metadata " + xs + "\r" + xs + "\r\n"), BAD_REQUEST),
                Arguments.of(named("get_metadata " + xs + "\r\r\n"), BAD_REQUEST),
                Arguments.of(named(" ".repeat(n) + "\r\n"), BAD_REQUEST));
    }

    static Stream<Arguments> fatalLinesPastConfiguredLimit() {
        return longFatalLines(5 * SMALL_LIMIT);
    }

    static Stream<Arguments> fatalLinesPastDefaultLimit() {
        return longFatalLines(DEFAULT_LIMIT + 1000);
    }

    @ParameterizedTest
    @MethodSource("fatalLinesPastConfiguredLimit")
    void shouldAnswerFatalLinePastConfiguredLimitAsTheWholeLineThenClose(String request, String reply)
            throws IOException {
        restartWithSmallLineLimit();
        file("digits", "0123456789");
        assertLastExchange(request, reply);
    }

    @ParameterizedTest
    @MethodSource("fatalLinesPastDefaultLimit")
    void shouldAnswerFatalLinePastDefaultLimitAsTheWholeLineThenClose(String request, String reply)
            throws IOException {
        file("digits", "0123456789");
        assertLastExchange(request, reply);
    }

    @Test
    void shouldJoinCrlfSplitAcrossWritesAtEndOfLongLine() throws IOException {
        restartWithSmallLineLimit();
        HftpTestClient client = connect();
        client.sendRaw("get_metadata " + "x".repeat(5 * SMALL_LIMIT) + "\r");
        assertTrue(client.isSilentFor(200), "a reply came before the LF that ends the line");
        Exchanges.assertExchange(client, "\n", FILE_NOT_FOUND);
    }

    @Test
    void shouldAnswerLongLineSentInManySmallWrites() throws IOException {
        restartWithSmallLineLimit();
        file("digits", "0123456789");
        HftpTestClient client = connect();
        client.sendRaw("get_slice digits ");
        for (int i = 0; i < 50; i++) {
            client.sendRaw("0".repeat(97));
        }
        Exchanges.assertExchange(client, "5 3\r\n", OK + "NTY3\r\n");
    }

    @Test
    void shouldAnswerPipelinedLongLinesInOrder() throws IOException {
        restartWithSmallLineLimit();
        file("digits", "0123456789");
        String xs = "x".repeat(3 * SMALL_LIMIT);
        HftpTestClient client = connect();
        client.sendRaw("get_metadata " + xs + "\r\nget_metadata digits\r\n" + xs + "\r\n"
                + "get_slice digits " + "0".repeat(3 * SMALL_LIMIT) + "5 3\r\nget_metadata a " + xs + "\r\nquit\r\n");
        assertBytes(bytes(FILE_NOT_FOUND + OK + "10\r\n" + NO_SUCH_COMMAND + OK + "NTY3\r\n" + INVALID_ARGUMENTS + OK),
                client.readUntilClosed());
    }

    // ---------------------------------------------------------------- robustness

    @Test
    void shouldSeeFilesCreatedAndDeletedWhileConnected() throws IOException {
        HftpTestClient client = connect();
        Exchanges.assertExchange(client, "get_file_listing\r\n", OK + "\r\n");
        file("late", "abcd");
        Exchanges.assertExchange(client, "get_file_listing\r\n", OK + "late\r\n\r\n");
        Exchanges.assertExchange(client, "get_metadata late\r\n", OK + "4\r\n");
        Files.delete(dir.resolve("late"));
        Exchanges.assertExchange(client, "get_metadata late\r\n", FILE_NOT_FOUND);
        Exchanges.assertExchange(client, "get_file_listing\r\n", OK + "\r\n");
    }

    @Test
    void shouldServeDirectoryDeletedAndRecreatedWhileRunning() throws IOException {
        file("before", "1");
        HftpTestClient client = connect();
        Exchanges.assertExchange(client, "get_file_listing\r\n", OK + "before\r\n\r\n");
        Files.delete(dir.resolve("before"));
        Files.delete(dir);
        Files.createDirectory(dir);
        file("after", "22");
        Exchanges.assertExchange(client, "get_file_listing\r\n", OK + "after\r\n\r\n");
        Exchanges.assertExchange(client, "get_metadata after\r\n", OK + "2\r\n");
        Exchanges.assertExchange(client, "get_metadata before\r\n", FILE_NOT_FOUND);
    }

    @Test
    void shouldKeepServingAfterClientLeavesMidTransfer() throws IOException {
        byte[] big = randomBytes(4_000_000);
        file("big", big);
        HftpTestClient leaving = connect();
        leaving.sendRaw("get_slice big 0 4000000\r\nget_slice big 0 4000000 raw\r\n");
        assertBytes(bytes(OK), leaving.readAtMost(OK.length()));
        leaving.socket().setSoLinger(true, 0);
        leaving.close();
        HftpTestClient next = connect();
        Exchanges.assertExchange(next, "get_slice big 1 5\r\n", sliceReply(big, 1, 5));
    }

    @Test
    void shouldCloseWithoutCompletingBase64SliceOfFileThatShrinksWhileSent() throws IOException {
        // Far more than the socket buffers hold: the transfer is still running when the file shrinks.
        int size = 30 << 20;
        Path shrinking = sameByteFile("shrinking", size);
        HftpTestClient client = connect();
        client.sendRaw("get_slice shrinking 0 " + size + "\r\n");
        // The reply has begun: the file was opened and the range checked against its size then.
        assertReply(client, OK);
        truncate(shrinking);
        byte[] rest = client.readUntilClosed();
        assertTrue(rest.length < size / 3 * 4 + 2, "the reply was completed: " + rest.length + " bytes");
        assertRepeats("QUFB", rest);
    }

    @Test
    void shouldCloseWithoutCompletingRawSliceOfFileThatShrinksWhileSent() throws IOException {
        int size = 30 << 20;
        Path shrinking = sameByteFile("shrinking", size);
        HftpTestClient client = connect();
        client.sendRaw("get_slice shrinking 0 " + size + " raw\r\n");
        assertReply(client, OK + "Content-Length: " + size + "\r\n\r\n");
        truncate(shrinking);
        byte[] rest = client.readUntilClosed();
        assertTrue(rest.length < size, "the reply was completed: " + rest.length + " bytes");
        assertRepeats("A", rest);
    }

    @Test
    void shouldServeBase64SliceOfFileThatGrowsAsItWasAtTheRequest() throws IOException {
        Path growing = sameByteFile("growing", 600_000);
        HftpTestClient client = connect();
        client.sendRaw("get_slice growing 0 600000\r\n");
        assertReply(client, OK);
        Files.write(growing, bytes("B".repeat(300_000)), StandardOpenOption.APPEND);
        assertReply(client, "QUFB".repeat(200_000) + "\r\n");
        assertStillServing(client);
    }

    @Test
    void shouldServeRawSliceOfFileThatGrowsAsItWasAtTheRequest() throws IOException {
        int size = 32 << 20;
        Path growing = sameByteFile("growing", size);
        HftpTestClient client = connect();
        client.sendRaw("get_slice growing 0 " + size + " raw\r\n");
        assertReply(client, OK + "Content-Length: " + size + "\r\n\r\n");
        Files.write(growing, bytes("B".repeat(1 << 20)), StandardOpenOption.APPEND);
        ExpectedReply reply = new ExpectedReply(client);
        for (int block = 0; block < 32; block++) {
            reply.write(sameBytes(1 << 20));
        }
        assertStillServing(client);
    }

    // ---------------------------------------------------------------- helpers

    private HftpTestClient connect() throws IOException {
        HftpTestClient client = new HftpTestClient(server.port());
        clients.add(client);
        return client;
    }

    private void restartWithSmallLineLimit() throws IOException {
        server.close();
        server = new HftpServerBootstrap().directory(dir).address("127.0.0.1").port(0)
                .maxLineLength(SMALL_LIMIT).start();
    }

    /** On a new connection: {@code request} gets exactly {@code reply}, and the connection keeps serving. */
    private void assertExchange(String request, String reply) throws IOException {
        Exchanges.assertExchange(connect(), request, reply);
    }

    /** On a new connection: {@code request} gets exactly {@code reply}, then the server closes the connection. */
    private void assertLastExchange(String request, String reply) throws IOException {
        assertLastExchange(connect(), request, reply);
    }

    private static void assertLastExchange(HftpTestClient client, String request, String reply) throws IOException {
        client.sendRaw(request);
        assertBytes(bytes(reply), client.readUntilClosed(), () -> "reply to " + describe(bytes(request))
                + " up to the end of the stream");
    }

    /** {@code get_file_listing} gets exactly these names, in any order as the contract allows. */
    private static void assertListing(HftpTestClient client, Collection<String> names) throws IOException {
        String expected = OK + names.stream().sorted().map(name -> name + "\r\n").collect(Collectors.joining())
                + "\r\n";
        client.sendRaw("get_file_listing\r\n");
        String actual = new String(client.readAtMost(expected.length()), ISO_8859_1);
        assertEquals(escape(bytes(expected)), escape(bytes(sortedListing(actual))), "listing, names sorted");
        assertStillServing(client);
    }

    /** A listing reply with its names in sorted order; a reply not shaped as a listing is returned as it is. */
    private static String sortedListing(String reply) {
        if (!reply.startsWith(OK) || !reply.endsWith("\r\n\r\n")) {
            return reply;
        }
        String body = reply.substring(OK.length(), reply.length() - 2);
        if (body.isEmpty()) {
            return reply;
        }
        List<String> names = new ArrayList<>(Arrays.asList(body.substring(0, body.length() - 2).split("\r\n", -1)));
        names.sort(null);
        return OK + names.stream().map(name -> name + "\r\n").collect(Collectors.joining()) + "\r\n";
    }

    /** The files that the error tests name, beside the served files {@code abc} and {@code empty}. */
    private void errorFixtures() throws IOException {
        file("abc", "abc");
        file("empty", "");
        // The longest name there can be: a longer name must not be cut down to it.
        file("x".repeat(255), "x");
        Files.createDirectory(dir.resolve("subdir"));
        Files.write(dir.resolve("subdir").resolve("inner"), bytes("inner"));
        Files.createDirectory(dir.resolve("a"));
        Files.write(dir.resolve("a").resolve("b"), bytes("b"));
        // What ../x names, so that rejecting it is not just not finding it.
        Files.write(tmp.resolve("x"), bytes("x"));
        Files.write(outside.resolve("secret"), bytes("secret"));
        Files.createSymbolicLink(dir.resolve("outlink"), outside.resolve("secret"));
        Files.createSymbolicLink(dir.resolve("dirlink"), Path.of("subdir"));
        Files.createSymbolicLink(dir.resolve("dangling"), Path.of("nowhere"));
        Files.createSymbolicLink(dir.resolve("relout"), Path.of("..", "outside", "secret"));
        Files.createSymbolicLink(dir.resolve("hop"), Path.of("outlink"));
        Files.createSymbolicLink(dir.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(dir.resolve("ping"), Path.of("pong"));
        Files.createSymbolicLink(dir.resolve("pong"), Path.of("ping"));
    }

    /** A file of {@code size} bytes {@code A}. */
    private Path sameByteFile(String name, int size) throws IOException {
        try (OutputStream out = Files.newOutputStream(dir.resolve(name))) {
            for (int left = size; left > 0; left -= 1 << 20) {
                out.write(sameBytes(Math.min(left, 1 << 20)));
            }
        }
        return dir.resolve(name);
    }

    private static byte[] sameBytes(int size) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) 'A');
        return bytes;
    }

    private static void truncate(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
    }

    /** {@code actual} is {@code pattern} repeated, possibly cut short: what was sent was true. */
    private static void assertRepeats(String pattern, byte[] actual) {
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] != pattern.charAt(i % pattern.length())) {
                fail("byte " + i + " is not part of the file: ..." + escape(window(actual, i)) + "...");
            }
        }
    }

    private Path file(String name, String content) throws IOException {
        return file(name, bytes(content));
    }

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    /** {@code get_slice digits 0...05 3}, padded with zeros to {@code lineLength} bytes before CRLF. */
    private static String paddedSliceRequest(int lineLength) {
        String head = "get_slice digits ";
        String tail = "5 3";
        return head + "0".repeat(lineLength - head.length() - tail.length()) + tail + "\r\n";
    }

    /** {@code 0 OK}, then the base64 of {@code data[offset, offset + size)} by {@link java.util.Base64}. */
    private static String sliceReply(byte[] data, int offset, int size) {
        return OK + Base64.getEncoder().encodeToString(Arrays.copyOfRange(data, offset, offset + size)) + "\r\n";
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    /** A request as a test argument, named by its escaped text (long ones shortened). */
    private static Arguments request(String request) {
        return Arguments.of(named(request));
    }

    private static Named<String> named(String request) {
        return Named.of(describe(bytes(request)), request);
    }

    /**
     * The expected reply as a stream: each byte written must be the next byte from the server, so a reply of
     * any length is compared without holding it in memory.
     */
    private static final class ExpectedReply extends OutputStream {
        private final HftpTestClient client;
        private long position;

        ExpectedReply(HftpTestClient client) {
            this.client = client;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            byte[] expected = Arrays.copyOfRange(bytes, offset, offset + length);
            byte[] actual = client.readAtMost(length);
            int at = Arrays.mismatch(expected, actual);
            if (at >= 0) {
                fail("reply differs at byte " + (position + at) + ": " + difference(expected, actual, at));
            }
            position += length;
        }
    }
}
