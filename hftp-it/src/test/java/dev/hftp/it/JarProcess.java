package dev.hftp.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/** A started jar (the server's or the client's), with its stdout and stderr collected line by line. */
final class JarProcess {

    /** The line a server logs once it listens (on stderr, after the date and level): directory, address, port. */
    static final Pattern SERVING = Pattern.compile(" - Serving (.+) on ([0-9.]+):(\\d+)( over TLS)?$");

    final Process process;
    private final Collector out;
    private final Collector err;

    JarProcess(Process process) {
        this.process = process;
        try {
            // The server reads nothing from stdin.
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // Nothing was written to it.
        }
        this.out = new Collector(process.getInputStream(), "stdout");
        this.err = new Collector(process.getErrorStream(), "stderr");
    }

    /** Waits for the {@code Serving DIR on ADDR:PORT} line; fails if the process exits first. */
    Matcher awaitServing() throws InterruptedException {
        Matcher matcher = awaitServingOrExit();
        if (matcher == null) {
            fail("the server exited before it listened:\n" + output());
        }
        return matcher;
    }

    /** The {@code Serving} line, or null if the process ended without printing it. */
    Matcher awaitServingOrExit() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (String line : err.lines()) {
                Matcher matcher = SERVING.matcher(line);
                if (matcher.find()) {
                    return matcher;
                }
            }
            if (!process.isAlive() && err.done()) {
                return null;
            }
            Thread.sleep(20);
        }
        fail("no Serving line within 30 s:\n" + output());
        return null;
    }

    /** Waits (30 s at most) for a log line (stderr) containing {@code pattern}; returns its first group as a number. */
    int awaitLine(Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (String line : err.lines()) {
                Matcher matcher = pattern.matcher(line);
                if (matcher.find()) {
                    return Integer.parseInt(matcher.group(1));
                }
            }
            if (!process.isAlive() && err.done()) {
                break;
            }
            Thread.sleep(20);
        }
        fail("no line matching " + pattern + ":\n" + output());
        return -1;
    }

    /** Waits (10 s at most) for the process to exit, and for all its output; returns the exit code. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            fail("the process did not exit within 10 s:\n" + output());
        }
        out.join();
        err.join();
        return process.exitValue();
    }

    String stdout() {
        return out.text();
    }

    String stderr() {
        return err.text();
    }

    List<String> stdoutLines() {
        return out.lines();
    }

    List<String> stderrLines() {
        return err.lines();
    }

    String output() {
        return "--- stdout ---\n" + stdout() + "--- stderr ---\n" + stderr();
    }

    /** SIGTERM, then SIGKILL if it is still there after 10 s; bounded waits. */
    void destroy() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        out.join();
        err.join();
    }

    /** Reads a stream of the process on a thread of its own, so that the process never blocks on a pipe. */
    private static final class Collector {
        private final List<String> lines = new ArrayList<>();
        private final Thread thread;

        Collector(InputStream stream, String name) {
            thread = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        synchronized (lines) {
                            lines.add(line);
                        }
                    }
                } catch (IOException e) {
                    // The process is gone; what was read is kept.
                }
            }, "jar-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        String text() {
            StringBuilder text = new StringBuilder();
            for (String line : lines()) {
                text.append(line).append('\n');
            }
            return text.toString();
        }

        boolean done() {
            return !thread.isAlive();
        }

        void join() throws InterruptedException {
            thread.join(10_000);
        }
    }
}
