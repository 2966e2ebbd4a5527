package dev.hftp.client.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EtaEstimateTest {

    private static final long TICK_NANOS = 200_000_000L;
    private static final double MB = 1e6;

    /**
     * A download whose first second crawls (connections, a cold JVM) and then runs at 100 MB/s, as the progress
     * printer samples it. The issue saw ETAs of 30:01 then 4:10: the first ETA came from the crawl.
     */
    @Test
    void aSlowStartGivesNoWildFirstEta() {
        double[] speeds = new double[100];
        for (int i = 0; i < speeds.length; i++) {
            speeds[i] = i < 5 ? 1 * MB : 100 * MB;
        }
        List<Double> etas = etas(speeds, 1e9);
        for (int i = 0; i < 9; i++) {
            assertEquals(0, etas.get(i), "no ETA in the first two seconds, tick " + i);
        }
        for (int i = 9; i < etas.size(); i++) {
            double truth = remainingSeconds(speeds, 1e9, i);
            if (truth > 0) {
                assertEquals(truth, etas.get(i), truth * 0.05 + 0.2, "ETA at tick " + i);
            }
        }
    }

    /** A speed that wobbles from tick to tick (80 and 120 MB/s): the ETA still only counts down, a second at most off. */
    @Test
    void aWobblingSpeedGivesACountdown() {
        double[] speeds = new double[150];
        for (int i = 0; i < speeds.length; i++) {
            speeds[i] = i % 2 == 0 ? 80 * MB : 120 * MB;
        }
        List<Double> etas = etas(speeds, 2.5e9);
        double previous = Double.MAX_VALUE;
        for (int i = 15; i < etas.size() && remainingSeconds(speeds, 2.5e9, i) > 1; i++) {
            double eta = etas.get(i);
            assertTrue(eta <= previous + 0.05, "the ETA went up at tick " + i + ": " + previous + " -> " + eta);
            assertEquals(remainingSeconds(speeds, 2.5e9, i), eta, 1.0, "ETA at tick " + i);
            previous = eta;
        }
    }

    @Test
    void nothingMovedMeansNoEstimate() {
        EtaEstimate estimate = new EtaEstimate(0);
        for (int i = 1; i < 30; i++) {
            estimate.update(i * TICK_NANOS, 0);
        }
        assertEquals(0, estimate.bytesPerSecond());
        assertEquals("--:--", ProgressFormat.eta(100, estimate.bytesPerSecond()));
    }

    /** The ETA in seconds after each tick (0 while unknown), as the bar computes it. */
    private static List<Double> etas(double[] speeds, double total) {
        EtaEstimate estimate = new EtaEstimate(0);
        List<Double> etas = new ArrayList<>();
        double bytes = 0;
        for (int i = 0; i < speeds.length; i++) {
            bytes = Math.min(total, bytes + speeds[i] * TICK_NANOS / 1e9);
            estimate.update((i + 1) * TICK_NANOS, (long) bytes);
            double rate = estimate.bytesPerSecond();
            etas.add(rate > 0 ? (total - bytes) / rate : 0);
        }
        return etas;
    }

    /** How long the rest really takes after tick {@code tick}. */
    private static double remainingSeconds(double[] speeds, double total, int tick) {
        double bytes = 0;
        for (int i = 0; i <= tick; i++) {
            bytes = Math.min(total, bytes + speeds[i] * TICK_NANOS / 1e9);
        }
        double seconds = 0;
        for (int i = tick + 1; i < speeds.length && bytes < total; i++) {
            double step = Math.min(total - bytes, speeds[i] * TICK_NANOS / 1e9);
            seconds += step / speeds[i];
            bytes += step;
        }
        return seconds;
    }
}
