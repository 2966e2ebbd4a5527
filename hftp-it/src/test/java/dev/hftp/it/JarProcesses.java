package dev.hftp.it;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jars run as processes of one test (the server's, the client's), with this JVM's {@code java}, destroyed after the
 * test whatever its outcome: SIGTERM, then SIGKILL after 10 s.
 *
 * <pre>{@code
 * @RegisterExtension
 * final JarProcesses processes = new JarProcesses();
 * ...
 * JarProcess server = processes.start(serverJar, "-a", "127.0.0.1", "-p", "0", "-d", dir.toString());
 * int port = Integer.parseInt(server.awaitServing().group(3));
 * }</pre>
 */
final class JarProcesses implements AfterEachCallback {

    /** A quick start on a small machine; no effect on what the program does. */
    static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData");

    private final List<JarProcess> started = new ArrayList<>();

    /** {@code jar} run with {@code args}, from the working directory of the tests. */
    JarProcess start(Path jar, String... args) throws IOException {
        return start(Path.of("").toAbsolutePath(), List.of(), List.of(), jar, args);
    }

    /**
     * {@code jar} run from {@code workingDirectory} with {@code args}, after {@link #QUICK_START} and
     * {@code jvmFlags}, under {@code prefix} (a command that runs another: {@code setpriv ...},
     * {@code prlimit ...}; empty for none).
     */
    JarProcess start(Path workingDirectory, List<String> prefix, List<String> jvmFlags, Path jar, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(QUICK_START);
        command.addAll(jvmFlags);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(List.of(args));
        JarProcess process = new JarProcess(new ProcessBuilder(command).directory(workingDirectory.toFile()).start());
        started.add(process);
        return process;
    }

    /** Any {@code command} (a launcher script, say), from {@code workingDirectory}, with {@code environment} added. */
    JarProcess run(Path workingDirectory, Map<String, String> environment, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile());
        builder.environment().putAll(environment);
        JarProcess process = new JarProcess(builder.start());
        started.add(process);
        return process;
    }

    /** Destroys every process started so far, as after the test. */
    void destroyAll() throws InterruptedException {
        for (JarProcess process : started) {
            process.destroy();
        }
        started.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        destroyAll();
    }
}
