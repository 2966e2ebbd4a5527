package dev.hftp.codec;

import dev.hftp.codec.testing.RequestModel;
import dev.hftp.codec.testing.FuzzFraming;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.List;

/**
 * Coverage-guided fuzz targets (Jazzer) of the request path, {@link HftpLineDecoder} then
 * {@link HftpCommandDecoder}, fed bytes cut at fuzzed points ({@link FuzzFraming}).
 *
 * <p>In {@code mvn verify} each target replays its committed corpus, {@code
 * src/test/resources/dev/hftp/codec/HftpDecoderFuzzTestInputs/<method>/}; {@code -Pfuzz} fuzzes each for a bounded
 * time (docs/RELIABILITY.md).
 */
class HftpDecoderFuzzTest {

    /** Kept across inputs only to alternate the allocators; the figures are not read. */
    private final RequestDecoderCheck check = new RequestDecoderCheck();

    /**
     * Every LF-terminated line gives exactly the request the model ({@link RequestModel}) predicts, at a limit
     * no line reaches and at the fuzzed limit, in order; nothing for a partial last line; no exception, no leak.
     */
    @FuzzTest
    void requestPath(byte[] data) {
        FuzzFraming input = FuzzFraming.read(data);
        check.check(new RequestInput(input.payload(), input.limit(), input.cuts()));
    }

    /**
     * The over-long line rule, differentially: whatever the limit, each line is answered as the same line under a
     * limit it does not reach (a name over 255 bytes counts as 202 either way). Unlike {@link #requestPath}, no
     * model: the unlimited decoder is the oracle, so a mistake of the model cannot hide one of the rule.
     */
    @FuzzTest
    void overlongLine(byte[] data) {
        FuzzFraming input = FuzzFraming.read(data);
        List<HftpRequest> whole = check.decode(input.payload(), RequestDecoderCheck.HUGE, input.cuts());
        List<HftpRequest> limited = check.decode(input.payload(), input.limit(), input.cuts());
        if (whole.size() != limited.size()) {
            throw new AssertionError(whole.size() + " request(s) from the unlimited decoder, " + limited.size()
                    + " from the one limited to " + input.limit());
        }
        for (int i = 0; i < whole.size(); i++) {
            String expected = RequestModel.answer(whole.get(i));
            String actual = RequestModel.answer(limited.get(i));
            if (!expected.equals(actual)) {
                throw new AssertionError("request " + i + ": the unlimited decoder answers " + expected
                        + ", the one limited to " + input.limit() + " " + actual);
            }
        }
    }
}
