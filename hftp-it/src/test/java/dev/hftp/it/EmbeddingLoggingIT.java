package dev.hftp.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static dev.hftp.it.AbuseSupport.javaLauncher;
import static dev.hftp.it.AbuseSupport.serverJar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library is not the application: an application that embeds {@code HftpServerBootstrap} keeps its own
 * logging configuration, even with the server's jar ahead of it on the class path; the runnable jar keeps the
 * command's logging.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddingLoggingIT {

    /** An application with its own Log4j configuration, which starts and stops a server between two INFO lines. */
    private static final String APPLICATION = String.join("\n",
            "import dev.hftp.server.HftpServer;",
            "import dev.hftp.server.HftpServerBootstrap;",
            "import java.nio.file.Path;",
            "import org.apache.logging.log4j.LogManager;",
            "import org.apache.logging.log4j.Logger;",
            "public class Application {",
            "    public static void main(String[] args) throws Exception {",
            "        Logger log = LogManager.getLogger(\"application\");",
            "        log.info(\"starting\");",
            "        try (HftpServer server = new HftpServerBootstrap().directory(Path.of(args[0]))",
            "                .address(\"127.0.0.1\").port(0).start()) {",
            "            log.info(\"serving on {}\", server.port());",
            "        }",
            "        log.info(\"stopped\");",
            "    }",
            "}", "");

    private static final String ITS_LOGGING = String.join("\n",
            "<Configuration status=\"WARN\">",
            "  <Appenders>",
            "    <Console name=\"Out\" target=\"SYSTEM_OUT\">",
            "      <PatternLayout pattern=\"APPLICATION %level %c %msg%n\"/>",
            "    </Console>",
            "  </Appenders>",
            "  <Loggers>",
            "    <Root level=\"INFO\"><AppenderRef ref=\"Out\"/></Root>",
            "  </Loggers>",
            "</Configuration>", "");

    @TempDir
    Path dir;

    @Test
    void anEmbeddingApplicationKeepsItsOwnLoggingConfiguration() throws Exception {
        Path served = Files.createDirectory(dir.resolve("served"));
        Path source = Files.writeString(dir.resolve("Application.java"), APPLICATION);
        Path config = Files.createDirectory(dir.resolve("config"));
        Files.writeString(config.resolve("log4j2.xml"), ITS_LOGGING);
        List<String> classPath = new ArrayList<>();
        // The server's own entries first: a configuration of theirs would be the one Log4j finds.
        classPath.addAll(serverEntries());
        classPath.add(config.toString());
        classPath.addAll(testClassPath().stream().filter(entry -> !classPath.contains(entry)).toList());
        Process application = new ProcessBuilder(javaLauncher().toString(), "-cp",
                String.join(File.pathSeparator, classPath), source.toString(), served.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(application.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(application.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, application.exitValue(), output);
        assertTrue(output.contains("APPLICATION INFO application starting\n"), output);
        assertTrue(output.contains("APPLICATION INFO application serving on "), output);
        assertTrue(output.contains("APPLICATION INFO application stopped\n"), output);
    }

    @Test
    void theServerLibraryHasNoLoggingConfigurationAndTheRunnableJarHasOne() throws IOException {
        for (String entry : serverEntries()) {
            Path path = Path.of(entry);
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.walk(path)) {
                    assertFalse(files.anyMatch(EmbeddingLoggingIT::isLoggingConfiguration), entry);
                }
            } else {
                try (JarFile jar = new JarFile(path.toFile())) {
                    assertFalse(jar.stream().anyMatch(e -> isLoggingConfiguration(Path.of(e.getName()))), entry);
                }
            }
        }
        try (JarFile runnable = new JarFile(serverJar().toFile())) {
            assertTrue(runnable.getEntry("log4j2.xml") != null, "the command's logging, in " + serverJar());
        }
    }

    private static boolean isLoggingConfiguration(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        return name.startsWith("log4j2") || name.startsWith("logback") || name.equals("log4j.properties");
    }

    /** The class-path entries of the hftp-server library, as the build gives it to these tests. */
    private static List<String> serverEntries() {
        List<String> entries = testClassPath().stream()
                .filter(entry -> entry.contains("hftp-server") && !entry.endsWith("hftp-server.jar"))
                .toList();
        assertFalse(entries.isEmpty(), "hftp-server on the class path: " + testClassPath());
        return entries;
    }

    private static List<String> testClassPath() {
        String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of(path.split(File.pathSeparator));
    }
}
