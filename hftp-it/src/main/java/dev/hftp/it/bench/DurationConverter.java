package dev.hftp.it.bench;

import picocli.CommandLine;

import java.time.Duration;
import java.util.Locale;

/** Parses {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1.5s} or a plain number of seconds. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        double factorMillis;
        String number;
        if (v.endsWith("ms")) {
            factorMillis = 1;
            number = v.substring(0, v.length() - 2);
        } else if (v.endsWith("s")) {
            factorMillis = 1000;
            number = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            factorMillis = 60_000;
            number = v.substring(0, v.length() - 1);
        } else {
            factorMillis = 1000;
            number = v;
        }
        double millis;
        try {
            millis = Double.parseDouble(number) * factorMillis;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("not a duration: '" + value + "' (e.g. 10s, 500ms, 2m)");
        }
        if (millis < 0 || Double.isNaN(millis) || Double.isInfinite(millis)) {
            throw new CommandLine.TypeConversionException("not a duration: '" + value + "'");
        }
        return Duration.ofNanos(Math.round(millis * 1_000_000));
    }
}
