package dev.hftp.codec;

import dev.hftp.codec.testing.RequestModel;
import dev.hftp.codec.testing.SeededRuns;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request decoders against {@link RequestModel} on seeded random inputs ({@link RequestInputs}), cut at
 * random points: every LF-terminated line gives exactly one request, in order, the one the model expects, at a
 * limit no line reaches and at the drawn limit; nothing for a partial last line, not even at close; no
 * exception and no leak. Tries: {@code hftp.fuzz.decoder.tries} (1,000 per test in {@code mvn verify}, a
 * million with {@code -Pfuzz}); {@code -Dhftp.fuzz.decoder.seed=N} replays the input a failure names.
 */
class HftpDecoderRandomTest {

    private static final String TRIES = "hftp.fuzz.decoder.tries";

    @Test
    void everyLineGetsItsAnswerInOrder() {
        run(new SeededRuns(TRIES, 1000, 0x5eed_0001_0000L), RequestInputs.ANY, "any lines");
    }

    /**
     * Lines and elements just around the line limit and the 256 bytes that an over-long line keeps of each
     * element: a limited decoder answers each line as the whole line would be answered.
     */
    @Test
    void overlongLinesAreAnsweredAsWholeLines() {
        run(new SeededRuns(TRIES, 1000, 0x5eed_0002_0000L), RequestInputs.OVERLONG, "around the limit");
    }

    /** A seed is all it takes to replay an input; another seed gives another input. */
    @Test
    void aSeedReplaysItsInput() {
        RequestInput first = RequestInputs.ANY.next(new SplittableRandom(42));
        RequestInput again = RequestInputs.ANY.next(new SplittableRandom(42));
        RequestInput other = RequestInputs.ANY.next(new SplittableRandom(43));
        assertArrayEquals(first.bytes(), again.bytes());
        assertEquals(first.limit(), again.limit());
        assertEquals(first.cuts(), again.cuts());
        assertFalse(java.util.Arrays.equals(first.bytes(), other.bytes()) && first.cuts().equals(other.cuts()));
    }

    /** A failing check is reported with its seed and the property that replays it. */
    @Test
    void aFailureNamesItsSeed() {
        SeededRuns runs = new SeededRuns("hftp.test.never.set.tries", 5, 1000);
        AssertionError failure = assertThrows(AssertionError.class, () -> runs.check(RequestInputs.ANY, input -> {
            if (input.limit() > 0) {
                throw new AssertionError("planted");
            }
        }));
        assertTrue(failure.getMessage().startsWith("seed 1000 (try 1 of 5; replay it alone with "
                + "-Dhftp.test.never.set.seed=1000)"), failure.getMessage());
    }

    private static void run(SeededRuns runs, dev.hftp.codec.testing.Gen<RequestInput> inputs, String what) {
        RequestDecoderCheck check = new RequestDecoderCheck();
        long started = System.nanoTime();
        runs.check(inputs, check::check);
        if (runs.tries() > 10_000) {
            // The long run says what it covered; the quick one stays quiet.
            System.out.printf("HftpDecoderRandomTest, %s: %s in %.1f s%n", what, check.figures(),
                    (System.nanoTime() - started) / 1e9);
        }
        assertEquals(runs.tries(), check.figures().get("inputs"));
    }
}
