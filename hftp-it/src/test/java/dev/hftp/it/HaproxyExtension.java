package dev.hftp.it;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.hftp.it.AbuseSupport.await;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * HAProxy (Debian's {@code haproxy}) as a child process of one test: {@link #start} runs it with a configuration
 * the test writes, and the extension stops it after the test, whatever the outcome (and at the JVM's exit, should
 * that come first). It logs each connection on one line, which {@link Haproxy#routes} reads back: which backend
 * server took which client port.
 *
 * <pre>{@code
 * @RegisterExtension
 * final HaproxyExtension haproxy = new HaproxyExtension();
 * ...
 * HaproxyExtension.Haproxy proxy = haproxy.start(work, port -> "frontend f\n    bind 127.0.0.1:" + port + ...);
 * }</pre>
 */
final class HaproxyExtension implements AfterEachCallback {

    /** What a configuration's {@code defaults} section logs per connection: {@link Haproxy#routes} parses it. */
    static final String LOG_FORMAT =
            "hftp-conn client_port=%cp server=%s retries=%rc bytes=%B term=%ts connect_ms=%Tc";
    private static final Pattern CONNECTION_LOG = Pattern.compile(
            "hftp-conn client_port=(\\d+) server=(\\S+) retries=(\\S+) bytes=(\\d+) term=(\\S+) connect_ms=(-?\\d+)");

    private final List<Haproxy> started = new ArrayList<>();

    /** One connection as HAProxy logged it: the server that served it, HAProxy's retries, bytes sent back. */
    record Routed(int clientPort, String server, String retries, long bytes, String termination,
                  long connectMillis) {
    }

    /**
     * Starts HAProxy with the configuration {@code config} gives for a free frontend port, and returns once it
     * listens there (a port taken meanwhile is tried again, three times). Its output goes to
     * {@code work/haproxy.log}.
     */
    Haproxy start(Path work, IntFunction<String> config) throws Exception {
        Path binary = binary();
        Files.createDirectories(work);
        Files.deleteIfExists(work.resolve("haproxy.log"));
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            Path cfg = work.resolve("haproxy.cfg");
            Files.writeString(cfg, config.apply(port));
            Haproxy haproxy = new Haproxy(new ProcessBuilder(binary.toString(), "-f", cfg.toString(), "-db").start(),
                    port, work.resolve("haproxy.log"));
            started.add(haproxy);
            if (haproxy.awaitListening(Duration.ofSeconds(10))) {
                AbuseSupport.say("[haproxy] " + binary + " listening on 127.0.0.1:" + port + "; its output: "
                        + work.resolve("haproxy.log"));
                return haproxy;
            }
            haproxy.stop();
            if (!haproxy.output().contains("cannot bind") || attempt == 3) {
                fail("haproxy did not start listening on 127.0.0.1:" + port + "; its output: " + haproxy.output());
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (Haproxy haproxy : started) {
            haproxy.stop();
        }
        started.clear();
    }

    /** A port free on 127.0.0.1 now (for a second frontend of the same configuration, say). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    /** HAProxy from PATH, or /usr/sbin (where Debian puts it, not on a user's PATH), or -Dhftp.haproxy. */
    private static Path binary() {
        String configured = System.getProperty("hftp.haproxy", "");
        List<Path> candidates = new ArrayList<>();
        if (!configured.isEmpty()) {
            candidates.add(Path.of(configured));
        } else {
            for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    candidates.add(Path.of(entry, "haproxy"));
                }
            }
            candidates.add(Path.of("/usr/sbin/haproxy"));
            candidates.add(Path.of("/usr/local/sbin/haproxy"));
        }
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("haproxy not found (" + (configured.isEmpty() ? "PATH, /usr/sbin, /usr/local/sbin"
                : configured) + "). Install Debian's package: sudo apt-get install -y haproxy, or run "
                + "mvn -B verify -P haproxy, which does it (hftp-it/src/test/haproxy/install-haproxy.sh)");
    }

    /** One running HAProxy. */
    static final class Haproxy {

        private final Process process;
        private final int port;
        private final Path log;
        private final Thread killer;
        /** Every line HAProxy printed, in order. */
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        /** HAProxy's log line of each connection, in the order the connections ended. */
        private final List<Routed> routed = Collections.synchronizedList(new ArrayList<>());
        /** When HAProxy reported each {@code backend/server} down ({@link System#nanoTime()}). */
        private final Map<String, Long> down = new ConcurrentHashMap<>();
        private int attributed;

        private Haproxy(Process process, int port, Path log) {
            this.process = process;
            this.port = port;
            this.log = log;
            // Should the test JVM be stopped before the test ends, HAProxy must not outlive it.
            this.killer = new Thread(process::destroyForcibly, "haproxy-killer");
            Runtime.getRuntime().addShutdownHook(killer);
            pump(process.getInputStream(), "stdout");
            pump(process.getErrorStream(), "stderr");
        }

        /** The frontend port the configuration was given. */
        int port() {
            return port;
        }

        /** When HAProxy reported {@code backendServer} ({@code instances/a}) down, by {@link System#nanoTime()}; 0 before. */
        long downNanos(String backendServer) {
            return down.getOrDefault(backendServer, 0L);
        }

        /** HAProxy's output so far, one line after another. */
        String output() {
            synchronized (lines) {
                return String.join(" | ", lines);
            }
        }

        /**
         * HAProxy's log line of each of {@code ports}' connections (waiting for them: HAProxy logs a connection
         * when it ends), each line taken once, in order.
         */
        Map<Integer, Routed> routes(List<Integer> ports) throws InterruptedException {
            Map<Integer, Routed> routes = new HashMap<>();
            try {
                await(() -> {
                    synchronized (routed) {
                        routes.clear();
                        for (int i = attributed; i < routed.size(); i++) {
                            routes.putIfAbsent(routed.get(i).clientPort(), routed.get(i));
                        }
                        return routes.keySet().containsAll(ports);
                    }
                }, Duration.ofSeconds(10), "HAProxy's log of " + ports.size() + " connections");
            } catch (AssertionError e) {
                List<Integer> missing = new ArrayList<>(ports);
                missing.removeAll(routes.keySet());
                throw new AssertionError(e.getMessage() + "; missing the connections from client ports " + missing
                        + " (HAProxy's output: " + log + ")", e);
            }
            synchronized (routed) {
                attributed = routed.size();
            }
            routes.keySet().retainAll(ports);
            return routes;
        }

        private boolean awaitListening(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (process.isAlive() && !listening() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return process.isAlive() && listening();
        }

        private boolean listening() {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        /** Copies a stream of HAProxy's to its log (and all but the per-connection lines to the test's output). */
        private void pump(InputStream stream, String name) {
            Thread thread = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream,
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        read(line, name);
                    }
                } catch (IOException e) {
                    // HAProxy ended.
                }
            }, "haproxy-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        private void read(String line, String stream) throws IOException {
            lines.add(line);
            int isDown = line.indexOf(" is DOWN");
            if (isDown > 0) {
                String server = line.substring(line.lastIndexOf(' ', isDown - 1) + 1, isDown);
                down.putIfAbsent(server, System.nanoTime());
            }
            Files.writeString(log, stream + ": " + line + System.lineSeparator(), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            Matcher matcher = CONNECTION_LOG.matcher(line);
            if (matcher.find()) {
                routed.add(new Routed(Integer.parseInt(matcher.group(1)), matcher.group(2), matcher.group(3),
                        Long.parseLong(matcher.group(4)), matcher.group(5), Long.parseLong(matcher.group(6))));
            } else {
                AbuseSupport.say("[haproxy " + stream + "] " + line);
            }
        }

        private void stop() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy(); // SIGTERM: HAProxy stops at once
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException e) {
                // The JVM is exiting: the hook runs anyway.
            }
        }
    }
}
