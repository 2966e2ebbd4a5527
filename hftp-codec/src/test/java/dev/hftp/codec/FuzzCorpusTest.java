package dev.hftp.codec;

import dev.hftp.codec.testing.FuzzCorpusSeeds;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every seed of {@link FuzzCorpusSeeds} is in the committed corpus of the codec's fuzz targets, so each target
 * replays them in every build. Run as a program from {@code hftp-codec}, writes the missing ones:
 * {@code java -cp target/test-classes:target/classes:<test classpath> dev.hftp.codec.FuzzCorpusTest}.
 */
class FuzzCorpusTest {

    private static final Path RESOURCES = Path.of("src/test/resources");

    private static Map<Path, Map<String, byte[]>> corpora() {
        return Map.of(
                FuzzCorpusSeeds.directory(RESOURCES, HftpDecoderFuzzTest.class, "requestPath"),
                FuzzCorpusSeeds.requests(64),
                // A small limit makes most seeds over-long lines.
                FuzzCorpusSeeds.directory(RESOURCES, HftpDecoderFuzzTest.class, "overlongLine"),
                FuzzCorpusSeeds.requests(8),
                FuzzCorpusSeeds.directory(RESOURCES, HftpReplyDecoderFuzzTest.class, "replyPath"),
                FuzzCorpusSeeds.replies());
    }

    @Test
    void everySeedIsCommitted() throws IOException {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<Path, Map<String, byte[]>> corpus : corpora().entrySet()) {
            assertTrue(corpus.getValue().size() >= 20, corpus.getKey() + ": " + corpus.getValue().size() + " seeds");
            missing.addAll(FuzzCorpusSeeds.missing(corpus.getKey(), corpus.getValue()));
        }
        assertTrue(missing.isEmpty(), "seeds missing from the corpus (run this class as a program): " + missing);
    }

    public static void main(String[] args) throws IOException {
        for (Map.Entry<Path, Map<String, byte[]>> corpus : corpora().entrySet()) {
            FuzzCorpusSeeds.write(corpus.getKey(), corpus.getValue());
        }
    }
}
