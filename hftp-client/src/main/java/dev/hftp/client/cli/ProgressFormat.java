package dev.hftp.client.cli;

import java.util.Locale;

/** The text of progress reports: sizes in binary units, rates, times. Pure functions, for the tests. */
final class ProgressFormat {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final int BAR_WIDTH = 30;

    private ProgressFormat() {
    }

    /** {@code 512 B}, {@code 12.3 MiB}: one decimal past bytes, as a reader compares them at a glance. */
    static String bytes(long count) {
        if (count < 1024) {
            return count + " B";
        }
        double value = count;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /** {@code 45.6 MiB/s}. */
    static String rate(double bytesPerSecond) {
        return bytes(Math.round(bytesPerSecond)) + "/s";
    }

    /** {@code 12} for 12% done; an empty file is 100% done. */
    static int percent(long done, long total) {
        return total == 0 ? 100 : (int) (done * 100 / total);
    }

    /** {@code 1:05} or {@code 2:03:07}; {@code --:--} when unknown (nothing moved yet). */
    static String eta(long remaining, double bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            return "--:--";
        }
        long seconds = (long) Math.ceil(remaining / bytesPerSecond);
        long hours = seconds / 3600;
        return hours > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", hours, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    /** For logs and pipes: {@code get NAME: 12.3 MiB of 100.0 MiB (12%) at 45.6 MiB/s}. */
    static String line(String name, long done, long total, double bytesPerSecond) {
        return "get " + name + ": " + bytes(done) + " of " + bytes(total) + " (" + percent(done, total) + "%) at "
                + rate(bytesPerSecond);
    }

    /** For a terminal: {@code NAME [#####.....]  12% 12.3 MiB/100.0 MiB 45.6 MiB/s ETA 0:02}. */
    static String bar(String name, long done, long total, double bytesPerSecond) {
        int filled = percent(done, total) * BAR_WIDTH / 100;
        return String.format(Locale.ROOT, "%s [%s%s] %3d%% %s/%s %s ETA %s", name, "#".repeat(filled),
                ".".repeat(BAR_WIDTH - filled), percent(done, total), bytes(done), bytes(total),
                rate(bytesPerSecond), eta(total - done, bytesPerSecond));
    }

    /** The last line: {@code get NAME: 1.0 GiB (1073741824 bytes) in 3.2 s at 320.0 MiB/s}, and what was resumed. */
    static String summary(String name, long total, long resumed, double seconds) {
        double rate = seconds > 0 ? (total - resumed) / seconds : 0;
        String line = String.format(Locale.ROOT, "get %s: %s (%d bytes) in %.1f s at %s", name, bytes(total), total,
                seconds, rate(rate));
        return resumed > 0 ? line + ", " + resumed + " bytes resumed from part files" : line;
    }
}
