package dev.hftp.it.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used so far, in nanoseconds, by this process or by another one ({@code /proc/PID/stat}: user and
 * system time in clock ticks, 100 a second on Linux): what a load run costs each side, so that a row limited by
 * the load generator can be told from one limited by the server.
 */
final class CpuTime {

    /** {@code sysconf(_SC_CLK_TCK)}: 100 on every Linux since 2.6. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private CpuTime() { }

    /** This process's CPU time, or -1 if the JVM cannot tell. */
    static long self() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The CPU time of process {@code pid}, or -1 if it cannot be read. */
    static long of(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces: count fields from the parenthesis that ends it.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // Fields 14 and 15 of the line (utime, stime) are the 12th and 13th after the name.
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
