package dev.hftp.server;

import dev.hftp.codec.testing.FuzzCorpusSeeds;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every request seed of {@link FuzzCorpusSeeds} is in the committed corpus of {@link HftpServerFuzzTest}. Run as
 * a program from {@code hftp-server}, writes the missing ones.
 */
class ServerFuzzCorpusTest {

    private static final Path DIR = FuzzCorpusSeeds.directory(Path.of("src/test/resources"), HftpServerFuzzTest.class,
            "requestsGetTheirReplies");

    @Test
    void everySeedIsCommitted() throws IOException {
        List<String> missing = FuzzCorpusSeeds.missing(DIR, FuzzCorpusSeeds.requests(64));
        assertTrue(missing.isEmpty(), "seeds missing from the corpus (run this class as a program): " + missing);
    }

    public static void main(String[] args) throws IOException {
        FuzzCorpusSeeds.write(DIR, FuzzCorpusSeeds.requests(64));
    }
}
