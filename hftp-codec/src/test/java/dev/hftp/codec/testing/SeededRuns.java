package dev.hftp.codec.testing;

import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Runs a check over seeded random inputs: try {@code i} draws its input from {@code new SplittableRandom(base
 * + i)}, so the one number a failure prints replays that input exactly. How many tries a run makes comes from a
 * system property (the fuzz profile of the parent POM raises it); a seed given in {@code <property>.seed}
 * replays that one input alone.
 *
 * @param property the system property of the tries, e.g. {@code hftp.fuzz.decoder.tries}
 * @param defaultTries the tries when it is not set
 * @param base the seed of the first try
 */
public record SeededRuns(String property, int defaultTries, long base) {

    /** The property that replays one seed: the tries' property with {@code .seed} in place of {@code .tries}. */
    public String seedProperty() {
        return property.replaceFirst("\\.tries$", "") + ".seed";
    }

    /** How many inputs this run checks. */
    public int tries() {
        return System.getProperty(seedProperty()) != null ? 1 : Integer.getInteger(property, defaultTries);
    }

    /** Checks each input; the first failure is rethrown with the seed and how to replay it. */
    public <T> void check(Gen<T> inputs, Consumer<T> check) {
        String replay = System.getProperty(seedProperty());
        long first = replay != null ? Long.parseLong(replay) : base;
        int tries = tries();
        for (int i = 0; i < tries; i++) {
            long seed = first + i;
            T input = inputs.next(new SplittableRandom(seed));
            try {
                check.accept(input);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + " (try " + (i + 1) + " of " + tries + "; replay it alone "
                        + "with -D" + seedProperty() + "=" + seed + "): " + input + ": " + e.getMessage(), e);
            }
        }
    }
}
