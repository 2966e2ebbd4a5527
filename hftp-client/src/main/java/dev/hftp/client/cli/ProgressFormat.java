package dev.hftp.client.cli;

import java.util.Locale;

/** The text of progress reports: sizes in binary units, rates, times. Pure functions, for the tests. */
final class ProgressFormat {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    private static final int BAR_WIDTH = 30;
    private static final int MIN_BAR_WIDTH = 10;
    /** The shortest a name is cut to before the bar itself goes. */
    private static final int MIN_NAME = 8;
    /** The terminal's width when nothing says it (the launcher passes COLUMNS). */
    static final int DEFAULT_COLUMNS = 80;

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

    /** For a terminal of 80 columns: {@code NAME [#####.....]  12% 12.3 MiB/100.0 MiB 45.6 MiB/s ETA 0:02}. */
    static String bar(String name, long done, long total, double bytesPerSecond) {
        return bar(name, done, total, bytesPerSecond, bytesPerSecond, DEFAULT_COLUMNS);
    }

    /**
     * The bar for a terminal {@code columns} wide, one column short of it (a line as wide as the terminal wraps on
     * some terminals): the bar narrows, then the name is cut, then the bar goes, then the rate and ETA. The ETA is
     * computed from {@code etaBytesPerSecond}, a steadier speed than the one shown (see {@link EtaEstimate}).
     */
    static String bar(String name, long done, long total, double bytesPerSecond, double etaBytesPerSecond,
                      int columns) {
        int width = Math.max(1, columns - 1);
        int percent = percent(done, total);
        String sizes = String.format(Locale.ROOT, " %3d%% %s/%s", percent, bytes(done), bytes(total));
        String speed = " " + rate(bytesPerSecond) + " ETA " + eta(total - done, etaBytesPerSecond);
        for (int bar = BAR_WIDTH; bar >= MIN_BAR_WIDTH; bar--) {
            String line = name + " " + bar(percent, bar) + sizes + speed;
            if (line.length() <= width) {
                return line;
            }
        }
        String barred = " " + bar(percent, MIN_BAR_WIDTH) + sizes + speed;
        if (width - barred.length() >= MIN_NAME) {
            return cut(name, width - barred.length()) + barred;
        }
        for (String rest : new String[] {sizes + speed, sizes}) {
            if (width - rest.length() >= MIN_NAME) {
                return cut(name, width - rest.length()) + rest;
            }
        }
        return cut(String.format(Locale.ROOT, "%3d%%", percent).trim() + " " + name, width);
    }

    private static String bar(int percent, int width) {
        int filled = percent * width / 100;
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /** {@code text}, or its start and {@code ~} when longer than {@code max}. */
    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, Math.max(0, max - 1)) + "~";
    }

    /** The width of the terminal, from {@code COLUMNS} (the launcher sets it), else {@value #DEFAULT_COLUMNS}. */
    static int columns(String columnsVariable) {
        try {
            int columns = Integer.parseInt(columnsVariable == null ? "" : columnsVariable.trim());
            return columns >= 20 ? columns : DEFAULT_COLUMNS;
        } catch (NumberFormatException e) {
            return DEFAULT_COLUMNS;
        }
    }

    /**
     * The last line: {@code get NAME: 1.0 GiB (1073741824 bytes) in 3.2 s at 320.0 MiB/s}, and what an earlier run
     * had fetched.
     */
    static String summary(String name, long total, long resumed, double seconds) {
        double rate = seconds > 0 ? (total - resumed) / seconds : 0;
        String line = String.format(Locale.ROOT, "get %s: %s (%d bytes) in %.1f s at %s", name, bytes(total), total,
                seconds, rate(rate));
        return resumed > 0 ? line + ", " + resumed + " bytes were already there" : line;
    }
}
