package dev.hftp.codec.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.hftp.codec.testing.FuzzFraming.ALL_AT_ONCE;

/**
 * The seeds of the committed fuzz corpora, one per contract case: every row and status of {@code shared/HFTP.md}
 * as a request and as a reply, pipelined batches, bytes one at a time, lines cut across packets, and the shape of
 * the course's 5 MiB line cut short, framed by {@link FuzzFraming}. Each module's corpus test checks that its
 * targets' seeds are committed and writes the missing ones when run as a program (README, "Fuzzing"). Inputs
 * that fuzzing finds are added to the same directories.
 */
public final class FuzzCorpusSeeds {

    private FuzzCorpusSeeds() { }

    /** Where Jazzer looks for the inputs of {@code target#method} under the test resources {@code resources}. */
    public static Path directory(Path resources, Class<?> target, String method) {
        return resources.resolve(target.getPackageName().replace('.', '/'))
                .resolve(target.getSimpleName() + "Inputs").resolve(method);
    }

    /** The files of {@code seeds} that {@code dir} lacks or holds with other bytes. */
    public static List<String> missing(Path dir, Map<String, byte[]> seeds) throws IOException {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
            Path file = dir.resolve(seed.getKey());
            if (!Files.isRegularFile(file) || !Arrays.equals(Files.readAllBytes(file), seed.getValue())) {
                missing.add(file.toString());
            }
        }
        return missing;
    }

    /** Writes {@code seeds} into {@code dir}. */
    public static void write(Path dir, Map<String, byte[]> seeds) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
            Files.write(dir.resolve(seed.getKey()), seed.getValue());
        }
    }

    private static final List<String> REQUEST_ROWS = List.of(
            "get_file_listing", "get_metadata a.txt", "get_slice a.txt 5 20", "get_slice a.txt 0 0",
            "get_slice a.txt 5 20 raw", "help", "quit");

    /** Request lines at {@code limit}: whole, and some one byte at a time. */
    public static Map<String, byte[]> requests(int limit) {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        for (String row : REQUEST_ROWS) {
            seeds.put("row-" + row.replace(' ', '-'), request(limit, ALL_AT_ONCE, row + "\r\n"));
        }
        seeds.put("100-bad-eol", request(limit, ALL_AT_ONCE, "qui\nt\n\r\n"));
        seeds.put("100-lf-only", request(limit, ALL_AT_ONCE, "get_file_listing\n"));
        seeds.put("101-empty-line", request(limit, ALL_AT_ONCE, "\r\n"));
        seeds.put("101-only-spaces", request(limit, ALL_AT_ONCE, "   \r\n"));
        seeds.put("101-non-ascii", request(limit, ALL_AT_ONCE, "get_metadata caf\u00e9\r\n"));
        seeds.put("101-non-ascii-in-a-long-line", request(limit, 16,
                "get_metadata " + "a".repeat(300) + "\u00e9" + "a".repeat(10) + "\r\n"));
        seeds.put("101-stray-cr", request(limit, ALL_AT_ONCE, "get_meta\rdata a\r\n"));
        seeds.put("200-no-such-command", request(limit, ALL_AT_ONCE, "GET_FILE_LISTING\r\n"));
        seeds.put("201-argument-count", request(limit, ALL_AT_ONCE, "get_metadata\r\n"));
        seeds.put("201-double-space", request(limit, ALL_AT_ONCE, "get_slice a.txt  0 1\r\n"));
        seeds.put("201-negative-offset", request(limit, ALL_AT_ONCE, "get_slice a.txt -1 1\r\n"));
        seeds.put("201-offset-too-large", request(limit, ALL_AT_ONCE, "get_slice a.txt 9223372036854775808 1\r\n"));
        seeds.put("201-bad-name", request(limit, ALL_AT_ONCE, "get_metadata a/b\r\n"));
        seeds.put("201-not-raw", request(limit, ALL_AT_ONCE, "get_slice a.txt 0 1 RAW\r\n"));
        seeds.put("202-name-too-long", request(limit, ALL_AT_ONCE, "get_metadata " + "n".repeat(256) + "\r\n"));
        seeds.put("zeros-before-a-number", request(limit, ALL_AT_ONCE,
                "get_slice a.txt " + "0".repeat(300) + "5 20\r\n"));
        seeds.put("pipelined-batch", request(limit, ALL_AT_ONCE,
                String.join("\r\n", REQUEST_ROWS.subList(0, 6)) + "\r\nfoo\r\nget_metadata\r\nquit\r\n"));
        seeds.put("one-byte-at-a-time", request(limit, 1, "get_slice a.txt 5 20\r\nhelp\r\n"));
        seeds.put("lines-across-packets", FuzzFraming.write(limit, List.of(5, 17, 3),
                ascii("get_metadata a.txt\r\nget_slice a.txt 0 3\r\nget_file_")));
        seeds.put("5mib-line-cut-short", request(limit, 200, "get_metadata " + "a".repeat(4000) + "\r\n"));
        seeds.put("partial-last-line", request(limit, ALL_AT_ONCE, "help\r\nget_metad"));
        return seeds;
    }

    private static byte[] request(int limit, int cut, String bytes) {
        return FuzzFraming.write(limit, List.of(cut), ascii(bytes));
    }

    /** Kinds of request, as the reply target numbers them. */
    private static final int LISTING = 0;
    private static final int METADATA = 1;
    private static final int SLICE = 2;
    private static final int RAW = 3;
    private static final int HELP = 4;
    private static final int QUIT = 5;

    /**
     * Reply inputs: the payload starts with the number of requests less one and each request's kind (0 listing,
     * 1 metadata, 2 slice, 3 raw slice, 4 help, 5 quit), then the server's bytes.
     */
    public static Map<String, byte[]> replies() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("row-listing", reply(List.of(LISTING), "0 OK\r\na.txt\r\nbin.dat\r\n\r\n"));
        seeds.put("row-empty-listing", reply(List.of(LISTING), "0 OK\r\n\r\n"));
        seeds.put("row-metadata", reply(List.of(METADATA), "0 OK\r\n42\r\n"));
        seeds.put("row-slice", reply(List.of(SLICE), "0 OK\r\nY2Fsb3IgcXVlIGhhY2UgaG95LCA=\r\n"));
        seeds.put("row-slice-empty", reply(List.of(SLICE), "0 OK\r\n\r\n"));
        seeds.put("row-raw", reply(List.of(RAW), "0 OK\r\nContent-Length: 5\r\n\r\ncalor"));
        seeds.put("row-raw-empty", reply(List.of(RAW), "0 OK\r\nContent-Length: 0\r\n\r\n"));
        seeds.put("row-help", reply(List.of(HELP),
                "0 OK\r\nget_file_listing\r\nget_metadata\r\nget_slice\r\nhelp\r\nquit\r\n\r\n"));
        seeds.put("row-quit", reply(List.of(QUIT), "0 OK\r\n"));
        String[] statuses = {"100 BAD EOL", "101 BAD REQUEST", "199 INTERNAL SERVER ERROR", "200 NO SUCH COMMAND",
            "201 INVALID ARGUMENTS FOR COMMAND", "202 FILE NOT FOUND", "203 OFFSET EXCEEDS FILE SIZE"};
        for (String status : statuses) {
            seeds.put("status-" + status.substring(0, 3), reply(List.of(SLICE), status + "\r\n"));
        }
        seeds.put("pipelined-batch", reply(List.of(LISTING, METADATA, SLICE, RAW, HELP, QUIT),
                "0 OK\r\na.txt\r\n\r\n0 OK\r\n42\r\n0 OK\r\nYWJj\r\n0 OK\r\nContent-Length: 3\r\n\r\nabc"
                        + "0 OK\r\nhelp\r\n\r\n0 OK\r\n"));
        seeds.put("an-http-server", reply(List.of(LISTING), "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        seeds.put("lf-only", reply(List.of(METADATA), "0 OK\n42\n"));
        seeds.put("base64-not-groups-of-4", reply(List.of(SLICE), "0 OK\r\nYWJ\r\n"));
        seeds.put("a-long-name", reply(List.of(LISTING), "0 OK\r\n" + "n".repeat(300) + "\r\n\r\n"));
        seeds.put("a-listing-without-end", reply(List.of(LISTING), "0 OK\r\n" + "name\r\n".repeat(200)));
        seeds.put("a-reply-too-many", reply(List.of(QUIT), "0 OK\r\n0 OK\r\n"));
        return seeds;
    }

    /** A reply input: line limit 64, bytes in chunks of 7 then 1 then all, after the requests' kinds. */
    private static byte[] reply(List<Integer> kinds, String bytes) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.write(kinds.size() - 1);
        kinds.forEach(payload::write);
        payload.writeBytes(ascii(bytes));
        return FuzzFraming.write(64, List.of(7, 1, ALL_AT_ONCE), payload.toByteArray());
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
