package dev.hftp.client.check;

import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks a server against the contract: reads its listing first (to say which files of the {@link DataSet} it
 * lacks, whose cases are skipped), then runs every selected case, each on a thread of its own and bounded in time:
 * a case that hangs fails, and the run goes on.
 */
public final class ConformanceCheck {

    /** The groups, in the order they run; {@code extensions} is the one {@code --skip-extensions} leaves out. */
    public static final List<String> GROUPS = List.of(ContractCases.LISTING, ContractCases.METADATA,
            ContractCases.SLICE, ContractCases.ERRORS, ContractCases.FRAMING, ContractCases.ROBUSTNESS,
            ContractCases.ISOLATION, ContractCases.EXTENSIONS, ContractCases.CONCURRENCY, InfoCases.GROUP);
    public static final String EXTENSIONS = ContractCases.EXTENSIONS;

    /** Extra time a case gets past its own deadline to end by itself, before it is cut. */
    private static final long GRACE_MILLIS = 2_000;

    /**
     * What to check.
     *
     * @param tls null for plaintext; {@code checksHost}: whether its certificate must name {@code host}
     * @param groups the groups to run, a subset of {@link #GROUPS}
     * @param caseTimeout how long one case may take
     * @param connectTimeout how long a connection (and its TLS handshake) may take
     */
    public record Settings(String host, int port, SSLSocketFactory tls, boolean checksHost, Set<String> groups,
                           Duration caseTimeout, Duration connectTimeout) {
        public Settings {
            groups = Set.copyOf(groups);
            for (String group : groups) {
                if (!GROUPS.contains(group)) {
                    throw new IllegalArgumentException("no group " + group + " (groups: " + String.join(", ", GROUPS)
                            + ")");
                }
            }
        }
    }

    /** The server could not be reached at all: no case was run. */
    public static final class UnreachableException extends IOException {
        UnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The outcome of one case. */
    public record Result(String group, String name, Outcome outcome) {
        public String id() {
            return group + "/" + name;
        }

        public Verdict verdict() {
            return outcome.verdict();
        }
    }

    /** Everything a check found. */
    public record Report(String target, boolean tls, List<String> missingFiles, String listingProblem,
                         List<Result> results, Duration took) {

        public long count(Verdict verdict) {
            return results.stream().filter(r -> r.verdict() == verdict).count();
        }

        public boolean passed() {
            return count(Verdict.FAIL) == 0;
        }
    }

    private ConformanceCheck() {
    }

    public static Report run(Settings settings) throws UnreachableException {
        long start = System.nanoTime();
        Target target = new Target(settings.host(), settings.port(), settings.tls(), settings.checksHost());
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, settings.caseTimeout().toMillis());
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis());
        try (Socket first = target.connect(connectMillis)) {
            first.getOutputStream().flush();
        } catch (IOException e) {
            throw new UnreachableException("cannot reach " + target + ": " + e.getMessage(), e);
        }
        Listing listing = listing(target, timeoutMillis, connectMillis);
        List<String> missing = new ArrayList<>();
        if (listing.names != null) {
            for (String file : ContractCases.listed()) {
                if (!listing.names.contains(file)) {
                    missing.add(file);
                }
            }
        }
        List<Result> results = new ArrayList<>();
        ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "hftp-check-case");
            thread.setDaemon(true);
            return thread;
        });
        try {
            for (CheckCase c : ContractCases.all()) {
                if (!settings.groups().contains(c.group())) {
                    continue;
                }
                List<String> lacking = new ArrayList<>(c.needs());
                lacking.retainAll(missing);
                Outcome outcome = lacking.isEmpty() ? run(c, target, timeoutMillis, connectMillis, threads)
                        : Outcome.skip("the server does not list " + String.join(", ", lacking.stream()
                        .map(ContractCases::abbreviate).toList()));
                results.add(new Result(c.group(), c.name(), outcome));
            }
        } finally {
            threads.shutdownNow();
        }
        return new Report(target.toString(), settings.tls() != null, missing, listing.problem, results,
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static Outcome run(CheckCase c, Target target, int timeoutMillis, int connectMillis,
                               ExecutorService threads) {
        Probe probe = new Probe(target, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis),
                Math.min(timeoutMillis, connectMillis));
        Future<Outcome> running = threads.submit(() -> c.body().run(probe));
        try {
            return running.get(timeoutMillis + GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            running.cancel(true);
            return Outcome.fail("did not finish within " + (timeoutMillis / 1000.0) + " s", new byte[0], new byte[0],
                    new byte[0]);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return Outcome.fail(cause instanceof Wire.Silence ? "no reply before the case's time was up"
                    : "the case could not go on: " + cause, new byte[0], new byte[0], new byte[0]);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.fail("interrupted", new byte[0], new byte[0], new byte[0]);
        } finally {
            probe.close();
        }
    }

    /** The server's listing, read to see which files of the data set it serves; null names if it cannot tell. */
    private record Listing(Set<String> names, String problem) { }

    private static Listing listing(Target target, int timeoutMillis, int connectMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try (Wire wire = new Wire(target.connect(connectMillis), deadline)) {
            wire.send("get_file_listing\r\n");
            String status = new String(wire.readLine(), StandardCharsets.ISO_8859_1);
            if (!status.equals(ContractCases.OK)) {
                return new Listing(null, "get_file_listing answered " + Escaped.of(wire.received()));
            }
            Set<String> names = new LinkedHashSet<>();
            while (true) {
                String line = new String(wire.readLine(), StandardCharsets.ISO_8859_1);
                if (line.equals("\r\n")) {
                    return new Listing(names, null);
                }
                if (!line.endsWith("\r\n")) {
                    return new Listing(null, "the listing did not end with an empty line");
                }
                names.add(line.substring(0, line.length() - 2));
            }
        } catch (IOException e) {
            return new Listing(null, "get_file_listing failed: " + e.getMessage());
        }
    }

    /** The groups that {@code only} (empty: all) and {@code skipExtensions} select, in run order. */
    public static Set<String> groups(List<String> only, boolean skipExtensions) {
        Set<String> selected = new LinkedHashSet<>(only.isEmpty() ? GROUPS : only);
        if (skipExtensions) {
            selected.remove(EXTENSIONS);
        }
        Set<String> unknown = new HashSet<>(selected);
        unknown.removeAll(GROUPS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no group " + String.join(", ", unknown) + " (groups: "
                    + String.join(", ", GROUPS) + ")");
        }
        return selected;
    }
}
