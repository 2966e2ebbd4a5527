package dev.hftp.it.bench;

/** The measurement window and the end of the run, shared by every connection; set by the main thread. */
final class RunClock {

    private volatile long startNanos = Long.MAX_VALUE;
    private volatile long endNanos = Long.MAX_VALUE;
    /** No new request is sent once set. */
    volatile boolean stopSending;
    /** Set before the load generator closes its connections: closes after it are not the server's doing. */
    volatile boolean closing;

    void window(long startNanos, long endNanos) {
        this.endNanos = endNanos;
        this.startNanos = startNanos;
    }

    boolean inWindow(long nanos) {
        return nanos - startNanos >= 0 && nanos - endNanos < 0;
    }
}
