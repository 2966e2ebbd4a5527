package dev.hftp.server.cli;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Option values that the command line does not give, from the environment ({@code HFTP_PORT},
 * {@code HFTP_MAX_CONNECTIONS}, ...) or else from a properties or YAML file ({@code port=19500},
 * {@code max-connections: 20000}, ...): the command line wins over the environment, which wins over the file,
 * which wins over the built-in defaults. Keys are the options' long names without the dashes; in YAML, nested
 * keys join with a dash ({@code metrics: {port: 9100}} is {@code metrics-port}).
 */
public final class ConfigDefaults implements CommandLine.IDefaultValueProvider {

    /** Options that are actions, not settings: never taken from the environment or a file. */
    static final Set<String> NOT_SETTINGS = Set.of("help", "version", "verbose", "config", "print-config");

    private final Map<String, String> environment;
    private final Properties file;
    /** The file's path as the user gave it, for messages; null without one. */
    private final Path fileName;
    /** Where each value given came from (a variable's name, or the file's path), by key. */
    private final Map<String, String> sources = new HashMap<>();

    ConfigDefaults(Map<String, String> environment, Properties file) {
        this(environment, file, null);
    }

    ConfigDefaults(Map<String, String> environment, Properties file, Path fileName) {
        this.environment = environment;
        this.file = file;
        this.fileName = fileName;
    }

    /**
     * Where the value of {@code option} came from, if this provider gave it: {@code HFTP_PORT}, or the config file's
     * path; null if it came from the command line or the built-in default.
     */
    String sourceOf(OptionSpec option) {
        String key = key(option);
        return key == null ? null : sources.get(key);
    }

    /**
     * The settings of {@code path}: a YAML file if its name ends in {@code .yaml} or {@code .yml}, else a
     * properties file.
     *
     * @throws IllegalArgumentException if the YAML is not a mapping of keys to single values
     */
    static Properties load(Path path) throws IOException {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return loadYaml(path);
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path)) {
            properties.load(reader);
        }
        return properties;
    }

    private static Properties loadYaml(Path path) throws IOException {
        Object document;
        try (Reader reader = Files.newBufferedReader(path)) {
            // Plain data only: a config file must not be able to make the loader build arbitrary objects.
            LoaderOptions options = new LoaderOptions();
            // A key given twice is a mistake to report, not a value to pick silently.
            options.setAllowDuplicateKeys(false);
            document = new Yaml(new SafeConstructor(options)).load(reader);
        } catch (YAMLException e) {
            throw new IllegalArgumentException("not valid YAML: " + e.getMessage().replace('\n', ' '), e);
        }
        Properties properties = new Properties();
        if (document == null) {
            return properties;
        }
        if (!(document instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("expected a mapping of settings (port: 19500, ...)");
        }
        flatten("", map, properties);
        return properties;
    }

    private static void flatten(String prefix, Map<?, ?> map, Properties properties) {
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String key = prefix + entry.getKey();
            Object value = entry.getValue();
            if (value instanceof Map<?, ?> nested) {
                flatten(key + "-", nested, properties);
            } else if (value instanceof List<?> || value instanceof byte[]) {
                throw new IllegalArgumentException(key + ": expected a single value");
            } else {
                // null (an empty value) stands for the built-in default, as in a properties file.
                properties.setProperty(key, value == null ? "" : value.toString());
            }
        }
    }

    /** The key of an option: its long name without the dashes, or null for an option that is not a setting. */
    static String key(OptionSpec option) {
        String name = option.longestName();
        if (!name.startsWith("--")) {
            return null;
        }
        String key = name.substring(2);
        return NOT_SETTINGS.contains(key) ? null : key;
    }

    static String environmentVariable(String key) {
        return "HFTP_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The keys of {@code file} that name no option of {@code spec}: a typo there must not pass in silence. */
    Set<String> unknownKeys(CommandLine.Model.CommandSpec spec) {
        Set<String> unknown = new TreeSet<>(file.stringPropertyNames());
        for (OptionSpec option : spec.options()) {
            String key = key(option);
            if (key != null) {
                unknown.remove(key);
            }
        }
        return unknown;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) {
            return null;
        }
        String key = key(option);
        if (key == null) {
            return null;
        }
        String value = environment.get(environmentVariable(key));
        String source = environmentVariable(key);
        if (value == null || value.isBlank()) {
            // An empty variable (a placeholder in a unit or compose file) is unset: it must not hide the file's
            // tls-cert, say, and start the server in plaintext.
            value = file.getProperty(key);
            source = String.valueOf(fileName);
        }
        // An empty value (as --print-config writes for an unset option) means the built-in default.
        if (value == null || value.isBlank()) {
            return null;
        }
        sources.put(key, source);
        return value.trim();
    }
}
