package dev.hftp.it;

import dev.hftp.client.cli.HftpCli;

/**
 * Runs the {@code hftp} command line in a JVM of its own and, as the JVM exits, names the client's threads still
 * running: the JVM's exit waits up to 300 ms for threads blocked in a native call, as idle event loops are.
 */
public final class ExitThreadsProbe {

    /** What the exit hook prints, to stderr, for each client thread still running a second after the exit began. */
    static final String STILL_RUNNING = "still running at exit: ";

    private ExitThreadsProbe() {
    }

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(ExitThreadsProbe::reportClientThreads, "exit-threads-probe"));
        HftpCli.main(args);
    }

    private static void reportClientThreads() {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (!thread.getName().startsWith("hftp-client")) {
                continue;
            }
            try {
                // A thread told to stop may still be on its way out: give it time, a second, to end.
                thread.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (thread.isAlive()) {
                System.err.println(STILL_RUNNING + thread.getName());
            }
        }
    }
}
