package dev.hftp.it;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every {@code ```sh} block of the README runs as a reader would paste it, each in a shell of its own
 * ({@code set -e}: every command must succeed), in a directory that holds the build's outputs and
 * {@code testdata} as a checkout does, with a home directory of its own. A {@code ```text} block right after it
 * is output it must print. Only blocks marked {@code <!-- not run by ReadmeShellSnippetsIT: REASON -->} are left
 * out (root, systemd, Maven builds). A command left in the background ({@code ... &}) is a server: the next line
 * waits until it logs that it listens, as a person typing would, and the shell stops it at the end.
 */
class ReadmeShellSnippetsIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BLOCK = Pattern.compile(
            "(<!-- not run by ReadmeShellSnippetsIT: ([^>]*?) -->\\n)?```sh\\n(.*?)```\\n(```text\\n(.*?)```\\n)?",
            Pattern.DOTALL);
    /** What a snippet finds in its directory, as in a checkout: links to the build's outputs and the test data. */
    private static final List<String> LINKED = List.of("hftp-dist", "hftp-server", "hftp-client", "testdata");
    private static final Pattern BACKGROUND = Pattern.compile("&\\s*(#.*)?$");

    @TempDir
    Path work;

    @Test
    void theReadmeHasSnippetsToRunAndSaysWhyOthersAreNot() throws IOException {
        List<Snippet> snippets = snippets();
        assertTrue(snippets.stream().filter(s -> s.skipReason == null).count() >= 5, "runnable snippets: " + snippets);
        for (Snippet snippet : snippets) {
            assertTrue(snippet.skipReason == null || !snippet.skipReason.isBlank(), "a skip without a reason");
        }
        // Every shell block is fenced: an indented one would escape this test.
        assertFalse(Pattern.compile("(?m)^    (java|mvn|hftp|sudo|curl|tar|openssl|python3) ").matcher(readme()).find(),
                "an indented shell block in the README");
    }

    @TestFactory
    Stream<DynamicTest> everyShellSnippetRuns() throws IOException {
        return snippets().stream().filter(s -> s.skipReason == null)
                .map(s -> DynamicTest.dynamicTest(s.title(), () -> run(s)));
    }

    private void run(Snippet snippet) throws Exception {
        Path dir = Files.createTempDirectory(work, "snippet");
        for (String name : LINKED) {
            Files.createSymbolicLink(dir.resolve(name), ROOT.resolve(name));
        }
        try {
            runIn(dir, snippet);
        } finally {
            // Removed here, the snippet's own too: JUnit warns about each link to outside its temporary directory
            // when it deletes one.
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path link : files.filter(Files::isSymbolicLink).toList()) {
                    Files.deleteIfExists(link);
                }
            }
        }
    }

    private void runIn(Path dir, Snippet snippet) throws Exception {
        Path home = Files.createDirectory(dir.resolve("home"));
        Path log = dir.resolve("stderr.log");
        Path script = Files.writeString(dir.resolve("snippet.sh"), script(snippet.code));
        String javaHome = System.getProperty("java.home");
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .redirectError(log.toFile());
        Map<String, String> environment = builder.environment();
        environment.put("HOME", home.toString());
        environment.put("JAVA_HOME", javaHome);
        environment.put("PATH", javaHome + "/bin:" + environment.get("PATH"));
        environment.put("SNIPPET_LOG", log.toString());
        Process shell = builder.start();
        if (!shell.waitFor(120, TimeUnit.SECONDS)) {
            shell.descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
            fail("did not end in 120 s:\n" + snippet.code + "\n--- stderr ---\n" + Files.readString(log));
        }
        String stdout = Files.readString(dir.resolve("stdout.log"), StandardCharsets.UTF_8);
        String stderr = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, shell.exitValue(), snippet.code + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr);
        if (snippet.output != null) {
            for (String line : snippet.output.strip().split("\n")) {
                assertTrue(stdout.lines().anyMatch(l -> l.equals(line)), "no line '" + line + "' in the output of\n"
                        + snippet.code + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr);
            }
        }
    }

    /** The snippet with a wait after each background line, and the background stopped at the end. */
    private static String script(String code) {
        StringBuilder script = new StringBuilder("""
                set -e
                trap 'kill $(jobs -p) 2>/dev/null || true; wait || true' EXIT
                wait_listening() {
                    for _ in $(seq 1 300); do
                        [ "$(grep -c ' - Serving ' "$SNIPPET_LOG" || true)" -ge "$1" ] && return 0
                        sleep 0.1
                    done
                    echo "ReadmeShellSnippetsIT: no server listening after 30 s" >&2
                    return 1
                }
                """);
        int servers = 0;
        // Continuation lines (ending with a backslash) are one command.
        for (String line : code.replace("\\\n", " ").split("\n")) {
            script.append(line).append('\n');
            if (BACKGROUND.matcher(line).find()) {
                servers++;
                script.append("wait_listening ").append(servers).append('\n');
            }
        }
        return script.toString();
    }

    private static String readme() throws IOException {
        return Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    }

    private static List<Snippet> snippets() throws IOException {
        List<Snippet> snippets = new ArrayList<>();
        Matcher block = BLOCK.matcher(readme());
        while (block.find()) {
            snippets.add(new Snippet(block.group(2), block.group(3), block.group(5)));
        }
        return snippets;
    }

    private record Snippet(String skipReason, String code, String output) {
        String title() {
            String first = code.lines().findFirst().orElse("");
            return first.length() > 70 ? first.substring(0, 70) + "..." : first;
        }
    }
}
