package dev.hftp.server.logging;

import java.time.Duration;
import java.util.Locale;

/** Counts and durations as people write them in a log line: {@code 1 connection}, {@code 2 connections}, {@code 10 s}. */
public final class Wording {

    private Wording() {
    }

    /** {@code count} and the noun, singular for one: {@code count(1, "connection")} is {@code 1 connection}. */
    public static String count(long count, String noun) {
        return count + " " + (count == 1 ? noun : noun + "s");
    }

    /** {@code 10 s}, {@code 1.5 s}, {@code 300 ms}, {@code 5 min}. */
    public static String duration(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1_000) {
            return millis + " ms";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + " min";
        }
        return millis % 1_000 == 0 ? millis / 1_000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
