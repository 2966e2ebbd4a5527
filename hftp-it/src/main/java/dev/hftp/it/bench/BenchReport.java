package dev.hftp.it.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the JSON lines of {@link HftpLoad} runs (one object per line, each with a {@code label}) into a
 * markdown table of medians per label, and ratios between labels.
 *
 * <pre>
 * BenchReport RESULTS.jsonl OUT.md [A/B ...] [--header TEXT]
 * </pre>
 */
public final class BenchReport {

    private static final Pattern FIELD =
            Pattern.compile("\"(\\w+)\":(\"((?:[^\"\\\\]|\\\\.)*)\"|-?[0-9][0-9.eE+-]*)");

    private BenchReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: BenchReport RESULTS.jsonl OUT.md [A/B ...] [--header TEXT]");
            System.exit(2);
        }
        List<String> ratios = new ArrayList<>();
        String header = null;
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--header") && i + 1 < args.length) {
                header = args[++i];
            } else {
                ratios.add(args[i]);
            }
        }
        Map<String, List<Map<String, String>>> runs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
            if (!line.startsWith("{")) {
                continue;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            Matcher m = FIELD.matcher(line);
            while (m.find()) {
                fields.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(2));
            }
            runs.computeIfAbsent(fields.getOrDefault("label", "?"), k -> new ArrayList<>()).add(fields);
        }
        String table = render(runs, ratios, header);
        System.out.print(table);
        Path out = Path.of(args[1]);
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, table, StandardCharsets.UTF_8);
    }

    static String render(Map<String, List<Map<String, String>>> runs, List<String> ratios, String header) {
        StringBuilder sb = new StringBuilder();
        if (header != null) {
            sb.append(header).append("\n\n");
        }
        sb.append("Medians of the runs of each row (runs interleaved).\n\n");
        sb.append("| run | mode | conns x pipeline | runs | req/s | MB/s | p50 µs | p99 µs | p99.9 µs "
                + "| load tool CPU (cores) | server CPU (cores) | server CPU µs/req | errors (all runs) | notes |\n");
        sb.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Map.Entry<String, List<Map<String, String>>> e : runs.entrySet()) {
            List<Map<String, String>> r = e.getValue();
            Map<String, String> first = r.get(0);
            long errors = (long) sum(r, "errors");
            StringBuilder notes = new StringBuilder();
            if (first.containsKey("sent")) {
                notes.append(String.format(Locale.ROOT,
                        "answered %.0f of %.0f sent (median), unanswered %.0f (all runs); ",
                        median(r, "answered"), median(r, "sent"), sum(r, "unanswered")));
                notes.append(String.format(Locale.ROOT, "connected %.0f/%.0f; ", median(r, "connected"),
                        median(r, "connections")));
            }
            if (first.containsKey("sent") && first.containsKey("serverRssKb")) {
                notes.append(String.format(Locale.ROOT, "server RSS %.0f MiB (before: %.0f MiB)",
                        median(r, "serverRssKb") / 1024, median(r, "serverRssBeforeKb") / 1024));
            }
            sb.append(String.format(Locale.ROOT,
                    "| %s | %s | %s x %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |%n",
                    e.getKey(), first.getOrDefault("mode", ""),
                    first.getOrDefault("connections", "?"), first.getOrDefault("pipeline", "?"), r.size(),
                    num(median(r, "requestsPerSec")), num(median(r, "mbPerSec")), num(median(r, "p50Us")),
                    num(median(r, "p99Us")), num(median(r, "p999Us")), cpu(r, "loadCpuCores"),
                    cpu(r, "serverCpuCores"), cpu(r, "serverCpuUsPerRequest"), errors, notes.toString().trim()));
        }
        // Only the ratios whose two rows were run.
        List<String[]> present = ratios.stream().map(r -> r.split("/", 2))
                .filter(ab -> ab.length == 2 && runs.containsKey(ab[0]) && runs.containsKey(ab[1])).toList();
        if (!present.isEmpty()) {
            sb.append("\n| ratio (medians) | req/s | MB/s | p50 latency | p99 latency |\n|---|---:|---:|---:|---:|\n");
            for (String[] ab : present) {
                List<Map<String, String>> a = runs.get(ab[0]);
                List<Map<String, String>> b = runs.get(ab[1]);
                sb.append(String.format(Locale.ROOT, "| %s / %s | %s | %s | %s | %s |%n", ab[0], ab[1],
                        ratio(a, b, "requestsPerSec"), ratio(a, b, "mbPerSec"), ratio(a, b, "p50Us"),
                        ratio(a, b, "p99Us")));
            }
        }
        return sb.toString();
    }

    private static String ratio(List<Map<String, String>> a, List<Map<String, String>> b, String key) {
        double denominator = median(b, key);
        return denominator == 0 ? "-" : String.format(Locale.ROOT, "%.2f", median(a, key) / denominator);
    }

    static double median(List<Map<String, String>> runs, String key) {
        double[] v = runs.stream().map(m -> m.get(key)).filter(s -> s != null)
                .mapToDouble(Double::parseDouble).sorted().toArray();
        if (v.length == 0) {
            return 0;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double sum(List<Map<String, String>> runs, String key) {
        return runs.stream().map(m -> m.get(key)).filter(s -> s != null).mapToDouble(Double::parseDouble).sum();
    }

    /** A CPU figure to two decimals, or "-" when the runs did not measure it. */
    private static String cpu(List<Map<String, String>> runs, String key) {
        return runs.get(0).containsKey(key) ? String.format(Locale.ROOT, "%.2f", median(runs, key)) : "-";
    }

    private static String num(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
