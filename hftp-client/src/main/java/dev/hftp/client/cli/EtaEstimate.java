package dev.hftp.client.cli;

import java.util.concurrent.TimeUnit;

/**
 * The speed an ETA is computed from, steadier than the rate shown beside it. The first seconds of a download
 * are slow (connections opened, a cold JVM): an ETA from them says half an hour for a ten-second download and
 * then jumps. So nothing is estimated for {@link #WARM_UP_NANOS}; the estimate then starts from the last
 * second's speed and follows later changes smoothly (an exponential average over about five seconds).
 * Fed from one thread; pure arithmetic on the times and counts it is given.
 */
final class EtaEstimate {

    static final long WARM_UP_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final double TIME_CONSTANT_SECONDS = 5;
    private static final long SEED_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final long startNanos;
    private long lastNanos;
    private long lastBytes;
    /** (nanos, bytes) a second or so back, to seed the average; then unused. */
    private long seedNanos;
    private long seedBytes;
    private double bytesPerSecond = -1;

    EtaEstimate(long startNanos) {
        this.startNanos = startNanos;
        this.lastNanos = startNanos;
        this.seedNanos = startNanos;
    }

    /** Takes a sample: {@code bytes} fetched in all at {@code nanos}. */
    void update(long nanos, long bytes) {
        if (nanos <= lastNanos) {
            return;
        }
        if (bytesPerSecond < 0) {
            if (nanos - startNanos >= WARM_UP_NANOS && nanos > seedNanos) {
                bytesPerSecond = (bytes - seedBytes) * 1e9 / (nanos - seedNanos);
            } else if (nanos - seedNanos > SEED_NANOS) {
                // Moves the seed along, so that it stays about a second behind.
                seedNanos = lastNanos;
                seedBytes = lastBytes;
            }
        } else {
            double seconds = (nanos - lastNanos) / 1e9;
            double instant = (bytes - lastBytes) / seconds;
            double weight = seconds / (TIME_CONSTANT_SECONDS + seconds);
            bytesPerSecond += (instant - bytesPerSecond) * weight;
        }
        lastNanos = nanos;
        lastBytes = bytes;
    }

    /** The speed to divide the remaining bytes by, or 0 while unknown (the ETA then shows {@code --:--}). */
    double bytesPerSecond() {
        return Math.max(0, bytesPerSecond);
    }
}
